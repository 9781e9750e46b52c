/**
 * The WebGPU engine core: K independent simulations of the same tissue (same cells, seed and
 * geometry; own constants: genotype, drug doses, SERT capacity) advanced together, K = 1 being the
 * single-simulation engine (WebGpuEngine, webgpu-engine.ts, wraps it). The model of docs/model.md runs in
 * WGSL compute kernels (shaders/*.wgsl), the same operations in the same order as the CPU reference
 * engine (src/engines/cpu), so that on IEEE-exact adapters every sim agrees bit for bit with a CPU run
 * of that sim alone.
 *
 * Batch layout (the sims are the z dimension of every dispatch, so per-dispatch overhead is paid once
 * for all K and no kernel divides to find its sim): global cell i = s * nCells + local cell; state in one block of STATE_WORDS * nCells words per
 * sim; grids, spike counts and SERT vmaxDt as K consecutive box-sized arrays (voxel v of sim s at
 * s * nBox + v); constants as a uniform array<Consts, K> indexed by sim; per-sim spike counters and trace
 * sample index in the control block; mass accumulators per release thread (relThreads per sim);
 * reduction partials per reduce thread (nPart per sim); trace samples interleaved (sample j of sim s at j * K + s). The
 * Philox counter is (local cell, shared grid step), so a sim's random stream does not depend on K.
 *
 * Per grid step, all on the device, no host round trip:
 *   neurons (per cell) -> spread x, spread y (per box voxel: the release field's sums) -> release_uptake
 *   (per region voxel; the field's z pass; advances ctl.step) -> diffuse (ping-pong)
 *   -> every sampleSteps: reduce_partial + sample_finalize (one trace sample per sim into a device buffer).
 * advance(steps) encodes all steps into command buffers of at most `stepsPerSubmit` steps, submits them
 * without waiting and reads spikes, samples and mass back once at the end. With spike recording on,
 * the batch is cut into chunks whose worst-case spike count (every cell firing once per refractory
 * period) fits the spike buffer, and each chunk's spikes are drained before the next: never dropped.
 * Spike records carry the global cell id; the host splits them per sim. In Node (dawn.node, which polls
 * while a readback is pending) the host sleeps through most of the expected GPU time before each
 * readback (idle-wait.ts).
 *
 * Rooms: kernels.ts (WGSL sources, compiling, pipeline cache, the division choice), sizing.ts (limits,
 * sizes, dispatch shapes, maxSims, the spike chunk plan, the shared-tissue check), buffers.ts
 * (allocation under named limits, the readback staging pool, device-lost and fault errors), setup.ts
 * (the buffers, their first contents, the bind groups), decode.ts (read-back bytes to results, pure),
 * profile.ts (timestamp queries), idle-wait.ts (the sleep before a readback), batch-init.ts (what a batch
 * builds once: dispatch shapes, storage, pipelines), warm-up.ts (a built start's warm-up, queued at creation),
 * sim-state.ts (one sim's state written and read back), spike-drain.ts (the spike record's drain after each
 * chunk). This file keeps the class: creation, setDoses, the
 * per-step encoding and advance (the advance loop and its readback read best in one place).
 */
import type { DrugDoses } from '../../model/drugs.js';
import { deriveConstants, type Constants, type Model } from '../../model/derive.js';
import { CONSTS_BYTES, packConstants, SAMPLE_WORDS } from '../../model/layout.js';
import {
  DeviceLimitError,
  type SettableField,
  type BatchEngine,
  type EngineInfo,
  type EngineOptions,
  type RecordBatch,
  type StateSnapshot,
} from '../engine.js';
import { checkConstants } from '../engine.js';
import { batchStartStep } from '../initial-state.js';
import { BatchBuffers, type Readback } from './buffers.js';
import { decodeBatches } from './decode.js';
import { getGpu, type GpuContext } from './gpu-context.js';
import type { KernelName } from './kernels.js';
import { IdleWait } from './idle-wait.js';
import { PROFILE_DISPATCHES } from './profile.js';
import { initBatchDevice, type BatchDevice } from './batch-init.js';
import { finalizeBindGroup } from './setup.js';
import { readSnapshot, writeCellField, writeGrid } from './sim-state.js';
import { drainSpikes } from './spike-drain.js';
import { queueWarmUp } from './warm-up.js';
import { checkShared, effectiveLimits, maxSimsFor, type BatchShape, type Dispatch, type LimitOverrides, type Limits } from './sizing.js';
import { CTL, ctlBytes, DIM, DIMS_FIELDS } from './wgsl-header.js';

export { compileKernel } from './kernels.js';

/** Engine tuning and test hooks beyond EngineOptions. */
export interface WebGpuExtraOptions {
  /** Override (lower) device limits, e.g. to test splitting and refusals. */
  limits?: LimitOverrides;
  /** Grid steps per command buffer (default 500). */
  stepsPerSubmit?: number;
  /** Byte budget of the device spike buffer (default 64 MiB, capped by the binding limit). */
  spikeBufferBytes?: number;
  /** true: correctly rounded division in integer arithmetic; false: native `/`; default: native where a
   * start-up self-test (division-check.ts) finds this adapter's `/` correctly rounded. */
  exactDivision?: boolean;
  /** Record GPU time per kernel with timestamp queries when the adapter has them (default false). */
  profile?: boolean;
}

export type WebGpuEngineOptions = EngineOptions & WebGpuExtraOptions;

export class WebGpuBatch implements BatchEngine {
  readonly info: EngineInfo;
  /** Number of simulations K. */
  readonly nSims: number;
  /** How the kernels divide (set at creation). */
  divisionMode = '';
  private readonly ks: Constants[];
  private readonly models: Model[];
  /** The shared tissue (sims[0]'s model). */
  private readonly m: Model;
  private readonly dev: GPUDevice;
  private step = 0;
  private cur = 0;
  private readonly recordSpikes: boolean;
  private readonly sampleSteps: number;
  private readonly stepsPerSubmit: number;
  private readonly lim: Limits;
  private readonly shape: BatchShape;
  private readonly mem: BatchBuffers;
  private samples: GPUBuffer | null = null;
  private samplesCap = 0;
  /** Longest chunk (grid steps) whose worst-case spike count fits the spike buffer. */
  private bgFinalize: GPUBindGroup | null = null;
  private readonly dims = new Uint32Array(DIMS_FIELDS.length);
  /** What init built once (batch-init.ts). */
  private d!: BatchDevice;
  private disposed = false;
  private lastKernelTimes: Record<string, number> = {};
  private readonly profile: boolean;
  private busy = false;
  /** Sleeps through the expected GPU time before a readback where waiting would poll (idle-wait.ts). */
  private readonly idle: IdleWait;

  private constructor(sims: EngineOptions[], ctx: GpuContext, o: WebGpuExtraOptions) {
    this.dev = ctx.device;
    this.nSims = sims.length;
    this.models = sims.map((s) => s.model);
    this.m = sims[0].model;
    this.ks = sims.map((s) => deriveConstants(s.model, s.doses));
    this.step = batchStartStep(sims);
    this.recordSpikes = sims[0].recordSpikes;
    this.sampleSteps = sims[0].sampleSteps;
    this.stepsPerSubmit = Math.max(1, Math.floor(o.stepsPerSubmit ?? 500));
    this.lim = effectiveLimits(this.dev, o.limits);
    this.shape = {
      model: this.m,
      nSims: this.nSims,
      lim: this.lim,
      spikeBufferBytes: o.spikeBufferBytes,
      recordSpikes: this.recordSpikes,
    };
    this.profile = !!o.profile && ctx.features.includes('timestamp-query');
    this.idle = new IdleWait(ctx.pollsWhileWaiting && !this.profile);
    this.info = { engine: 'webgpu', adapter: `${ctx.adapterName} (WebGPU)` };
    this.mem = new BatchBuffers(this.dev, this.shape, () => this.step);
  }

  /**
   * Build a batch of sims.length simulations on `gpu` (default: the process-wide context of getGpu()).
   * All sims must share nCells, seed, geometry and cells (the same tissue), sampleSteps and
   * recordSpikes; they may differ in genotype, doses, c0 and rate0. Throws when a buffer would exceed
   * the device limits (see maxSims to split a larger set into several batches).
   */
  static async create(sims: EngineOptions[], gpu?: GpuContext, extra: WebGpuExtraOptions = {}): Promise<WebGpuBatch> {
    if (!sims.length) throw new Error('webgpu batch: no simulations');
    const ctx = gpu ?? (await getGpu());
    if (!ctx) throw new Error('webgpu: no WebGPU adapter found (navigator.gpu or the `webgpu` package)');
    for (const s of sims) if (!(s.sampleSteps >= 1)) throw new Error(`webgpu: sampleSteps must be >= 1, got ${s.sampleSteps}`);
    const b = new WebGpuBatch(sims, ctx, extra);
    checkShared(sims, b.ks);
    await b.init(sims, extra);
    return b;
  }

  /**
   * The most sims of `model`'s tissue one batch can hold on `gpu` within maxStorageBufferBindingSize,
   * maxBufferSize, the spike buffer budget and maxComputeWorkgroupsPerDimension (trace samples of one
   * advance are not counted: keep advances to a few thousand samples). 0 when not even one fits.
   */
  static maxSims(model: Model, gpu: GpuContext, extra: WebGpuExtraOptions = {}, recordSpikes = true): number {
    return maxSimsFor(model, effectiveLimits(gpu.device, extra.limits), extra.spikeBufferBytes, recordSpikes);
  }

  /** Current constants of sim `sim` (after its last setDoses). */
  constants(sim: number): Constants {
    return this.ks[this.simIndex(sim)];
  }

  /** Grid steps advanced so far (the same for every sim). */
  get steps(): number {
    return this.step;
  }

  /**
   * Milliseconds per kernel over the last advance, from timestamp queries (option `profile`, adapter
   * feature 'timestamp-query'; each dispatch then runs in its own compute pass, a little slower), plus
   * `wall`: host wall time of the advance.
   */
  kernelTimes(): Record<string, number> {
    return { ...this.lastKernelTimes };
  }

  private simIndex(sim: number): number {
    if (!Number.isInteger(sim) || sim < 0 || sim >= this.nSims) throw new Error(`webgpu batch: no sim ${sim} (batch of ${this.nSims})`);
    return sim;
  }

  private async init(sims: EngineOptions[], o: WebGpuExtraOptions): Promise<void> {
    const d = await initBatchDevice(sims, {
      dev: this.dev,
      nSims: this.nSims,
      model: this.m,
      lim: this.lim,
      shape: this.shape,
      ks: this.ks,
      stepsPerSubmit: this.stepsPerSubmit,
      recordSpikes: this.recordSpikes,
      mem: this.mem,
      dims: this.dims,
      profile: this.profile,
      exactDivision: o.exactDivision,
    });
    this.d = d;
    this.divisionMode = d.divisionMode;
    // a built start's warm-up (warm-up.ts), queued before any step
    queueWarmUp({
      dev: this.dev,
      d,
      mem: this.mem,
      nCells: this.m.nCells,
      warmUp: d.warmUp,
      ctl0: d.ctl0,
      cur: this.cur,
      stepsPerSubmit: this.stepsPerSubmit,
    });
    await this.checkErrors('set-up');
  }

  private async checkErrors(what: string): Promise<void> {
    // surfaces validation errors of the calls above (uncaptured ones would only be logged)
    this.dev.pushErrorScope('validation');
    const e = await this.dev.popErrorScope();
    if (e) throw new Error(`webgpu ${what}: ${e.message}`);
  }

  /** Change sim `sim`'s drug doses from the next grid step on (a phase change). */
  setDoses(sim: number, doses: DrugDoses): void {
    const s = this.simIndex(sim);
    this.ks[s] = deriveConstants(this.models[s], doses);
    this.dev.queue.writeBuffer(this.d.buf.uniK, s * CONSTS_BYTES, packConstants(this.ks[s]));
  }

  /** Replace sim `sim`'s constants from the next grid step on (Engine.setConstants). */
  setConstants(sim: number, k: Constants): void {
    const s = this.simIndex(sim);
    checkConstants(k, this.ks[s]);
    this.ks[s] = { ...k };
    this.dev.queue.writeBuffer(this.d.buf.uniK, s * CONSTS_BYTES, packConstants(this.ks[s]));
  }

  private ensureSamples(nSamples: number): void {
    const need = Math.max(1, nSamples);
    if (this.samples && this.samplesCap >= need) return;
    if (this.samples) this.mem.destroy(this.samples);
    this.samplesCap = Math.max(need, 2 * this.samplesCap);
    const bytes = this.samplesCap * this.nSims * 4 * SAMPLE_WORDS;
    if (bytes > this.lim.maxBinding) {
      this.samples = null;
      throw new DeviceLimitError(
        `webgpu: ${nSamples} trace samples${this.nSims > 1 ? ` x ${this.nSims} sims` : ''} in one advance need ${bytes} bytes, over maxStorageBufferBindingSize ${this.lim.maxBinding}`,
      );
    }
    this.samples = this.mem.buffer('samples', bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
    this.bgFinalize = finalizeBindGroup(this.dev, this.d.pipes, this.d.buf, this.samples);
  }

  private dispatch(pass: GPUComputePassEncoder, name: KernelName, group: GPUBindGroup, d: Dispatch): void {
    pass.setPipeline(this.d.pipes[name]);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(d.x, d.y, d.z);
  }

  /** One dispatch: into the shared pass, or (profile mode) into its own timed pass. */
  private run(enc: GPUCommandEncoder, pass: GPUComputePassEncoder | null, name: KernelName, group: GPUBindGroup, d: Dispatch): void {
    if (pass) this.dispatch(pass, name, group, d);
    else this.d.profiler!.run(enc, name, this.d.pipes[name], group, d);
  }

  /** Encode one grid step of all sims; `this.step` and `this.cur` follow the device. */
  private encodeStep(enc: GPUCommandEncoder, pass: GPUComputePassEncoder | null): void {
    const c = this.cur;
    this.run(enc, pass, 'neurons', this.d.bg.neurons[c], this.d.dCells);
    this.run(enc, pass, 'spreadX', this.d.bg.spreadX[c], this.d.dBox);
    this.run(enc, pass, 'spreadY', this.d.bg.spreadY[c], this.d.dBox);
    this.run(enc, pass, 'release', this.d.bg.release[c], this.d.dRel);
    this.run(enc, pass, 'diffuse', this.d.bg.diffuse[c], this.d.dVox);
    this.cur = 1 - c;
    this.step++;
    if (this.step % this.sampleSteps === 0) {
      this.run(enc, pass, 'reduce', this.d.bg.reduce[this.cur], this.d.dReduce);
      this.run(enc, pass, 'finalize', this.bgFinalize!, this.d.dFinalize);
    }
  }

  /** Encode the grid-total reduction and copy its per-workgroup partials to a staging buffer. */
  private encodeGridTotal(enc: GPUCommandEncoder): Readback {
    const pass = enc.beginComputePass();
    this.dispatch(pass, 'reduce', this.d.bg.reduce[this.cur], this.d.dReduce);
    pass.end();
    const bytes = 16 * this.d.nPart * this.nSims;
    const st = this.mem.staging(bytes);
    enc.copyBufferToBuffer(this.d.buf.partials, 0, st.buffer, 0, bytes);
    return st;
  }

  /** Advance every sim `steps` grid steps; one RecordBatch per sim, in sim order. */
  async advance(steps: number): Promise<RecordBatch[]> {
    if (this.disposed) throw new Error('webgpu: engine disposed');
    if (this.busy) throw new Error('webgpu: advance() called while another advance() is running');
    this.mem.throwIfLost();
    this.busy = true;
    try {
      return await this.advanceInner(Math.max(0, Math.floor(steps)));
    } finally {
      this.busy = false;
    }
  }

  private async advanceInner(steps: number): Promise<RecordBatch[]> {
    const dev = this.dev;
    const q = dev.queue;
    const K = this.nSims;
    const firstStep = this.step;
    const nSamples = Math.floor((firstStep + steps) / this.sampleSteps) - Math.floor(firstStep / this.sampleSteps);
    this.ensureSamples(nSamples);
    this.dims[DIM.sampleCap] = this.samplesCap;
    q.writeBuffer(this.d.buf.uniD, 0, this.dims);
    // ctl: step, recCount = 0; per sim: (windowSpikes carried), batchSpikes = sampleIdx = 0
    q.writeBuffer(this.d.buf.ctl, CTL.step, new Uint32Array([this.step, 0]));
    for (let s = 0; s < K; s++) q.writeBuffer(this.d.buf.ctl, CTL.sim + s * CTL.simBytes + CTL.batchSpikes, new Uint32Array(2));

    let enc = dev.createCommandEncoder();
    enc.clearBuffer(this.d.buf.massAcc);
    const stStart = this.encodeGridTotal(enc);
    q.submit([enc.finish()]);

    const spikeParts: Uint32Array[] = [];
    const t0 = performance.now();
    const times: Record<string, number> = {};
    let left = steps;
    while (left > 0) {
      const chunk = Math.min(left, this.stepsPerSubmit, this.d.recChunk, this.d.profiler ? Math.floor(PROFILE_DISPATCHES / 5) : Infinity);
      enc = dev.createCommandEncoder();
      const pass = this.d.profiler ? null : enc.beginComputePass();
      for (let t = 0; t < chunk; t++) this.encodeStep(enc, pass);
      pass?.end();
      const tChunk = performance.now();
      q.submit([enc.finish()]);
      left -= chunk;
      if (this.d.profiler) await this.d.profiler.collect(times);
      if (this.recordSpikes) await drainSpikes(dev, this.d, this.mem, this.idle, spikeParts, tChunk, chunk);
    }

    enc = dev.createCommandEncoder();
    const stEnd = this.encodeGridTotal(enc);
    const cb = ctlBytes(K);
    const stCtl = this.mem.staging(cb);
    enc.copyBufferToBuffer(this.d.buf.ctl, 0, stCtl.buffer, 0, cb);
    const sampleBytes = 4 * SAMPLE_WORDS * nSamples * K;
    const stSamples = nSamples > 0 ? this.mem.staging(sampleBytes) : null;
    if (stSamples) enc.copyBufferToBuffer(this.samples!, 0, stSamples.buffer, 0, sampleBytes);
    const massBytes = 32 * this.d.relThreads * K;
    const stMass = this.mem.staging(massBytes);
    enc.copyBufferToBuffer(this.d.buf.massAcc, 0, stMass.buffer, 0, massBytes);
    q.submit([enc.finish()]);
    // recording: the chunks were waited for one by one (drainSpikes); else all steps are in flight
    const tAsk = await this.idle.sleep(t0, this.recordSpikes ? 0 : steps);
    const [bStart, bEnd, bCtl, bSamples, bMass] = await Promise.all([
      this.mem.read(stStart),
      this.mem.read(stEnd),
      this.mem.read(stCtl),
      stSamples ? this.mem.read(stSamples) : Promise.resolve(new ArrayBuffer(0)),
      this.mem.read(stMass),
    ]);
    if (!this.recordSpikes) this.idle.learn(t0, tAsk, steps);
    this.lastKernelTimes = { ...times, wall: performance.now() - t0 };
    return decodeBatches({
      nSims: K,
      nCells: this.m.nCells,
      subSteps: this.ks[0].subSteps,
      relThreads: this.d.relThreads,
      nPart: this.d.nPart,
      firstStep,
      steps,
      nSamples,
      hostStep: this.step,
      ctl: bCtl,
      partialsStart: bStart,
      partialsEnd: bEnd,
      samples: bSamples,
      mass: bMass,
      spikeParts: this.recordSpikes ? spikeParts : null,
    });
  }

  /** Set one per-cell field of sim `sim` (sim-state.ts). */
  setCellState(sim: number, field: SettableField, values: Float32Array): void {
    writeCellField(this.dev, this.d, this.m, this.simIndex(sim), field, values);
  }

  /** Replace sim `sim`'s current grid (the ping-pong buffer the next step reads). */
  setGrid(sim: number, grid: Float32Array): void {
    writeGrid(this.dev, this.d, this.m, this.simIndex(sim), this.cur, grid);
  }

  /** The whole dynamic state of sim `sim`. */
  snapshot(sim: number): Promise<StateSnapshot> {
    return readSnapshot(this.dev, this.d, this.mem, this.m, this.simIndex(sim), this.cur, this.step);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mem.dispose();
    this.d.profiler?.dispose();
  }
}
