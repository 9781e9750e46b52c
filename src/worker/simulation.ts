/**
 * The simulation behind the worker: the state machine that answers the protocol's commands (SimApi,
 * src/worker/protocol.ts) for one batch engine of one or two tissues (A, B: the same cells, seed and
 * grid, each its own genotype, expression levels and doses) on one clock. Transport-free:
 * browser-worker.ts and node-worker.ts expose an instance with comlink; tests may also call it directly.
 *
 * Its rooms: settings.ts and tissues.ts check what arrives (with the model's own validation), build.ts
 * builds the engine, pacing.ts advances it (chunks, speed, protocol phases at their grid steps), runs.ts
 * keeps what each tissue ran, frames.ts turns that into frames at the caller's display rate.
 *
 * All engine work (build, advance, snapshot, setDoses) is serialised through one promise chain, so
 * commands that arrive between chunks never race a running advance, and a change for several tissues
 * lands on all of them at the same grid step.
 */
import { resolveEngine, type ResolvedEngine } from '../engines/create.js';
import type { BatchEngine, RecordBatch } from '../engines/engine.js';
import type { Model } from '../model/derive.js';
import { DRUGS, DRUG_NAMES, GENOTYPES, GENOTYPE_NAMES, type DrugDoses } from '../model/drugs.js';
import { ConfigError } from '../model/errors.js';
import { F1_RATE_BAND } from '../model/findings.js';
import { PARAM_SPECS } from '../model/params.js';
import { buildEngine, type Estimate } from './build.js';
import { Frames } from './frames.js';
import { Pacing } from './pacing.js';
import {
  MAX_TISSUES,
  TISSUE_LABELS,
  type Frame,
  type Layout,
  type PhaseMark,
  type ProtocolInfo,
  type SimApi,
  type SimConfig,
  type SimInfo,
  type Summary,
  type TissueSpec,
  type TissueSummary,
} from './protocol.js';
import { PROTOCOLS, checkProtocol } from './protocols.js';
import { newRun, recordChunk, windowStats, type TissueRun } from './runs.js';
import { DEFAULT_SETTINGS, applySettings, checkMaxSpeed, checkNeurons, checkSeed, checkSliceZ, type Settings } from './settings.js';
import { DEFAULT_TISSUES, checkDose, checkDoses, checkTissueIndex, checkTissues, describeDoses, sameDoses } from './tissues.js';

export class Simulation implements SimApi {
  private readonly s: Settings = { ...DEFAULT_SETTINGS };
  private tissues = checkTissues(DEFAULT_TISSUES);
  private protocol: ProtocolInfo | null = null;
  private resolved: ResolvedEngine | null = null;
  private notice: string | undefined;
  private error: string | undefined;
  private batch: BatchEngine | null = null;
  private models: Model[] = [];
  private runs: TissueRun[] = [];
  private voxelUm = 20;
  private version = 0;
  private readonly estimates = new Map<string, Estimate>();
  private chain: Promise<unknown> = Promise.resolve();

  private readonly pacing = new Pacing(this.s, {
    exclusive: (fn) => this.exclusive(fn),
    engine: () => this.batch,
    record: (out) => this.record(out),
    applyPhase: (ev) => this.applyDoses(this.targets(undefined), { ...ev.doses }, ev.name),
    changed: () => this.frames.changed(),
    failed: (msg) => {
      this.error = msg;
    },
  });

  private readonly frames = new Frames(this.s, {
    exclusive: (fn) => this.exclusive(fn),
    built: () => ({ batch: this.batch, models: this.models, runs: this.runs }),
    head: () => ({
      version: this.version,
      tS: this.pacing.tS,
      running: this.pacing.running,
      simPerWall: this.pacing.simPerWall(),
      protocolDone: this.pacing.protocolDone,
    }),
    failed: (msg) => {
      this.error = msg;
    },
  });

  async init(config: SimConfig = {}): Promise<SimInfo> {
    const { tissues, protocol, sliceZ, ...rest } = config;
    applySettings(this.s, rest);
    if (tissues !== undefined) this.tissues = checkTissues(tissues);
    this.s.neurons = checkNeurons(this.s.neurons, this.s.voxelUm, this.tissues.length);
    if (protocol !== undefined) this.protocol = checkProtocol(protocol);
    if (sliceZ !== undefined) this.frames.sliceZ = sliceZ;
    await this.exclusive(async () => {
      if (!this.resolved) {
        // the job named, so that `auto` takes the CPU engine over a software adapter (the faster one there)
        this.resolved = await resolveEngine(this.s.engine, (msg) => (this.notice = msg.replace(/^raphe: /, '')), {
          job: { cells: this.s.neurons, sims: this.tissues.length },
        });
      }
      await this.build();
    });
    return this.info();
  }

  private info(): SimInfo {
    const b = this.batch!;
    return {
      engine: b.info.engine,
      adapter: b.info.adapter,
      ...(this.notice ? { notice: this.notice } : {}),
      ...(this.resolved?.softwareAdapter && b.info.engine === 'cpu' ? { softwareAdapter: this.resolved.softwareAdapter } : {}),
      genotypes: GENOTYPE_NAMES.map((name) => ({ name, doc: GENOTYPES[name].doc })),
      drugs: DRUG_NAMES.map((name) => ({ name, target: DRUGS[name].target, action: DRUGS[name].action, K_nM: DRUGS[name].K_nM })),
      protocols: PROTOCOLS,
      maxTissues: MAX_TISSUES,
      expression: { min: PARAM_SPECS.htr2bExpression.min, max: PARAM_SPECS.htr2bExpression.max },
      rateBand: { ...F1_RATE_BAND, label: 'F1 band' },
    };
  }

  async layout(): Promise<Layout> {
    const m = this.requireModel();
    const nAct = Math.min(m.nCells, this.s.activityCells);
    return {
      version: this.version,
      neurons: m.nCells,
      seed: this.s.seed,
      voxelUm: this.voxelUm,
      nx: m.geometry.nx,
      ny: m.geometry.ny,
      nz: m.geometry.nz,
      pos: m.pos.slice(0, 3 * nAct),
      rasterCells: Math.min(m.nCells, this.s.rasterCells),
      sampleDtS: this.s.sampleSteps * m.dtGrid_s,
      tissues: this.tissues.map((t, i) => ({
        label: TISSUE_LABELS[i],
        genotype: t.genotype,
        genotypeDoc: GENOTYPES[t.genotype].doc,
        htr1aExpression: t.htr1aExpression,
        htr2bExpression: t.htr2bExpression,
        sertExpression: t.sertExpression,
        linked: t.linked,
        c0Nm: this.runs[i].c0,
        rate0Hz: this.runs[i].rate0,
      })),
      protocol: this.protocol,
    };
  }

  async start(): Promise<void> {
    this.requireModel();
    this.pacing.start();
  }

  async pause(): Promise<void> {
    await this.pacing.pause();
  }

  async step(seconds: number): Promise<void> {
    if (!(seconds > 0)) throw new Error('step: seconds must be > 0');
    this.requireModel();
    await this.pacing.step(seconds);
  }

  async reset(): Promise<void> {
    await this.exclusive(() => this.build());
  }

  async setTissues(tissues: TissueSpec[]): Promise<void> {
    const next = checkTissues(tissues);
    checkNeurons(this.s.neurons, this.s.voxelUm, next.length);
    await this.exclusive(async () => {
      this.tissues = next;
      await this.build();
    });
  }

  async setLinked(tissue: number, linked: boolean): Promise<void> {
    const i = checkTissueIndex(tissue, this.tissues.length);
    if (typeof linked !== 'boolean') throw new ConfigError('linked', 'must be true or false');
    await this.exclusive(async () => {
      const t = this.tissues[i];
      if (t.linked === linked) return;
      const group = this.tissues.findIndex((x, j) => j !== i && x.linked);
      t.linked = linked;
      // a tissue linked again takes the linked tissues' current doses (none linked: it keeps its own)
      if (linked && group >= 0 && this.runs[i] && !sameDoses(this.runs[i].doses, this.runs[group].doses)) {
        this.applyDoses([i], { ...this.runs[group].doses }, undefined);
      }
    });
  }

  async setProtocol(id: string | null): Promise<void> {
    const p = checkProtocol(id);
    await this.exclusive(async () => {
      this.protocol = p;
      if (p) await this.build();
      else {
        this.pacing.dropProtocol();
        this.frames.changed();
      }
    });
  }

  async setDrug(name: string, nM: number, tissue?: number): Promise<void> {
    const d = checkDose('doses', name, nM);
    const targets = this.targets(tissue);
    await this.exclusive(async () => {
      for (const i of targets) {
        const next = { ...this.runs[i].doses };
        if (nM > 0) next[d] = nM;
        else delete next[d];
        this.applyDoses([i], next, nM > 0 ? `${d} ${+nM.toPrecision(4)} nM` : `${d} off`);
      }
    });
  }

  async setDoses(doses: Record<string, number>, tissue?: number): Promise<void> {
    const next = checkDoses('doses', doses);
    const targets = this.targets(tissue);
    await this.exclusive(async () => this.applyDoses(targets, next, undefined));
  }

  async setNeurons(n: number): Promise<void> {
    checkNeurons(n, this.s.voxelUm, this.tissues.length);
    await this.exclusive(async () => {
      // Start the new tissues from where the current ones stand (their 5-HT and rate), when they have
      // run long enough to say (and run without a protocol): no new steady-state estimates needed.
      const carry =
        !this.protocol && this.pacing.tS >= 1
          ? this.runs.map((r) => {
              const w = windowStats(r, 1, this.sampleDtS());
              return w.n > 0 ? { c0_nM: w.meanC, rate_Hz: w.rate } : undefined;
            })
          : undefined;
      this.s.neurons = n;
      await this.build(carry);
    });
  }

  async setSeed(seed: number): Promise<void> {
    const k = checkSeed(seed);
    await this.exclusive(async () => {
      this.s.seed = k;
      await this.build();
    });
  }

  async setSliceZ(z: number): Promise<void> {
    this.frames.setSliceZ(checkSliceZ(z));
  }

  async setMaxSpeed(x: number): Promise<void> {
    this.pacing.setMaxSpeed(checkMaxSpeed(x));
  }

  nextFrame(): Promise<Frame> {
    return this.frames.next();
  }

  async summary(windowS = 2): Promise<Summary> {
    const b = this.batch;
    const dtS = this.sampleDtS();
    const tissues: TissueSummary[] = this.tissues.map((t, i) => {
      const r = this.runs[i];
      const w = windowStats(r, windowS, dtS);
      return {
        label: TISSUE_LABELS[i],
        genotype: t.genotype,
        htr1aExpression: t.htr1aExpression,
        htr2bExpression: t.htr2bExpression,
        sertExpression: t.sertExpression,
        linked: t.linked,
        doses: { ...(r?.doses ?? {}) } as Record<string, number>,
        meanRateHz: w.rate,
        probeNm: w.probe,
        meanCNm: w.meanC,
        s1A: w.s1A,
        s2B: w.s2B,
        totalSpikes: r?.totalSpikes ?? 0,
        c0Nm: r?.c0 ?? NaN,
        rate0Hz: r?.rate0 ?? NaN,
        lastDoseChangeS: r?.lastDoseChangeS ?? NaN,
        phases: (r?.phases ?? []).map((p) => ({ ...p, doses: { ...p.doses } })),
      };
    });
    const w0 = windowStats(this.runs[0], windowS, dtS);
    return {
      engine: b?.info.engine ?? 'cpu',
      adapter: b?.info.adapter ?? '',
      ...(this.notice ? { notice: this.notice } : {}),
      ...(this.error ? { notice: `${this.notice ? `${this.notice}; ` : ''}error: ${this.error}` } : {}),
      version: this.version,
      neurons: this.models[0]?.nCells ?? 0,
      seed: this.s.seed,
      voxelUm: this.voxelUm,
      tS: this.pacing.tS,
      running: this.pacing.running,
      simPerWall: this.pacing.simPerWall(),
      protocol: this.protocol?.id ?? null,
      protocolDone: this.pacing.protocolDone,
      windowS: w0.span,
      tissues,
    };
  }

  async dispose(): Promise<void> {
    this.pacing.dispose();
    await this.exclusive(async () => {
      this.batch?.dispose();
      this.batch = null;
    });
  }

  // ---------------------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private requireModel(): Model {
    if (!this.models.length || !this.batch) throw new Error('the simulation is not initialised: call init() first');
    return this.models[0];
  }

  private sampleDtS(): number {
    return this.s.sampleSteps * (this.models[0]?.dtGrid_s ?? 0.001);
  }

  /** The tissues a drug change is for: one by index, or every linked one. */
  private targets(tissue: number | undefined): number[] {
    if (tissue !== undefined) return [checkTissueIndex(tissue, this.tissues.length)];
    return this.tissues.flatMap((t, i) => (t.linked ? [i] : []));
  }

  /** Sets the doses of `targets` from the next grid step on (all at the same step), with a phase mark. */
  private applyDoses(targets: number[], next: DrugDoses, name: string | undefined): void {
    const tS = this.pacing.tS;
    for (const i of targets) {
      const r = this.runs[i];
      if (!r) continue;
      r.doses = { ...next };
      this.batch?.setDoses(i, r.doses);
      r.lastDoseChangeS = tS;
      const mark: PhaseMark = {
        tissue: i,
        tS,
        name: name ?? (describeDoses(next) || 'no drug'),
        doses: { ...next } as Record<string, number>,
      };
      r.phases.push(mark);
      this.frames.addPhase(mark);
    }
    this.frames.changed();
  }

  /** One chunk's records: the sample times for the frames, the rest into each tissue's run. */
  private record(out: RecordBatch[]): void {
    const m = this.models[0];
    this.frames.addSamples(out[0], m.dtGrid_s);
    recordChunk(this.runs, out, m, this.s);
  }

  /** (Re)builds the tissues from their steady state (or `carry`) and starting doses: time back to 0, a new version. */
  private async build(carry?: (Estimate | undefined)[]): Promise<void> {
    this.batch?.dispose();
    this.batch = null;
    const b = await buildEngine({
      resolved: this.resolved!,
      tissues: this.tissues,
      protocol: this.protocol,
      settings: this.s,
      estimates: this.estimates,
      carry,
    });
    this.resolved = b.resolved;
    if (b.notice) this.notice = b.notice;
    this.voxelUm = b.voxelUm;
    this.models = b.models;
    this.batch = b.batch;
    this.version++;
    const m = b.models[0];
    this.pacing.reset(m.dtGrid_s, this.protocol);
    const nAct = Math.min(m.nCells, this.s.activityCells);
    this.runs = b.models.map((_, i) => newRun(i, b.starts[i], b.est[i], nAct));
    this.frames.reset(
      m.geometry.nz,
      this.runs.map((r) => r.phases[0]),
    );
  }
}
