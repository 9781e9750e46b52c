/**
 * The simulation behind the worker: owns one batch engine of one or two tissues (A, B: the same cells,
 * seed and grid, each its own genotype, expression levels and doses) on one clock, advances it in chunks
 * sized to a target wall time, applies drug changes and protocol phases at exact grid steps, and turns
 * its record batches into frames (traces, raster spikes of a subset, per-cell recent activity, grid
 * slices, per tissue) that the caller pulls with `nextFrame()` at its display rate. Transport-free:
 * browser-worker.ts and node-worker.ts expose an instance with comlink; tests may also call it directly.
 *
 * All engine work (build, advance, snapshot, setDoses) is serialised through one promise chain, so
 * commands that arrive between chunks never race a running advance, and a change for several tissues
 * lands on all of them at the same grid step.
 * Over 400 lines: one class, the worker's state machine (config, engine life, chunk pacing, protocol
 * phases, frames), whose methods share that serialised state; the frame assembly is its largest part.
 */
import { transfer } from 'comlink';
import { isSoftwareAdapter, resolveEngine, type ResolvedEngine } from '../engines/create.js';
import type { BatchEngine, EngineOptions, RecordBatch } from '../engines/engine.js';
import { buildModel, type Model } from '../model/derive.js';
import { DRUGS, DRUG_NAMES, GENOTYPES, GENOTYPE_NAMES, type DrugDoses, type DrugName, type Genotype } from '../model/drugs.js';
import { ConfigError, checkNumber } from '../model/errors.js';
import { PARAM_SPECS, defaultParams, type Params } from '../model/params.js';
import { gb, maxNeuronsWithin } from '../model/resources.js';
import { LIMITS, checkKeys, checkModelConsistency, parseConcentration, parseDrugName, parseGenotype } from '../model/scenario.js';
import {
  MAX_TISSUES,
  TISSUE_LABELS,
  type Frame,
  type GridSlice,
  type Layout,
  type PhaseMark,
  type ProtocolInfo,
  type SimApi,
  type SimConfig,
  type SimInfo,
  type Summary,
  type TissueFrame,
  type TissueSpec,
  type TissueSummary,
} from './protocol.js';
import { PROTOCOLS, PROTOCOL_IDS } from './protocols.js';

/** Raster spikes kept per tissue for one frame before the oldest are dropped (the caller is not pulling). */
const MAX_PENDING_SPIKES = 200_000;
/** Simulated seconds of history kept for summaries. */
const HISTORY_S = 120;

type Required2<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
type Settings = Required2<Omit<SimConfig, 'voxelUm' | 'sliceZ' | 'tissues' | 'protocol'>> & {
  voxelUm: number | 'auto';
};

const DEFAULTS: Settings = {
  neurons: 2000,
  seed: 1,
  engine: 'auto',
  voxelUm: 'auto',
  sampleSteps: 50,
  maxSpeed: 1,
  minFrameMs: 1000 / 30,
  sliceEveryMs: 250,
  rasterCells: 200,
  activityCells: 8000,
  activityTauS: 1,
  chunkWallMs: 80,
};

/** A tissue as checked. */
interface Tissue {
  genotype: Genotype;
  htr1aExpression: number;
  htr2bExpression: number;
  sertExpression: number;
  linked: boolean;
  doses: DrugDoses;
}

export const DEFAULT_TISSUES: TissueSpec[] = [{ genotype: 'wt' }, { genotype: 'htr2b-ko' }];
const EXPRESSION = ['htr1aExpression', 'htr2bExpression', 'sertExpression'] as const;
const TISSUE_KEYS = ['genotype', ...EXPRESSION, 'linked', 'doses'];

let yieldChannel: MessageChannel | null = null;
/** Lets queued messages (commands) in between chunks: setImmediate in Node, a MessageChannel elsewhere. */
function yieldToEvents(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => {
    if (!yieldChannel) yieldChannel = new MessageChannel();
    const ch = yieldChannel;
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(null);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The demo's practical memory budget (a browser tab holds far less than the machine): the neuron cap
 * is derived from it with the model's memory estimate (src/model/resources.ts), not a magic number.
 * The cap is for all tissues together.
 */
export const DEMO_MEMORY_BUDGET_BYTES = 2 * 2 ** 30;

// The same checks and limits as a scenario (src/model/scenario.ts), with the same one-line ConfigErrors.
function checkDose(field: string, name: string, nM: unknown): DrugName {
  const d = parseDrugName(`${field}.${name}`, name);
  parseConcentration(`${field}.${name}`, nM);
  return d;
}

function checkDoses(field: string, doses: unknown): DrugDoses {
  if (doses === undefined) return {};
  if (typeof doses !== 'object' || doses === null || Array.isArray(doses)) {
    throw new ConfigError(field, 'must be an object of drug name -> free concentration in nM');
  }
  const out: DrugDoses = {};
  for (const [name, nM] of Object.entries(doses)) {
    const d = checkDose(field, name, nM);
    if ((nM as number) > 0) out[d] = nM as number;
  }
  return out;
}

function checkTissues(v: unknown): Tissue[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_TISSUES) {
    throw new ConfigError('tissues', `must be a list of 1 to ${MAX_TISSUES} tissues (${TISSUE_LABELS.join(', ')})`);
  }
  return v.map((t, i) => {
    const field = `tissues[${i}]`;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new ConfigError(field, 'must be an object');
    checkKeys(field, t, TISSUE_KEYS);
    const spec = t as TissueSpec;
    const expr = (k: (typeof EXPRESSION)[number]) =>
      spec[k] === undefined ? 1 : checkNumber(`${field}.${k}`, spec[k], PARAM_SPECS[k].min, PARAM_SPECS[k].max);
    if (spec.linked !== undefined && typeof spec.linked !== 'boolean') throw new ConfigError(`${field}.linked`, 'must be true or false');
    return {
      genotype: parseGenotype(`${field}.genotype`, spec.genotype ?? 'wt'),
      htr1aExpression: expr('htr1aExpression'),
      htr2bExpression: expr('htr2bExpression'),
      sertExpression: expr('sertExpression'),
      linked: spec.linked ?? true,
      doses: checkDoses(`${field}.doses`, spec.doses),
    };
  });
}

function checkProtocol(id: unknown): ProtocolInfo | null {
  if (id === null || id === undefined) return null;
  const p = typeof id === 'string' ? PROTOCOLS.find((x) => x.id === id) : undefined;
  if (!p)
    throw new ConfigError('protocol', `unknown protocol ${JSON.stringify(id)}; allowed: ${PROTOCOL_IDS.join(', ')} or null (free run)`);
  return p;
}

function checkTissueIndex(tissue: unknown, n: number): number {
  return checkNumber('tissue', tissue, 0, n - 1, { integer: true });
}

function checkNeurons(n: unknown, voxelUm: number | 'auto', tissues: number): number {
  const params = defaultParams();
  if (typeof voxelUm === 'number') params.voxel_um = voxelUm;
  const cap = Math.min(LIMITS.neurons.max, Math.floor(maxNeuronsWithin(DEMO_MEMORY_BUDGET_BYTES / tissues, params)));
  checkNumber('neurons', n, LIMITS.neurons.min, LIMITS.neurons.max, { integer: true });
  return checkNumber('neurons', n, LIMITS.neurons.min, cap, {
    integer: true,
    unit: `(the demo's memory budget, ${gb(DEMO_MEMORY_BUDGET_BYTES)} for ${tissues} tissue${tissues > 1 ? 's' : ''}, at voxel_um ${params.voxel_um})`,
  });
}

/** "fluoxetine 10 nM, bw723c86 100 nM", or "" for none. */
export function describeDoses(d: DrugDoses): string {
  return Object.entries(d)
    .map(([k, v]) => `${k} ${+(v as number).toPrecision(4)} nM`)
    .join(', ');
}

function sameDoses(a: DrugDoses, b: DrugDoses): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k as DrugName] === b[k as DrugName]);
}

/** What one tissue has run since the build. */
interface Run {
  doses: DrugDoses;
  c0: number;
  rate0: number;
  lastDoseChangeS: number;
  phases: PhaseMark[];
  totalSpikes: number;
  hist: { t: number[]; rate: number[]; probe: number[]; meanC: number[]; s1A: number[]; s2B: number[] };
  pend: { rate: number[]; probe: number[]; meanC: number[]; spikeCell: number[]; spikeT: number[]; dropped: number };
  activity: Float32Array;
}

const emptyPending = (): Run['pend'] => ({ rate: [], probe: [], meanC: [], spikeCell: [], spikeT: [], dropped: 0 });

export class Simulation implements SimApi {
  private s: Settings = { ...DEFAULTS };
  private tissues: Tissue[] = checkTissues(DEFAULT_TISSUES);
  private protocol: ProtocolInfo | null = null;
  /** Index of the protocol's next phase to apply (phases.length: the end is next). */
  private nextPhase = 0;
  private protocolDone = false;
  private resolved: ResolvedEngine | null = null;
  private notice: string | undefined;
  private batch: BatchEngine | null = null;
  private models: Model[] = [];
  private runs: Run[] = [];
  private voxelUm = 20;
  private version = 0;
  private readonly estimates = new Map<string, { c0_nM: number; rate_Hz: number }>();

  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private looping = false;
  private disposed = false;
  private error: string | undefined;

  // time and speed (one clock for every tissue)
  private step0 = 0; // grid steps done
  private speedPts: { wall: number; sim: number }[] = [];
  private throttleRef: { wall: number; sim: number } | null = null;
  private stepsPerMs = 0;

  // frame accumulation
  private seq = 0;
  private pendT: number[] = [];
  private pendPhases: PhaseMark[] = [];
  private dirty = true;
  private sliceZ = -1;
  private lastSliceWall = -Infinity;
  private sliceDirty = true;
  private lastFrameWall = -Infinity;
  private waiters: ((f: Frame) => void)[] = [];
  private frameTimer: ReturnType<typeof setTimeout> | null = null;
  private delivering = false;

  async init(config: SimConfig = {}): Promise<SimInfo> {
    const { tissues, protocol, sliceZ, ...rest } = config;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (this.s as Record<string, unknown>)[k] = v;
    if (this.s.voxelUm !== 'auto') {
      const params = defaultParams();
      params.voxel_um = checkNumber('voxelUm', this.s.voxelUm, 1, 1000, { unit: 'µm' });
      checkModelConsistency('voxelUm', params);
    }
    this.s.sampleSteps = checkNumber('sampleSteps', this.s.sampleSteps, 1, 1e6, { integer: true });
    this.s.seed = checkNumber('seed', this.s.seed, LIMITS.seed.min, LIMITS.seed.max, { integer: true });
    if (tissues !== undefined) this.tissues = checkTissues(tissues);
    this.s.neurons = checkNeurons(this.s.neurons, this.s.voxelUm, this.tissues.length);
    if (protocol !== undefined) this.protocol = checkProtocol(protocol);
    if (sliceZ !== undefined) this.sliceZ = sliceZ;
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
    if (this.running) return;
    this.running = true;
    this.speedPts = [];
    this.throttleRef = null;
    this.markDirty();
    void this.loop();
  }

  async pause(): Promise<void> {
    this.running = false;
    this.speedPts = [];
    this.markDirty();
    await this.exclusive(async () => {}); // the chunk in flight has finished
  }

  async step(seconds: number): Promise<void> {
    if (!(seconds > 0)) throw new Error('step: seconds must be > 0');
    const m = this.requireModel();
    const end = this.step0 + Math.max(1, Math.round(seconds / m.dtGrid_s));
    while (this.step0 < end) {
      const wasDone = this.protocolDone;
      await this.exclusive(() => this.advanceChunk(Math.min(end - this.step0, this.chunkSteps())));
      if (this.protocolDone && !wasDone) break; // the protocol's end stops a step too
      await yieldToEvents();
    }
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
        this.nextPhase = 0;
        this.protocolDone = false;
        this.markDirty();
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

  /** The tissues a drug change is for: one by index, or every linked one. */
  private targets(tissue: number | undefined): number[] {
    if (tissue !== undefined) return [checkTissueIndex(tissue, this.tissues.length)];
    return this.tissues.flatMap((t, i) => (t.linked ? [i] : []));
  }

  /** Sets the doses of `targets` from the next grid step on (all at the same step), with a phase mark. */
  private applyDoses(targets: number[], next: DrugDoses, name: string | undefined): void {
    const tS = this.tS();
    for (const i of targets) {
      const r = this.runs[i];
      if (!r) continue;
      r.doses = { ...next };
      this.batch?.setDoses(i, r.doses);
      r.lastDoseChangeS = tS;
      const mark = { tissue: i, tS, name: name ?? (describeDoses(next) || 'no drug'), doses: { ...next } as Record<string, number> };
      r.phases.push(mark);
      this.pendPhases.push(mark);
    }
    this.markDirty();
  }

  async setNeurons(n: number): Promise<void> {
    checkNeurons(n, this.s.voxelUm, this.tissues.length);
    await this.exclusive(async () => {
      // Start the new tissues from where the current ones stand (their 5-HT and rate), when they have
      // run long enough to say (and run without a protocol): no new steady-state estimates needed.
      const carry =
        !this.protocol && this.tS() >= 1
          ? this.runs.map((_, i) => {
              const w = this.windowStats(i, 1);
              return w.n > 0 ? { c0_nM: w.meanC, rate_Hz: w.rate } : undefined;
            })
          : undefined;
      this.s.neurons = n;
      await this.build(carry);
    });
  }

  async setSeed(seed: number): Promise<void> {
    const k = checkNumber('seed', seed, LIMITS.seed.min, LIMITS.seed.max, { integer: true });
    await this.exclusive(async () => {
      this.s.seed = k;
      await this.build();
    });
  }

  async setSliceZ(z: number): Promise<void> {
    if (!Number.isInteger(z) || z < 0) throw new Error('setSliceZ: z must be an integer >= 0');
    this.sliceZ = z;
    this.sliceDirty = true;
    this.markDirty();
  }

  async setMaxSpeed(x: number): Promise<void> {
    if (!(x >= 0)) throw new Error('setMaxSpeed: must be >= 0 (0: unlimited)');
    this.s.maxSpeed = x;
    this.throttleRef = null;
  }

  nextFrame(): Promise<Frame> {
    return new Promise<Frame>((resolve) => {
      this.waiters.push(resolve);
      this.tryDeliver();
    });
  }

  async summary(windowS = 2): Promise<Summary> {
    const b = this.batch;
    const tissues: TissueSummary[] = this.tissues.map((t, i) => {
      const r = this.runs[i];
      const w = this.windowStats(i, windowS);
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
    const w0 = this.windowStats(0, windowS);
    return {
      engine: b?.info.engine ?? 'cpu',
      adapter: b?.info.adapter ?? '',
      ...(this.notice ? { notice: this.notice } : {}),
      ...(this.error ? { notice: `${this.notice ? `${this.notice}; ` : ''}error: ${this.error}` } : {}),
      version: this.version,
      neurons: this.models[0]?.nCells ?? 0,
      seed: this.s.seed,
      voxelUm: this.voxelUm,
      tS: this.tS(),
      running: this.running,
      simPerWall: this.simPerWall(),
      protocol: this.protocol?.id ?? null,
      protocolDone: this.protocolDone,
      windowS: w0.span,
      tissues,
    };
  }

  async dispose(): Promise<void> {
    this.running = false;
    this.disposed = true;
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

  private tS(): number {
    return this.step0 * (this.models[0]?.dtGrid_s ?? 0.001);
  }

  private paramsFor(t: Tissue): Params {
    const params = defaultParams();
    params.voxel_um = this.voxelUm;
    for (const k of EXPRESSION) params[k] = t[k];
    return params;
  }

  /** The doses tissue i starts with: the protocol's first phase when linked to one, else its own. */
  private startDoses(i: number): { doses: DrugDoses; name: string } {
    const t = this.tissues[i];
    if (this.protocol && t.linked) {
      const ph = this.protocol.phases[0];
      return { doses: { ...ph.doses } as DrugDoses, name: ph.name };
    }
    return { doses: { ...t.doses }, name: describeDoses(t.doses) || 'baseline' };
  }

  private async build(carry?: ({ c0_nM: number; rate_Hz: number } | undefined)[]): Promise<void> {
    this.batch?.dispose();
    this.batch = null;
    const r = this.resolved!;
    const v = this.s.voxelUm;
    this.voxelUm = v === 'auto' ? (r.kind === 'cpu' || isSoftwareAdapter(r.adapter) ? 40 : 20) : v;
    const models = this.tissues.map((t) => buildModel(this.paramsFor(t), t.genotype, this.s.neurons, this.s.seed));
    const starts = this.tissues.map((_, i) => this.startDoses(i));
    const keys = this.tissues.map((t, i) =>
      JSON.stringify([
        t.genotype,
        ...EXPRESSION.map((k) => t[k]),
        this.s.neurons,
        this.s.seed,
        this.voxelUm,
        Object.entries(starts[i].doses).sort(),
      ]),
    );
    const est = keys.map((k, i) => carry?.[i] ?? this.estimates.get(k));
    const missing = est.flatMap((e, i) => (e ? [] : [i]));
    if (missing.length) {
      // The steady-state estimate the CLI starts from, refined on a patch of the tissue (a fraction of a
      // second of CPU at the demo's sizes, a few at the smallest): the well-mixed one alone misses the 5-HT
      // each cell's own spikes leave in its voxel, which at small N or on the 20 µm grid is most of it,
      // and the baseline then crept up for tens of seconds. Cached per condition, so reset is instant.
      const got = await r.estimate(missing.map((i) => ({ model: models[i], doses: starts[i].doses })));
      missing.forEach((i, j) => {
        est[i] = got[j];
        this.estimates.set(keys[i], got[j]);
      });
    }
    const opts: EngineOptions[] = models.map((model, i) => ({
      model,
      doses: starts[i].doses,
      c0_nM: est[i]!.c0_nM,
      rate0_Hz: est[i]!.rate_Hz,
      recordSpikes: true,
      sampleSteps: this.s.sampleSteps,
    }));
    let batch: BatchEngine;
    try {
      batch = await r.createBatch(opts);
    } catch (e) {
      if (r.kind !== 'webgpu') throw e;
      const msg = e instanceof Error ? e.message : String(e);
      this.notice = `the WebGPU engine failed (${msg}); running on the CPU engine`;
      this.resolved = await resolveEngine('cpu');
      return this.build(carry);
    }
    this.models = models;
    this.batch = batch;
    this.version++;
    this.step0 = 0;
    this.stepsPerMs = 0;
    this.speedPts = [];
    this.throttleRef = null;
    this.nextPhase = this.protocol ? 1 : 0;
    this.protocolDone = false;
    this.pendT = [];
    this.pendPhases = [];
    const nAct = Math.min(models[0].nCells, this.s.activityCells);
    this.runs = models.map((_, i) => {
      const mark: PhaseMark = { tissue: i, tS: 0, name: starts[i].name, doses: { ...starts[i].doses } as Record<string, number> };
      this.pendPhases.push(mark);
      return {
        doses: { ...starts[i].doses },
        c0: est[i]!.c0_nM,
        rate0: est[i]!.rate_Hz,
        lastDoseChangeS: NaN,
        phases: [mark],
        totalSpikes: 0,
        hist: { t: [], rate: [], probe: [], meanC: [], s1A: [], s2B: [] },
        pend: emptyPending(),
        activity: new Float32Array(nAct).fill(est[i]!.rate_Hz),
      };
    });
    const nz = models[0].geometry.nz;
    if (this.sliceZ < 0 || this.sliceZ >= nz) this.sliceZ = Math.floor(nz / 2);
    this.sliceDirty = true;
    this.markDirty();
  }

  private chunkSteps(): number {
    const ss = this.s.sampleSteps;
    let steps = this.stepsPerMs > 0 ? this.stepsPerMs * this.s.chunkWallMs : ss;
    const cap = this.s.maxSpeed > 0 && Number.isFinite(this.s.maxSpeed) ? this.s.maxSpeed * this.s.chunkWallMs : Infinity;
    steps = Math.min(steps, cap, 5000);
    return Math.max(ss, Math.round(steps / ss) * ss);
  }

  /** Grid step of the protocol's next event (a phase start or its end), or Infinity. */
  private nextEventStep(): number {
    const p = this.protocol;
    if (!p || this.protocolDone) return Infinity;
    const dt = this.models[0].dtGrid_s;
    const tEv = this.nextPhase < p.phases.length ? p.phases[this.nextPhase].startS : p.endS;
    return Math.round(tEv / dt);
  }

  /** Applies the protocol events due at the current step: phases to the linked tissues, the end (pause). */
  private protocolEvents(): void {
    const p = this.protocol;
    while (p && !this.protocolDone && this.step0 >= this.nextEventStep()) {
      if (this.nextPhase < p.phases.length) {
        const ph = p.phases[this.nextPhase++];
        this.applyDoses(this.targets(undefined), { ...ph.doses } as DrugDoses, ph.name);
      } else {
        this.protocolDone = true;
        this.running = false;
        this.speedPts = [];
        this.markDirty();
      }
    }
  }

  private async loop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      while (this.running && !this.disposed) {
        await this.exclusive(() => this.advanceChunk(this.chunkSteps()));
        await this.throttle();
        await yieldToEvents();
      }
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.running = false;
      this.markDirty();
    } finally {
      this.looping = false;
    }
  }

  /** Sleeps so that simulated time runs at most maxSpeed times wall time. */
  private async throttle(): Promise<void> {
    const x = this.s.maxSpeed;
    if (!(x > 0) || !Number.isFinite(x) || !this.models.length) return;
    const now = performance.now();
    const sim = this.tS();
    if (!this.throttleRef) {
      this.throttleRef = { wall: now, sim };
      return;
    }
    const ahead = ((sim - this.throttleRef.sim) / x) * 1000 - (now - this.throttleRef.wall);
    if (ahead > 1) await sleep(Math.min(ahead, 1000));
    else if (ahead < -500) this.throttleRef = { wall: now, sim }; // fell behind: do not race to catch up
  }

  private async advanceChunk(want: number): Promise<void> {
    const b = this.batch;
    const m = this.models[0];
    if (!b || !m) return;
    this.protocolEvents();
    const steps = Math.min(want, this.nextEventStep() - this.step0);
    if (!(steps > 0)) return;
    const w0 = performance.now();
    const out = await b.advance(steps);
    const w1 = performance.now();
    const spm = steps / Math.max(1, w1 - w0);
    this.stepsPerMs = this.stepsPerMs > 0 ? 0.7 * this.stepsPerMs + 0.3 * spm : spm;
    this.consume(out);
    this.speedPts.push({ wall: w1, sim: this.tS() });
    while (this.speedPts.length > 2 && w1 - this.speedPts[0].wall > 4000) this.speedPts.shift();
    this.protocolEvents();
    this.markDirty();
  }

  private consume(out: RecordBatch[]): void {
    const m = this.models[0];
    const dt = m.dtGrid_s;
    const dtFine = dt / m.params.subSteps;
    const n = m.nCells;
    const sDt = this.s.sampleSteps * dt;
    const first = out[0].samples;
    for (let i = 0; i < first.step.length; i++) this.pendT.push(first.step[i] * dt);
    this.step0 = out[0].firstStep + out[0].steps;
    const tEnd = this.step0 * dt;
    const tau = this.s.activityTauS;
    const decay = Math.exp(-(out[0].steps * dt) / tau);
    const nRaster = Math.min(n, this.s.rasterCells);
    out.forEach((b, k) => {
      const r = this.runs[k];
      const p = r.pend;
      const h = r.hist;
      const sm = b.samples;
      for (let i = 0; i < sm.step.length; i++) {
        const t = sm.step[i] * dt;
        const rate = sm.spikes[i] / n / sDt;
        p.rate.push(rate);
        p.probe.push(sm.probe[i]);
        p.meanC.push(sm.meanC[i]);
        h.t.push(t);
        h.rate.push(rate);
        h.probe.push(sm.probe[i]);
        h.meanC.push(sm.meanC[i]);
        h.s1A.push(sm.s1A[i]);
        h.s2B.push(sm.s2B[i]);
      }
      if (h.t.length && h.t[h.t.length - 1] - h.t[0] > HISTORY_S * 1.25) {
        const t0 = h.t[h.t.length - 1] - HISTORY_S;
        let j = 0;
        while (j < h.t.length && h.t[j] < t0) j++;
        for (const a of Object.values(h)) a.splice(0, j);
      }
      r.totalSpikes += b.spikeCount;
      const act = r.activity;
      for (let i = 0; i < act.length; i++) act[i] *= decay;
      const sp = b.spikes;
      if (!sp) return;
      for (let i = 0; i < sp.cells.length; i++) {
        const c = sp.cells[i];
        const t = sp.steps[i] * dtFine;
        if (c < act.length) act[c] += Math.exp(-(tEnd - t) / tau) / tau;
        if (c < nRaster) {
          if (p.spikeCell.length >= MAX_PENDING_SPIKES) {
            p.dropped++;
            continue;
          }
          p.spikeCell.push(c);
          p.spikeT.push(t);
        }
      }
    });
  }

  private markDirty(): void {
    this.dirty = true;
    this.tryDeliver();
  }

  private tryDeliver(): void {
    if (!this.waiters.length || !this.dirty || this.delivering || !this.batch) return;
    const wait = this.lastFrameWall + this.s.minFrameMs - performance.now();
    if (wait > 0) {
      if (!this.frameTimer)
        this.frameTimer = setTimeout(() => {
          this.frameTimer = null;
          this.tryDeliver();
        }, wait);
      return;
    }
    this.delivering = true;
    void this.exclusive(() => this.buildFrame())
      .then((f) => {
        const w = this.waiters.shift();
        if (w) w(f);
      })
      .catch((e) => {
        this.error = e instanceof Error ? e.message : String(e);
      })
      .finally(() => {
        this.delivering = false;
        if (this.dirty) this.tryDeliver();
      });
  }

  private async slice(k: number): Promise<GridSlice> {
    const snap = await this.batch!.snapshot(k);
    const g = this.models[k].geometry;
    const z = Math.min(g.nz - 1, this.sliceZ);
    const off = z * g.nx * g.ny;
    const len = g.nx * g.ny;
    const inside = new Uint8Array(len);
    for (let i = 0; i < len; i++) inside[i] = g.nbrMask[off + i] ? 1 : 0;
    return { z, nx: g.nx, ny: g.ny, data: snap.grid.slice(off, off + len), inside };
  }

  private async buildFrame(): Promise<Frame> {
    const now = performance.now();
    const withSlice = !!this.batch && (this.sliceDirty || now - this.lastSliceWall >= this.s.sliceEveryMs);
    const slices: (GridSlice | undefined)[] = [];
    for (let k = 0; k < this.runs.length; k++) slices.push(withSlice ? await this.slice(k) : undefined);
    if (withSlice) {
      this.lastSliceWall = now;
      this.sliceDirty = false;
    }
    const bufs: ArrayBuffer[] = [];
    const tissues: TissueFrame[] = this.runs.map((r, k) => {
      const p = r.pend;
      r.pend = emptyPending();
      const slice = slices[k];
      const tf: TissueFrame = {
        rateHz: Float32Array.from(p.rate),
        probeNm: Float32Array.from(p.probe),
        meanCNm: Float32Array.from(p.meanC),
        spikeCell: Uint32Array.from(p.spikeCell),
        spikeT: Float64Array.from(p.spikeT),
        activity: r.activity.slice(),
        droppedSpikes: p.dropped,
        ...(slice ? { slice } : {}),
      };
      for (const a of [tf.rateHz, tf.probeNm, tf.meanCNm, tf.spikeCell, tf.spikeT, tf.activity]) bufs.push(a.buffer as ArrayBuffer);
      if (slice) bufs.push(slice.data.buffer as ArrayBuffer, slice.inside.buffer as ArrayBuffer);
      return tf;
    });
    const f: Frame = {
      seq: ++this.seq,
      version: this.version,
      tS: this.tS(),
      running: this.running,
      simPerWall: this.simPerWall(),
      sampleT: Float64Array.from(this.pendT),
      tissues,
      phases: this.pendPhases,
      protocolDone: this.protocolDone,
    };
    bufs.push(f.sampleT.buffer as ArrayBuffer);
    this.pendT = [];
    this.pendPhases = [];
    this.dirty = false;
    this.lastFrameWall = performance.now();
    return transfer(f, bufs);
  }

  private simPerWall(): number {
    const pts = this.speedPts;
    if (!this.running || pts.length < 2) return 0;
    const a = pts[0];
    const b = pts[pts.length - 1];
    return b.wall > a.wall ? ((b.sim - a.sim) * 1000) / (b.wall - a.wall) : 0;
  }

  private windowStats(k: number, windowS: number) {
    const h = this.runs[k]?.hist;
    const n = h?.t.length ?? 0;
    if (!h || !n) return { n: 0, span: 0, rate: NaN, probe: NaN, meanC: NaN, s1A: NaN, s2B: NaN };
    const t0 = h.t[n - 1] - windowS;
    let j = n;
    while (j > 0 && h.t[j - 1] > t0) j--;
    const avg = (a: number[]) => {
      let s = 0;
      for (let i = j; i < n; i++) s += a[i];
      return s / (n - j);
    };
    const sDt = this.s.sampleSteps * (this.models[0]?.dtGrid_s ?? 0.001);
    return { n: n - j, span: (n - j) * sDt, rate: avg(h.rate), probe: avg(h.probe), meanC: avg(h.meanC), s1A: avg(h.s1A), s2B: avg(h.s2B) };
  }
}
