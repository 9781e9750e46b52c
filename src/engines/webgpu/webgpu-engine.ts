/**
 * The WebGPU engine: the model of MODEL.md in WGSL compute kernels (shaders/*.wgsl), the same
 * operations in the same order as the CPU reference engine (src/engines/cpu), so that on IEEE-exact
 * adapters both agree bit for bit.
 *
 * Per grid step, all on the device, no host round trip:
 *   neurons (per cell) -> release_uptake (per region voxel; advances ctl.step) -> diffuse (ping-pong)
 *   -> every sampleSteps: reduce_partial + sample_finalize (one trace sample into a device buffer).
 * advance(steps) encodes all steps into command buffers of at most `stepsPerSubmit` steps, submits them
 * without waiting and reads spikes, samples and mass back once at the end. With spike recording on,
 * the batch is cut into chunks whose worst-case spike count (every cell firing once per refractory
 * period) fits the spike buffer, and each chunk's spikes are drained before the next: never dropped.
 */
import type { DrugDoses } from '../../model/drugs.js';
import { deriveConstants, type Constants, type Model } from '../../model/derive.js';
import type { Engine, EngineInfo, EngineOptions, MassBatch, RecordBatch, SampleBatch, StateSnapshot } from '../engine.js';
import { initialState } from '../initial-state.js';
import { getGpu, type GpuContext } from './gpu-context.js';
import { CONSTS_BYTES, CTL, DIMS_BYTES, packConstants, wgslHeader, type HeaderOptions } from './wgsl-header.js';
import commonSrc from '../../../shaders/common.wgsl';
import neuronsSrc from '../../../shaders/neurons.wgsl';
import releaseSrc from '../../../shaders/release_uptake.wgsl';
import diffuseSrc from '../../../shaders/diffuse.wgsl';
import reduceSrc from '../../../shaders/reduce_partial.wgsl';
import finalizeSrc from '../../../shaders/sample_finalize.wgsl';

const KERNELS = {
  neurons: { file: 'shaders/neurons.wgsl', src: neuronsSrc },
  release: { file: 'shaders/release_uptake.wgsl', src: releaseSrc },
  diffuse: { file: 'shaders/diffuse.wgsl', src: diffuseSrc },
  reduce: { file: 'shaders/reduce_partial.wgsl', src: reduceSrc },
  finalize: { file: 'shaders/sample_finalize.wgsl', src: finalizeSrc },
} as const;
type KernelName = keyof typeof KERNELS;

const WG_NEURONS = 64;
const WG_GRID = 256;
const REL_PER_THREAD = 8;
/** Timed dispatches per command buffer in profile mode (2 timestamps each; query sets hold <= 4096). */
const PROFILE_DISPATCHES = 2000;
const STATE_FIELDS = 9; // V, gbg, ahp1, ahp2, ahp3, r1A, s1A, s2B, ref

/** Engine tuning and test hooks beyond EngineOptions. */
export interface WebGpuExtraOptions {
  /** Override (lower) device limits, e.g. to test splitting and refusals. */
  limits?: Partial<{ maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupsPerDimension: number }>;
  /** Grid steps per command buffer (default 500). */
  stepsPerSubmit?: number;
  /** Byte budget of the device spike buffer (default 64 MiB, capped by the binding limit). */
  spikeBufferBytes?: number;
  /** Correctly rounded division in integer arithmetic (default true); false: native `/`. */
  exactDivision?: boolean;
  /** Record GPU time per kernel with timestamp queries when the adapter has them (default false). */
  profile?: boolean;
}

export type WebGpuEngineOptions = EngineOptions & WebGpuExtraOptions;

const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function countLines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Compile one kernel (cached per device and header); errors name the .wgsl file and line. */
async function kernelPipeline(device: GPUDevice, name: KernelName, header: string): Promise<GPUComputePipeline> {
  let cache = pipelineCache.get(device);
  if (!cache) pipelineCache.set(device, (cache = new Map()));
  const key = `${name}\n${header}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const { file, src } = KERNELS[name];
  const pipeline = await compileKernel(device, file, src, header);
  cache.set(key, pipeline);
  return pipeline;
}

/**
 * Compile `header + shaders/common.wgsl + src` into a compute pipeline (entry point `main`). Compile
 * errors throw with `file:line:column` in the kernel's own numbering (or common.wgsl's / the header's).
 */
export async function compileKernel(device: GPUDevice, file: string, src: string, header: string): Promise<GPUComputePipeline> {
  const prefix = header + commonSrc + '\n';
  const headerLines = countLines(header);
  const prefixLines = countLines(prefix);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: file, code: prefix + src });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    await device.popErrorScope();
    const where = (line: number) =>
      line > prefixLines
        ? `${file}:${line - prefixLines}`
        : line > headerLines
          ? `shaders/common.wgsl:${line - headerLines}`
          : `<generated header>:${line}`;
    throw new Error(
      'WGSL compile error:\n' + errors.map((m) => `  ${where(m.lineNum)}:${m.linePos}: ${m.message}`).join('\n'),
    );
  }
  const pipeline = device.createComputePipeline({ label: file, layout: 'auto', compute: { module, entryPoint: 'main' } });
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU pipeline ${file}: ${err.message}`);
  return pipeline;
}

interface Dispatch {
  x: number;
  y: number;
  /** Workgroups dispatched (x * y >= needed). */
  total: number;
}

export class WebGpuEngine implements Engine {
  readonly info: EngineInfo;
  private k: Constants;
  private readonly m: Model;
  private readonly dev: GPUDevice;
  private readonly ctx: GpuContext;
  private step = 0;
  private cur = 0;
  private readonly recordSpikes: boolean;
  private readonly sampleSteps: number;
  private readonly stepsPerSubmit: number;
  private readonly maxBinding: number;
  private readonly maxBuffer: number;
  private readonly maxDim: number;
  private readonly buffers: GPUBuffer[] = [];
  private pipes!: Record<KernelName, GPUComputePipeline>;
  private uniK!: GPUBuffer;
  private uniD!: GPUBuffer;
  private ctl!: GPUBuffer;
  private state!: GPUBuffer;
  private grids!: [GPUBuffer, GPUBuffer];
  private rec!: GPUBuffer;
  private massAcc!: GPUBuffer;
  private partials!: GPUBuffer;
  private samples: GPUBuffer | null = null;
  private samplesCap = 0;
  private recCap = 0;
  /** Longest chunk (grid steps) whose worst-case spike count fits the spike buffer. */
  private recChunk = Infinity;
  private dCells!: Dispatch;
  private dVox!: Dispatch;
  private dRel!: Dispatch;
  private relThreads = 0;
  private dReduce!: Dispatch;
  private bgNeurons!: GPUBindGroup[];
  private bgRelease!: GPUBindGroup[];
  private bgDiffuse!: GPUBindGroup[];
  private bgReduce!: GPUBindGroup[];
  private bgFinalize: GPUBindGroup | null = null;
  private readonly dims = new Uint32Array(8);
  private disposed = false;
  private lastKernelTimes: Record<string, number> = {};
  private readonly profile: boolean;
  private querySet: GPUQuerySet | null = null;
  private queryResolve: GPUBuffer | null = null;
  /** Kernel of each timestamp pair written in the current chunk (profile mode). */
  private queryKernels: KernelName[] = [];
  private busy = false;
  private lost: GPUDeviceLostInfo | null = null;
  private fault: string | null = null;

  private constructor(opts: WebGpuEngineOptions, ctx: GpuContext) {
    this.ctx = ctx;
    this.dev = ctx.device;
    this.m = opts.model;
    this.k = deriveConstants(opts.model, opts.doses);
    this.recordSpikes = opts.recordSpikes;
    this.sampleSteps = opts.sampleSteps;
    this.stepsPerSubmit = Math.max(1, Math.floor(opts.stepsPerSubmit ?? 500));
    const L = this.dev.limits;
    this.maxBinding = Math.min(L.maxStorageBufferBindingSize, opts.limits?.maxStorageBufferBindingSize ?? Infinity);
    this.maxBuffer = Math.min(L.maxBufferSize, opts.limits?.maxBufferSize ?? Infinity);
    this.maxDim = Math.min(L.maxComputeWorkgroupsPerDimension, opts.limits?.maxComputeWorkgroupsPerDimension ?? Infinity);
    this.profile = !!opts.profile && ctx.features.includes('timestamp-query');
    this.info = { engine: 'webgpu', adapter: `${ctx.adapterName} (WebGPU)` };
    this.dev.lost.then((info) => {
      this.lost = info;
    });
  }

  /** Build an engine on `gpu` (default: the process-wide context of getGpu()). */
  static async create(opts: WebGpuEngineOptions, gpu?: GpuContext): Promise<WebGpuEngine> {
    const ctx = gpu ?? (await getGpu());
    if (!ctx) throw new Error('webgpu: no WebGPU adapter found (navigator.gpu or the `webgpu` package)');
    if (!(opts.sampleSteps >= 1)) throw new Error(`webgpu: sampleSteps must be >= 1, got ${opts.sampleSteps}`);
    const e = new WebGpuEngine(opts, ctx);
    await e.init(opts, opts.exactDivision ?? true);
    return e;
  }

  get constants(): Constants {
    return this.k;
  }

  /**
   * Milliseconds per kernel over the last advance, from timestamp queries (option `profile`, adapter
   * feature 'timestamp-query'; each dispatch then runs in its own compute pass, a little slower), plus
   * `wall`: host wall time of the advance.
   */
  kernelTimes(): Record<string, number> {
    return { ...this.lastKernelTimes };
  }

  private dispatchFor(items: number, wg: number): Dispatch {
    const total = Math.max(1, Math.ceil(items / wg));
    if (total <= this.maxDim) return { x: total, y: 1, total };
    const y = Math.ceil(total / this.maxDim);
    if (y > this.maxDim) {
      throw new Error(`webgpu: ${items} items need ${total} workgroups, over maxComputeWorkgroupsPerDimension² (${this.maxDim}²)`);
    }
    const x = Math.ceil(total / y);
    return { x, y, total: x * y };
  }

  private buffer(name: string, bytes: number, usage: number, storage = true): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const m = this.m;
    const sizes = `nCells ${m.nCells}, grid ${m.geometry.nx}x${m.geometry.ny}x${m.geometry.nz}`;
    if (storage && size > this.maxBinding) {
      throw new Error(
        `webgpu: the ${name} buffer needs ${size} bytes (${sizes}), over the adapter's maxStorageBufferBindingSize of ${this.maxBinding} bytes`,
      );
    }
    if (size > this.maxBuffer) {
      throw new Error(`webgpu: the ${name} buffer needs ${size} bytes (${sizes}), over the adapter's maxBufferSize of ${this.maxBuffer} bytes`);
    }
    const b = this.dev.createBuffer({ label: name, size, usage });
    this.buffers.push(b);
    return b;
  }

  private async init(opts: EngineOptions, exactDiv: boolean): Promise<void> {
    const dev = this.dev;
    const m = this.m;
    const g = m.geometry;
    const n = m.nCells;
    const nBox = g.nx * g.ny * g.nz;
    const S = GPUBufferUsage.STORAGE;
    const CD = GPUBufferUsage.COPY_DST;
    const CS = GPUBufferUsage.COPY_SRC;

    this.dCells = this.dispatchFor(n, WG_NEURONS);
    this.dVox = this.dispatchFor(g.inside.length, WG_GRID);
    this.relThreads = Math.max(1, Math.ceil(g.inside.length / REL_PER_THREAD));
    this.dRel = this.dispatchFor(this.relThreads, WG_GRID);
    this.dReduce = this.dispatchFor(Math.max(g.inside.length, g.probe.length, n), WG_GRID);

    // spike buffer: worst case nCells x (ceil(chunk x subSteps / refSteps) + 1) pairs per chunk
    const k = this.k;
    const perCellMax = (steps: number) => Math.ceil((steps * k.subSteps) / Math.max(1, k.refSteps)) + 1;
    if (this.recordSpikes) {
      const budget = Math.min(opts.recordSpikes ? ((opts as WebGpuEngineOptions).spikeBufferBytes ?? 64 << 20) : 0, this.maxBinding, this.maxBuffer);
      const capPairs = Math.floor(budget / 8);
      const one = n * perCellMax(1);
      if (one > capPairs) {
        throw new Error(
          `webgpu: spike recording needs room for ${one} spikes per grid step (${n} cells), ${one * 8} bytes, over the spike buffer limit of ${budget} bytes (maxStorageBufferBindingSize ${this.maxBinding})`,
        );
      }
      let L = 1;
      while (L < this.stepsPerSubmit && n * perCellMax(L + 1) <= capPairs) L++;
      this.recChunk = L;
      this.recCap = n * perCellMax(L);
    }

    this.uniK = this.buffer('constants', CONSTS_BYTES, GPUBufferUsage.UNIFORM | CD, false);
    this.uniD = this.buffer('dims', DIMS_BYTES, GPUBufferUsage.UNIFORM | CD, false);
    this.ctl = this.buffer('ctl', CTL.bytes, S | CD | CS);
    this.state = this.buffer('cell state', STATE_FIELDS * 4 * n, S | CD | CS);
    const cellIn = this.buffer('cell inputs', 8 * n, S | CD);
    this.grids = [this.buffer('grid A', 4 * nBox, S | CD | CS), this.buffer('grid B', 4 * nBox, S | CD | CS)];
    const counts = this.buffer('spike counts', 4 * nBox, S | CD);
    this.rec = this.buffer('spike record', this.recordSpikes ? 8 * this.recCap : 16, S | CS);
    const inside = this.buffer('region voxels', 4 * g.inside.length, S | CD);
    const probe = this.buffer('probe voxels', 4 * g.probe.length, S | CD);
    const vmax = this.buffer('SERT vmax', 4 * nBox, S | CD);
    const mask = this.buffer('neighbour mask', nBox, S | CD);
    this.massAcc = this.buffer('mass accumulators', 32 * this.relThreads, S | CD | CS);
    this.partials = this.buffer('partial sums', 16 * this.dReduce.total, S | CS);

    const q = dev.queue;
    q.writeBuffer(this.uniK, 0, packConstants(this.k));
    this.dims[0] = g.inside.length;
    this.dims[1] = g.probe.length;
    this.dims[2] = this.dReduce.total;
    this.dims[3] = this.recCap;
    this.dims[4] = 0;
    this.dims[5] = this.relThreads;
    q.writeBuffer(this.uniD, 0, this.dims);
    q.writeBuffer(this.ctl, 0, new Uint32Array(CTL.bytes / 4));
    const s0 = initialState(m, this.k, opts.c0_nM, opts.rate0_Hz);
    const st = new Uint32Array(STATE_FIELDS * n);
    const fields = [s0.V, s0.gbg, s0.ahp1, s0.ahp2, s0.ahp3, s0.r1A, s0.s1A, s0.s2B];
    fields.forEach((a, f) => st.set(new Uint32Array(a.buffer, a.byteOffset, n), f * n));
    st.set(s0.ref, 8 * n);
    q.writeBuffer(this.state, 0, st);
    const ci = new Uint32Array(2 * n);
    ci.set(new Uint32Array(m.Idrive.buffer, m.Idrive.byteOffset, n), 0);
    ci.set(m.vox, n);
    q.writeBuffer(cellIn, 0, ci);
    q.writeBuffer(this.grids[0], 0, s0.grid as Float32Array<ArrayBuffer>);
    q.writeBuffer(this.grids[1], 0, s0.grid as Float32Array<ArrayBuffer>); // outside voxels stay 0 in both; inside is overwritten
    if (g.inside.length) q.writeBuffer(inside, 0, g.inside as Uint32Array<ArrayBuffer>);
    if (g.probe.length) q.writeBuffer(probe, 0, g.probe as Uint32Array<ArrayBuffer>);
    q.writeBuffer(vmax, 0, m.vmaxDt as Float32Array<ArrayBuffer>);
    const maskPadded = new Uint8Array(Math.ceil(nBox / 4) * 4);
    maskPadded.set(g.nbrMask);
    q.writeBuffer(mask, 0, maskPadded);
    const enc = dev.createCommandEncoder();
    enc.clearBuffer(counts);
    enc.clearBuffer(this.massAcc);
    q.submit([enc.finish()]);

    const hopts: HeaderOptions = { wgNeurons: WG_NEURONS, wgGrid: WG_GRID, relPerThread: REL_PER_THREAD, record: this.recordSpikes, exactDiv };
    const header = wgslHeader(hopts);
    const names = Object.keys(KERNELS) as KernelName[];
    const pipes = {} as Record<KernelName, GPUComputePipeline>;
    for (const name of names) pipes[name] = await kernelPipeline(dev, name, header);
    this.pipes = pipes;

    const bg = (name: KernelName, entries: [number, GPUBuffer][]) =>
      dev.createBindGroup({
        label: name,
        layout: pipes[name].getBindGroupLayout(0),
        entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
      });
    const U = this.uniK;
    const D = this.uniD;
    this.bgNeurons = [0, 1].map((c) =>
      bg('neurons', [[0, U], [1, D], [2, this.ctl], [3, this.state], [4, cellIn], [5, this.grids[c]], [6, counts], [7, this.rec]]),
    );
    this.bgRelease = [0, 1].map((c) =>
      bg('release', [[0, U], [1, D], [2, this.ctl], [3, inside], [4, vmax], [5, counts], [6, this.grids[c]], [7, this.massAcc]]),
    );
    this.bgDiffuse = [0, 1].map((c) =>
      bg('diffuse', [[0, U], [1, D], [3, inside], [4, mask], [5, this.grids[c]], [6, this.grids[1 - c]]]),
    );
    this.bgReduce = [0, 1].map((c) =>
      bg('reduce', [[0, U], [1, D], [3, inside], [4, probe], [5, this.grids[c]], [6, this.state], [7, this.partials]]),
    );
    if (this.profile) {
      this.querySet = dev.createQuerySet({ type: 'timestamp', count: 2 * PROFILE_DISPATCHES });
      this.queryResolve = this.buffer('timestamps', 16 * PROFILE_DISPATCHES, GPUBufferUsage.QUERY_RESOLVE | CS, false);
    }
    await this.checkErrors('set-up');
  }

  private async checkErrors(what: string): Promise<void> {
    // surfaces validation errors of the calls above (uncaptured ones would only be logged)
    this.dev.pushErrorScope('validation');
    const e = await this.dev.popErrorScope();
    if (e) throw new Error(`webgpu ${what}: ${e.message}`);
  }

  setDoses(doses: DrugDoses): void {
    this.k = deriveConstants(this.m, doses);
    this.dev.queue.writeBuffer(this.uniK, 0, packConstants(this.k));
  }

  private ensureSamples(nSamples: number): void {
    const need = Math.max(1, nSamples);
    if (this.samples && this.samplesCap >= need) return;
    if (this.samples) this.samples.destroy();
    this.samplesCap = Math.max(need, 2 * this.samplesCap);
    this.samples = this.dev.createBuffer({ label: 'samples', size: this.samplesCap * 32, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    if (this.samplesCap * 32 > this.maxBinding) {
      throw new Error(`webgpu: ${nSamples} trace samples in one advance need ${this.samplesCap * 32} bytes, over maxStorageBufferBindingSize ${this.maxBinding}`);
    }
    this.bgFinalize = this.dev.createBindGroup({
      label: 'finalize',
      layout: this.pipes.finalize.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.uniK } },
        { binding: 1, resource: { buffer: this.uniD } },
        { binding: 2, resource: { buffer: this.ctl } },
        { binding: 3, resource: { buffer: this.partials } },
        { binding: 4, resource: { buffer: this.samples } },
      ],
    });
  }

  private dispatch(pass: GPUComputePassEncoder, name: KernelName, group: GPUBindGroup, d: Dispatch): void {
    pass.setPipeline(this.pipes[name]);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(d.x, d.y);
  }

  /** One dispatch: into the shared pass, or (profile mode) into its own timed pass. */
  private run(enc: GPUCommandEncoder, pass: GPUComputePassEncoder | null, name: KernelName, group: GPUBindGroup, d: Dispatch): void {
    if (pass) return this.dispatch(pass, name, group, d);
    const q = this.queryKernels.length;
    this.queryKernels.push(name);
    const p = enc.beginComputePass({
      timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: 2 * q, endOfPassWriteIndex: 2 * q + 1 },
    });
    this.dispatch(p, name, group, d);
    p.end();
  }

  /** Encode one grid step; `this.step` and `this.cur` follow the device. */
  private encodeStep(enc: GPUCommandEncoder, pass: GPUComputePassEncoder | null): void {
    const c = this.cur;
    this.run(enc, pass, 'neurons', this.bgNeurons[c], this.dCells);
    this.run(enc, pass, 'release', this.bgRelease[c], this.dRel);
    this.run(enc, pass, 'diffuse', this.bgDiffuse[c], this.dVox);
    this.cur = 1 - c;
    this.step++;
    if (this.step % this.sampleSteps === 0) {
      this.run(enc, pass, 'reduce', this.bgReduce[this.cur], this.dReduce);
      this.run(enc, pass, 'finalize', this.bgFinalize!, { x: 1, y: 1, total: 1 });
    }
  }

  /** Profile mode: resolve the chunk's timestamps and add them to `times` (ms per kernel). */
  private async collectTimes(times: Record<string, number>): Promise<void> {
    const nq = 2 * this.queryKernels.length;
    if (!nq) return;
    const enc = this.dev.createCommandEncoder();
    enc.resolveQuerySet(this.querySet!, 0, nq, this.queryResolve!, 0);
    const st = this.staging(8 * nq);
    enc.copyBufferToBuffer(this.queryResolve!, 0, st, 0, 8 * nq);
    this.dev.queue.submit([enc.finish()]);
    const ts = new BigUint64Array(await this.read(st));
    this.queryKernels.forEach((name, i) => {
      times[name] = (times[name] ?? 0) + Number(ts[2 * i + 1] - ts[2 * i]) / 1e6;
    });
    this.queryKernels = [];
  }

  private staging(bytes: number): GPUBuffer {
    this.throwIfLost();
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    this.dev.pushErrorScope('out-of-memory');
    const b = this.dev.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.dev.popErrorScope().then((e) => {
      if (e) this.fault ??= `allocation of a ${size}-byte readback buffer failed: ${e.message}`;
    });
    return b;
  }

  /** A lost device or failed allocation ends the run with an error naming what was lost. */
  private throwIfLost(): void {
    if (this.lost) {
      throw new Error(`webgpu: device lost (${this.lost.reason}: ${this.lost.message || 'no message'}) at grid step ${this.step}; state on the GPU is gone`);
    }
    if (this.fault) throw new Error(`webgpu: ${this.fault} at grid step ${this.step}`);
  }

  private async read(buf: GPUBuffer): Promise<ArrayBuffer> {
    try {
      await buf.mapAsync(GPUMapMode.READ);
    } catch (e) {
      this.throwIfLost();
      throw new Error(`webgpu: reading results back failed at grid step ${this.step}: ${(e as Error).message}`);
    }
    const out = buf.getMappedRange().slice(0);
    buf.unmap();
    buf.destroy();
    return out;
  }

  /** Encode the grid-total reduction and copy its per-workgroup partials to a staging buffer. */
  private encodeGridTotal(enc: GPUCommandEncoder): GPUBuffer {
    const pass = enc.beginComputePass();
    this.dispatch(pass, 'reduce', this.bgReduce[this.cur], this.dReduce);
    pass.end();
    const bytes = 16 * this.dReduce.total;
    const st = this.staging(bytes);
    enc.copyBufferToBuffer(this.partials, 0, st, 0, bytes);
    return st;
  }

  private static gridTotal(partials: ArrayBuffer): number {
    const f = new Float32Array(partials);
    let s = 0;
    for (let i = 0; i < f.length; i += 4) s += f[i];
    return s;
  }

  /** Read and reset the spike record of the chunk just submitted. */
  private async drainSpikes(cells: number[][], steps: number[][]): Promise<void> {
    const dev = this.dev;
    let enc = dev.createCommandEncoder();
    const sc = this.staging(CTL.bytes);
    enc.copyBufferToBuffer(this.ctl, 0, sc, 0, CTL.bytes);
    dev.queue.submit([enc.finish()]);
    const count = new Uint32Array(await this.read(sc))[CTL.recCount / 4];
    if (count > this.recCap) {
      throw new Error(
        `webgpu: spike record overflow: ${count} spikes in one chunk of ${this.recChunk} grid steps, over the buffer's capacity of ${this.recCap}; spikes were lost`,
      );
    }
    if (count > 0) {
      enc = dev.createCommandEncoder();
      const ss = this.staging(8 * count);
      enc.copyBufferToBuffer(this.rec, 0, ss, 0, 8 * count);
      dev.queue.submit([enc.finish()]);
      const pairs = new Uint32Array(await this.read(ss));
      const c = new Array<number>(count);
      const s = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        c[i] = pairs[2 * i];
        s[i] = pairs[2 * i + 1];
      }
      cells.push(c);
      steps.push(s);
    }
    dev.queue.writeBuffer(this.ctl, CTL.recCount, new Uint32Array(1));
  }

  async advance(steps: number): Promise<RecordBatch> {
    if (this.disposed) throw new Error('webgpu: engine disposed');
    if (this.busy) throw new Error('webgpu: advance() called while another advance() is running');
    this.throwIfLost();
    this.busy = true;
    try {
      return await this.advanceInner(Math.max(0, Math.floor(steps)));
    } finally {
      this.busy = false;
    }
  }

  private async advanceInner(steps: number): Promise<RecordBatch> {
    const dev = this.dev;
    const q = dev.queue;
    const firstStep = this.step;
    const nSamples = Math.floor((firstStep + steps) / this.sampleSteps) - Math.floor(firstStep / this.sampleSteps);
    this.ensureSamples(nSamples);
    this.dims[4] = this.samplesCap;
    q.writeBuffer(this.uniD, 0, this.dims);
    // ctl: step, (windowSpikes carried), batchSpikes = recCount = sampleIdx = 0
    q.writeBuffer(this.ctl, CTL.step, new Uint32Array([this.step]));
    q.writeBuffer(this.ctl, CTL.batchSpikes, new Uint32Array(3));

    let enc = dev.createCommandEncoder();
    enc.clearBuffer(this.massAcc);
    const stStart = this.encodeGridTotal(enc);
    q.submit([enc.finish()]);

    const spCells: number[][] = [];
    const spSteps: number[][] = [];
    const t0 = performance.now();
    const times: Record<string, number> = {};
    let left = steps;
    while (left > 0) {
      const chunk = Math.min(left, this.stepsPerSubmit, this.recChunk, this.profile ? Math.floor(PROFILE_DISPATCHES / 5) : Infinity);
      enc = dev.createCommandEncoder();
      const pass = this.profile ? null : enc.beginComputePass();
      for (let t = 0; t < chunk; t++) this.encodeStep(enc, pass);
      pass?.end();
      q.submit([enc.finish()]);
      left -= chunk;
      if (this.profile) await this.collectTimes(times);
      if (this.recordSpikes) await this.drainSpikes(spCells, spSteps);
    }

    enc = dev.createCommandEncoder();
    const stEnd = this.encodeGridTotal(enc);
    const stCtl = this.staging(CTL.bytes);
    enc.copyBufferToBuffer(this.ctl, 0, stCtl, 0, CTL.bytes);
    const stSamples = nSamples > 0 ? this.staging(32 * nSamples) : null;
    if (stSamples) enc.copyBufferToBuffer(this.samples!, 0, stSamples, 0, 32 * nSamples);
    const massBytes = 32 * this.relThreads;
    const stMass = this.staging(massBytes);
    enc.copyBufferToBuffer(this.massAcc, 0, stMass, 0, massBytes);
    q.submit([enc.finish()]);
    const [bStart, bEnd, bCtl, bSamples, bMass] = await Promise.all([
      this.read(stStart),
      this.read(stEnd),
      this.read(stCtl),
      stSamples ? this.read(stSamples) : Promise.resolve(new ArrayBuffer(0)),
      this.read(stMass),
    ]);
    this.lastKernelTimes = { ...times, wall: performance.now() - t0 };

    const ctl = new Uint32Array(bCtl);
    if (ctl[CTL.step / 4] !== this.step) {
      throw new Error(`webgpu: device step ${ctl[CTL.step / 4]} != host step ${this.step} (device lost or kernel failure?)`);
    }
    if (ctl[CTL.sampleIdx / 4] !== nSamples) {
      throw new Error(`webgpu: ${ctl[CTL.sampleIdx / 4]} trace samples written, expected ${nSamples}`);
    }
    const su = new Uint32Array(bSamples);
    const sf = new Float32Array(bSamples);
    const samples: SampleBatch = {
      step: new Uint32Array(nSamples),
      spikes: new Uint32Array(nSamples),
      probe: new Float32Array(nSamples),
      meanC: new Float32Array(nSamples),
      s1A: new Float32Array(nSamples),
      s2B: new Float32Array(nSamples),
    };
    for (let i = 0; i < nSamples; i++) {
      samples.step[i] = su[8 * i];
      samples.spikes[i] = su[8 * i + 1];
      samples.probe[i] = sf[8 * i + 2];
      samples.meanC[i] = sf[8 * i + 3];
      samples.s1A[i] = sf[8 * i + 4];
      samples.s2B[i] = sf[8 * i + 5];
    }
    const mf = new Float32Array(bMass);
    let released = 0;
    let uptaken = 0;
    let cleared = 0;
    for (let w = 0; w < this.relThreads; w++) {
      const b = 8 * w;
      released += mf[b] - mf[b + 1];
      uptaken += mf[b + 2] - mf[b + 3];
      cleared += mf[b + 4] - mf[b + 5];
    }
    const mass: MassBatch = {
      released,
      uptaken,
      cleared,
      gridStart: WebGpuEngine.gridTotal(bStart),
      gridEnd: WebGpuEngine.gridTotal(bEnd),
    };
    const batch: RecordBatch = { firstStep, steps, spikeCount: ctl[CTL.batchSpikes / 4], samples, mass };
    if (this.recordSpikes) batch.spikes = this.sortSpikes(spCells, spSteps);
    return batch;
  }

  /** Spikes in the CPU engine's order: grid step, then cell. */
  private sortSpikes(cs: number[][], ss: number[][]): { cells: Uint32Array; steps: Uint32Array } {
    const S = this.k.subSteps;
    const n = this.m.nCells;
    let total = 0;
    for (const c of cs) total += c.length;
    const keys = new Float64Array(total);
    let o = 0;
    for (let b = 0; b < cs.length; b++) {
      const c = cs[b];
      const s = ss[b];
      for (let i = 0; i < c.length; i++) {
        const fine = s[i];
        const gs = Math.floor(fine / S);
        keys[o++] = (gs * n + c[i]) * S + (fine - gs * S);
      }
    }
    keys.sort();
    const cells = new Uint32Array(total);
    const steps = new Uint32Array(total);
    for (let i = 0; i < total; i++) {
      const key = keys[i];
      const sub = key % S;
      const rest = (key - sub) / S;
      const cell = rest % n;
      const gs = (rest - cell) / n;
      cells[i] = cell;
      steps[i] = gs * S + sub;
    }
    return { cells, steps };
  }

  async snapshot(): Promise<StateSnapshot> {
    const n = this.m.nCells;
    const nBox = this.m.geometry.nx * this.m.geometry.ny * this.m.geometry.nz;
    const enc = this.dev.createCommandEncoder();
    const stS = this.staging(STATE_FIELDS * 4 * n);
    enc.copyBufferToBuffer(this.state, 0, stS, 0, STATE_FIELDS * 4 * n);
    const stG = this.staging(4 * nBox);
    enc.copyBufferToBuffer(this.grids[this.cur], 0, stG, 0, 4 * nBox);
    this.dev.queue.submit([enc.finish()]);
    const [bs, bg] = await Promise.all([this.read(stS), this.read(stG)]);
    const f = (i: number) => new Float32Array(bs.slice(i * 4 * n, (i + 1) * 4 * n));
    return {
      step: this.step,
      V: f(0),
      gbg: f(1),
      ahp1: f(2),
      ahp2: f(3),
      ahp3: f(4),
      r1A: f(5),
      s1A: f(6),
      s2B: f(7),
      ref: new Uint32Array(bs.slice(8 * 4 * n, 9 * 4 * n)),
      grid: new Float32Array(bg.slice(0, 4 * nBox)),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.buffers) b.destroy();
    this.samples?.destroy();
    this.querySet?.destroy();
    this.buffers.length = 0;
  }
}
