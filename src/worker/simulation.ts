/**
 * The simulation behind the worker: owns one engine, advances it in chunks sized to a target wall
 * time, and turns its record batches into frames (traces, raster spikes of a subset, per-cell recent
 * activity, a grid slice) that the caller pulls with `nextFrame()` at its display rate. Transport-free:
 * browser-worker.ts and node-worker.ts expose an instance with comlink; tests may also call it directly.
 *
 * All engine work (build, advance, snapshot, setDoses) is serialised through one promise chain, so
 * commands that arrive between chunks never race a running advance.
 * Over 400 lines: one class, the worker's state machine (config, engine life, chunk pacing, frames),
 * whose methods share that serialised state; the frame assembly is its largest part.
 */
import { transfer } from 'comlink';
import { isSoftwareAdapter, resolveEngine, type ResolvedEngine } from '../engines/create.js';
import type { Engine, RecordBatch } from '../engines/engine.js';
import { buildModel, type Model } from '../model/derive.js';
import { DRUGS, DRUG_NAMES, GENOTYPES, GENOTYPE_NAMES, type DrugDoses, type DrugName, type Genotype } from '../model/drugs.js';
import { checkNumber } from '../model/errors.js';
import { defaultParams } from '../model/params.js';
import { gb, maxNeuronsWithin } from '../model/resources.js';
import { LIMITS, checkModelConsistency, parseConcentration, parseDrugName, parseGenotype } from '../model/scenario.js';
import type { Frame, GridSlice, Layout, SimApi, SimConfig, SimInfo, Summary } from './protocol.js';

/** Raster spikes kept for one frame before the oldest are dropped (the caller is not pulling). */
const MAX_PENDING_SPIKES = 200_000;
/** Simulated seconds of history kept for summaries. */
const HISTORY_S = 120;

type Required2<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
type Settings = Required2<Omit<SimConfig, 'doses' | 'voxelUm' | 'sliceZ' | 'genotype'>> & {
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
 */
export const DEMO_MEMORY_BUDGET_BYTES = 2 * 2 ** 30;

// The same checks and limits as a scenario (src/model/scenario.ts), with the same one-line ConfigErrors.
function checkGenotype(g: unknown): Genotype {
  return parseGenotype('genotype', g);
}

function checkDose(name: string, nM: unknown): DrugName {
  const d = parseDrugName(`doses.${name}`, name);
  parseConcentration(`doses.${name}`, nM);
  return d;
}

function checkNeurons(n: unknown, voxelUm: number | 'auto'): number {
  const params = defaultParams();
  if (typeof voxelUm === 'number') params.voxel_um = voxelUm;
  const cap = Math.min(LIMITS.neurons.max, maxNeuronsWithin(DEMO_MEMORY_BUDGET_BYTES, params));
  checkNumber('neurons', n, LIMITS.neurons.min, LIMITS.neurons.max, { integer: true });
  return checkNumber('neurons', n, LIMITS.neurons.min, cap, {
    integer: true,
    unit: `(the demo's memory budget, ${gb(DEMO_MEMORY_BUDGET_BYTES)}, at voxel_um ${params.voxel_um})`,
  });
}

export class Simulation implements SimApi {
  private s: Settings = { ...DEFAULTS };
  private genotype: Genotype = 'wt';
  private doses: DrugDoses = {};
  private resolved: ResolvedEngine | null = null;
  private notice: string | undefined;
  private engine: Engine | null = null;
  private model: Model | null = null;
  private voxelUm = 20;
  private version = 0;
  private c0 = 0;
  private rate0 = 0;
  private readonly estimates = new Map<string, { c0_nM: number; rate_Hz: number }>();

  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private looping = false;
  private disposed = false;
  private error: string | undefined;

  // time and speed
  private step0 = 0; // grid steps done
  private speedPts: { wall: number; sim: number }[] = [];
  private throttleRef: { wall: number; sim: number } | null = null;
  private stepsPerMs = 0;
  private lastDoseChangeS = NaN;

  // frame accumulation
  private seq = 0;
  private pend = this.emptyPending();
  private activity = new Float32Array(0);
  private sliceZ = -1;
  private lastSliceWall = -Infinity;
  private sliceDirty = true;
  private lastFrameWall = -Infinity;
  private waiters: ((f: Frame) => void)[] = [];
  private frameTimer: ReturnType<typeof setTimeout> | null = null;
  private delivering = false;

  // history for summaries
  private hist = {
    t: [] as number[],
    rate: [] as number[],
    probe: [] as number[],
    meanC: [] as number[],
    s1A: [] as number[],
    s2B: [] as number[],
  };
  private totalSpikes = 0;

  async init(config: SimConfig = {}): Promise<SimInfo> {
    const { doses, genotype, sliceZ, ...rest } = config;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (this.s as Record<string, unknown>)[k] = v;
    if (this.s.voxelUm !== 'auto') {
      const params = defaultParams();
      params.voxel_um = checkNumber('voxelUm', this.s.voxelUm, 1, 1000, { unit: 'µm' });
      checkModelConsistency('voxelUm', params);
    }
    this.s.sampleSteps = checkNumber('sampleSteps', this.s.sampleSteps, 1, 1e6, { integer: true });
    this.s.seed = checkNumber('seed', this.s.seed, LIMITS.seed.min, LIMITS.seed.max, { integer: true });
    this.s.neurons = checkNeurons(this.s.neurons, this.s.voxelUm);
    if (genotype !== undefined) this.genotype = checkGenotype(genotype);
    this.doses = {};
    for (const [name, nM] of Object.entries(doses ?? {})) {
      const d = checkDose(name, nM);
      if (nM > 0) this.doses[d] = nM;
    }
    if (sliceZ !== undefined) this.sliceZ = sliceZ;
    await this.exclusive(async () => {
      if (!this.resolved) {
        this.resolved = await resolveEngine(this.s.engine, (msg) => (this.notice = msg.replace(/^raphe: /, '')));
      }
      await this.build();
    });
    return this.info();
  }

  private info(): SimInfo {
    const e = this.engine!;
    return {
      engine: e.info.engine,
      adapter: e.info.adapter,
      ...(this.notice ? { notice: this.notice } : {}),
      genotypes: GENOTYPE_NAMES.map((name) => ({ name, doc: GENOTYPES[name].doc })),
      drugs: DRUG_NAMES.map((name) => ({ name, target: DRUGS[name].target, action: DRUGS[name].action, K_nM: DRUGS[name].K_nM })),
    };
  }

  async layout(): Promise<Layout> {
    const m = this.requireModel();
    const nAct = Math.min(m.nCells, this.s.activityCells);
    return {
      version: this.version,
      neurons: m.nCells,
      genotype: this.genotype,
      voxelUm: this.voxelUm,
      nx: m.geometry.nx,
      ny: m.geometry.ny,
      nz: m.geometry.nz,
      pos: m.pos.slice(0, 3 * nAct),
      rasterCells: Math.min(m.nCells, this.s.rasterCells),
      sampleDtS: this.s.sampleSteps * m.dtGrid_s,
      c0Nm: this.c0,
      rate0Hz: this.rate0,
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
    let left = Math.max(1, Math.round(seconds / m.dtGrid_s));
    while (left > 0) {
      const n = Math.min(left, this.chunkSteps());
      await this.exclusive(() => this.advanceChunk(n));
      left -= n;
      await yieldToEvents();
    }
  }

  async reset(): Promise<void> {
    await this.exclusive(() => this.build());
  }

  async setGenotype(genotype: string): Promise<void> {
    const g = checkGenotype(genotype);
    await this.exclusive(async () => {
      this.genotype = g;
      await this.build();
    });
  }

  async setDrug(name: string, nM: number): Promise<void> {
    const d = checkDose(name, nM);
    await this.exclusive(async () => {
      const next = { ...this.doses };
      if (nM > 0) next[d] = nM;
      else delete next[d];
      this.applyDoses(next);
    });
  }

  async setDoses(doses: Record<string, number>): Promise<void> {
    const next: DrugDoses = {};
    for (const [name, nM] of Object.entries(doses)) {
      const d = checkDose(name, nM);
      if (nM > 0) next[d] = nM;
    }
    await this.exclusive(async () => this.applyDoses(next));
  }

  private applyDoses(next: DrugDoses): void {
    this.doses = next;
    this.engine?.setDoses(next);
    this.lastDoseChangeS = this.step0 * (this.model?.dtGrid_s ?? 0.001);
    this.markDirty();
  }

  async setNeurons(n: number): Promise<void> {
    checkNeurons(n, this.s.voxelUm);
    await this.exclusive(async () => {
      // Start the new tissue from where the current one stands (its 5-HT and rate), when it has run
      // long enough to say: no new steady-state estimate needed.
      const recent = this.windowStats(1);
      const carry =
        this.step0 * (this.model?.dtGrid_s ?? 0) >= 1 && recent.n > 0 ? { c0_nM: recent.meanC, rate_Hz: recent.rate } : undefined;
      this.s.neurons = n;
      await this.build(carry);
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
    const e = this.engine;
    const w = this.windowStats(windowS);
    const dt = this.model?.dtGrid_s ?? 0.001;
    return {
      engine: e?.info.engine ?? 'cpu',
      adapter: e?.info.adapter ?? '',
      ...(this.notice ? { notice: this.notice } : {}),
      ...(this.error ? { notice: `${this.notice ? this.notice + '; ' : ''}error: ${this.error}` } : {}),
      version: this.version,
      neurons: this.model?.nCells ?? 0,
      genotype: this.genotype,
      doses: { ...this.doses } as Record<string, number>,
      voxelUm: this.voxelUm,
      tS: this.step0 * dt,
      running: this.running,
      simPerWall: this.simPerWall(),
      windowS: w.span,
      meanRateHz: w.rate,
      probeNm: w.probe,
      meanCNm: w.meanC,
      s1A: w.s1A,
      s2B: w.s2B,
      totalSpikes: this.totalSpikes,
      c0Nm: this.c0,
      rate0Hz: this.rate0,
      lastDoseChangeS: this.lastDoseChangeS,
    };
  }

  async dispose(): Promise<void> {
    this.running = false;
    this.disposed = true;
    await this.exclusive(async () => {
      this.engine?.dispose();
      this.engine = null;
    });
  }

  // ---------------------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private requireModel(): Model {
    if (!this.model || !this.engine) throw new Error('the simulation is not initialised: call init() first');
    return this.model;
  }

  private async build(carry?: { c0_nM: number; rate_Hz: number }): Promise<void> {
    this.engine?.dispose();
    this.engine = null;
    const r = this.resolved!;
    const v = this.s.voxelUm;
    this.voxelUm = v === 'auto' ? (r.kind === 'cpu' || isSoftwareAdapter(r.adapter) ? 40 : 20) : v;
    const params = defaultParams();
    params.voxel_um = this.voxelUm;
    const model = buildModel(params, this.genotype, this.s.neurons, this.s.seed);
    const key = JSON.stringify([this.genotype, this.s.neurons, this.s.seed, this.voxelUm, Object.entries(this.doses).sort()]);
    let est = carry ?? this.estimates.get(key);
    if (!est) {
      // The well-mixed estimate (about a second or two of CPU): the demo's coarse grid settles from it
      // within a simulated second; cached per condition so reset is instant.
      [est] = await r.estimate([{ model, doses: this.doses, options: { localGrid: false } }]);
      this.estimates.set(key, est);
    }
    const opts = { model, doses: this.doses, c0_nM: est.c0_nM, rate0_Hz: est.rate_Hz, recordSpikes: true, sampleSteps: this.s.sampleSteps };
    let engine: Engine;
    try {
      engine = await r.create(opts);
    } catch (e) {
      if (r.kind !== 'webgpu') throw e;
      const msg = e instanceof Error ? e.message : String(e);
      this.notice = `the WebGPU engine failed (${msg}); running on the CPU engine`;
      this.resolved = await resolveEngine('cpu');
      return this.build(carry);
    }
    this.model = model;
    this.engine = engine;
    this.c0 = est.c0_nM;
    this.rate0 = est.rate_Hz;
    this.version++;
    this.step0 = 0;
    this.lastDoseChangeS = NaN;
    this.totalSpikes = 0;
    this.stepsPerMs = 0;
    this.speedPts = [];
    this.throttleRef = null;
    this.hist = { t: [], rate: [], probe: [], meanC: [], s1A: [], s2B: [] };
    this.pend = this.emptyPending();
    this.activity = new Float32Array(Math.min(model.nCells, this.s.activityCells)).fill(est.rate_Hz);
    const nz = model.geometry.nz;
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
    if (!(x > 0) || !Number.isFinite(x) || !this.model) return;
    const now = performance.now();
    const sim = this.step0 * this.model.dtGrid_s;
    if (!this.throttleRef) {
      this.throttleRef = { wall: now, sim };
      return;
    }
    const ahead = ((sim - this.throttleRef.sim) / x) * 1000 - (now - this.throttleRef.wall);
    if (ahead > 1) await sleep(Math.min(ahead, 1000));
    else if (ahead < -500) this.throttleRef = { wall: now, sim }; // fell behind: do not race to catch up
  }

  private async advanceChunk(steps: number): Promise<void> {
    const e = this.engine;
    const m = this.model;
    if (!e || !m) return;
    const w0 = performance.now();
    const b = await e.advance(steps);
    const w1 = performance.now();
    const spm = steps / Math.max(1, w1 - w0);
    this.stepsPerMs = this.stepsPerMs > 0 ? 0.7 * this.stepsPerMs + 0.3 * spm : spm;
    this.consume(b, m);
    this.speedPts.push({ wall: w1, sim: this.step0 * m.dtGrid_s });
    while (this.speedPts.length > 2 && w1 - this.speedPts[0].wall > 4000) this.speedPts.shift();
    this.markDirty();
  }

  private consume(b: RecordBatch, m: Model): void {
    const dt = m.dtGrid_s;
    const S = m.params.subSteps;
    const dtFine = dt / S;
    const n = m.nCells;
    const sDt = this.s.sampleSteps * dt;
    const p = this.pend;
    const sm = b.samples;
    for (let i = 0; i < sm.step.length; i++) {
      const t = sm.step[i] * dt;
      const rate = sm.spikes[i] / n / sDt;
      p.t.push(t);
      p.rate.push(rate);
      p.probe.push(sm.probe[i]);
      p.meanC.push(sm.meanC[i]);
      const h = this.hist;
      h.t.push(t);
      h.rate.push(rate);
      h.probe.push(sm.probe[i]);
      h.meanC.push(sm.meanC[i]);
      h.s1A.push(sm.s1A[i]);
      h.s2B.push(sm.s2B[i]);
    }
    const h = this.hist;
    if (h.t.length && h.t[h.t.length - 1] - h.t[0] > HISTORY_S * 1.25) {
      const t0 = h.t[h.t.length - 1] - HISTORY_S;
      let k = 0;
      while (k < h.t.length && h.t[k] < t0) k++;
      for (const a of Object.values(h)) a.splice(0, k);
    }
    this.step0 = b.firstStep + b.steps;
    this.totalSpikes += b.spikeCount;
    const tEnd = this.step0 * dt;
    const tau = this.s.activityTauS;
    const act = this.activity;
    const decay = Math.exp(-(b.steps * dt) / tau);
    for (let i = 0; i < act.length; i++) act[i] *= decay;
    const nRaster = Math.min(n, this.s.rasterCells);
    const sp = b.spikes;
    if (sp) {
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
    }
  }

  private emptyPending() {
    return {
      t: [] as number[],
      rate: [] as number[],
      probe: [] as number[],
      meanC: [] as number[],
      spikeCell: [] as number[],
      spikeT: [] as number[],
      dropped: 0,
      dirty: true,
    };
  }

  private markDirty(): void {
    this.pend.dirty = true;
    this.tryDeliver();
  }

  private tryDeliver(): void {
    if (!this.waiters.length || !this.pend.dirty || this.delivering || !this.engine) return;
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
        if (this.pend.dirty) this.tryDeliver();
      });
  }

  private async buildFrame(): Promise<Frame> {
    const m = this.model!;
    const now = performance.now();
    let slice: GridSlice | undefined;
    if (this.engine && (this.sliceDirty || now - this.lastSliceWall >= this.s.sliceEveryMs)) {
      const snap = await this.engine.snapshot();
      const g = m.geometry;
      const z = Math.min(g.nz - 1, this.sliceZ);
      const off = z * g.nx * g.ny;
      const len = g.nx * g.ny;
      const inside = new Uint8Array(len);
      for (let i = 0; i < len; i++) inside[i] = g.nbrMask[off + i] ? 1 : 0;
      slice = { z, nx: g.nx, ny: g.ny, data: snap.grid.slice(off, off + len), inside };
      this.lastSliceWall = now;
      this.sliceDirty = false;
    }
    const p = this.pend;
    this.pend = this.emptyPending();
    this.pend.dirty = false;
    const f: Frame = {
      seq: ++this.seq,
      version: this.version,
      tS: this.step0 * m.dtGrid_s,
      running: this.running,
      simPerWall: this.simPerWall(),
      sampleT: Float64Array.from(p.t),
      rateHz: Float32Array.from(p.rate),
      probeNm: Float32Array.from(p.probe),
      meanCNm: Float32Array.from(p.meanC),
      spikeCell: Uint32Array.from(p.spikeCell),
      spikeT: Float64Array.from(p.spikeT),
      activity: this.activity.slice(),
      droppedSpikes: p.dropped,
      ...(slice ? { slice } : {}),
    };
    this.lastFrameWall = performance.now();
    const bufs: ArrayBuffer[] = [f.sampleT, f.rateHz, f.probeNm, f.meanCNm, f.spikeCell, f.spikeT, f.activity].map(
      (a) => a.buffer as ArrayBuffer,
    );
    if (slice) bufs.push(slice.data.buffer as ArrayBuffer, slice.inside.buffer as ArrayBuffer);
    return transfer(f, bufs);
  }

  private simPerWall(): number {
    const pts = this.speedPts;
    if (!this.running || pts.length < 2) return 0;
    const a = pts[0];
    const b = pts[pts.length - 1];
    return b.wall > a.wall ? ((b.sim - a.sim) * 1000) / (b.wall - a.wall) : 0;
  }

  private windowStats(windowS: number) {
    const h = this.hist;
    const n = h.t.length;
    if (!n) return { n: 0, span: 0, rate: NaN, probe: NaN, meanC: NaN, s1A: NaN, s2B: NaN };
    const t0 = h.t[n - 1] - windowS;
    let k = n;
    while (k > 0 && h.t[k - 1] > t0) k--;
    const avg = (a: number[]) => {
      let s = 0;
      for (let i = k; i < n; i++) s += a[i];
      return s / (n - k);
    };
    const sDt = this.s.sampleSteps * (this.model?.dtGrid_s ?? 0.001);
    return { n: n - k, span: (n - k) * sDt, rate: avg(h.rate), probe: avg(h.probe), meanC: avg(h.meanC), s1A: avg(h.s1A), s2B: avg(h.s2B) };
  }
}
