/**
 * The CPU engines' kernels in WebAssembly (src/engines/cpu/wasm/neurons.ts and grid.ts, compiled by
 * scripts/build-wasm.mjs): native float32 arithmetic, and 4-lane SIMD for the neuron sub-steps, instead
 * of JavaScript's float64 with a rounding after every operation. The same bits as the JavaScript
 * references (neurons.ts, grid.ts) and the WGSL kernels (tests/wasm-kernels.test.ts).
 *
 * kernelLayout places in one WebAssembly.Memory everything the kernels read and write: the state
 * (STATE_FIELDS blocks of nPad words, as the WebGPU state buffer), each cell's drive and voxel, the
 * background gap table, two grids (current and next), the spike sub-steps and release quanta counts,
 * the release field's two scratch grids of box sums and its flags of rows holding quanta, the region's voxels, neighbour masks, SERT capacities
 * and tonic release, and per thread a constant block, the neuron kernel's
 * scratch and three mass sums. The engines use typed-array views of it (kernelViews) as their own arrays,
 * so the trace samples, snapshots and setters read and write them unchanged. A `shared` layout is a
 * shared memory for the worker threads of ParallelCpuEngine, which build the same views from it.
 */
import kernelsWasm from './wasm/kernels.wasm';
import kernelsSharedWasm from './wasm/kernels-shared.wasm';
import type { Model } from '../../model/derive.js';
import { packConstants, CONSTS_BYTES, STATE_FIELDS, STATE_WORDS, type Constants, type NeuronState } from '../../model/layout.js';
import type { MassAccumulator } from './grid.js';

const PAGE = 65536;
/** The first page is AssemblyScript's (static data: none; the stub runtime allocates nothing). */
const BASE = PAGE;
const MASS_BYTES = 32;
/** The neuron kernel's scratch of one thread: Gsyn, Isyn and the event sub-steps of a block of 4 cells. */
const TMP_BYTES = 48;

/** Byte offsets and sizes of one kernel memory: plain numbers, so they travel to worker threads. */
export interface KernelLayout {
  nCells: number;
  /** nCells rounded up to a multiple of 4 (the SIMD lanes): the stride of the state blocks. */
  nPad: number;
  gridLen: number;
  nInside: number;
  gapLen: number;
  /** Box rows, ny nz. */
  rows: number;
  threads: number;
  shared: boolean;
  bytes: number;
  st: number;
  idrive: number;
  vox: number;
  gap: number;
  grid: [number, number];
  sub: number;
  counts: number;
  /** A flag byte a box row: quanta counted in it this grid step (the release field's). */
  rowQ: number;
  /** Per thread, the release field's x and y sums (a box grid each) and two flag bytes a row (not all zero). */
  sumX: number;
  sumY: number;
  rowXY: number;
  inside: number;
  mask: number;
  vmax: number;
  tonic: number;
  tmp: number;
  consts: number;
  mass: number;
}

export function kernelLayout(
  sizes: { nCells: number; gridLen: number; nInside: number; gapLen: number; rows?: number },
  threads = 1,
  shared = false,
): KernelLayout {
  // rows: box rows (ny nz), flag bytes for the release field (none where the grid kernels never run)
  const { nCells, gridLen, nInside, gapLen, rows = 0 } = sizes;
  const nPad = Math.max(4, Math.ceil(nCells / 4) * 4);
  let at = BASE;
  const take = (bytes: number): number => {
    const o = at;
    at += Math.ceil(bytes / 16) * 16;
    return o;
  };
  const st = take(STATE_WORDS * nPad * 4);
  const idrive = take(nPad * 4);
  const vox = take(nPad * 4);
  const gap = take(gapLen * 4);
  const grid: [number, number] = [take(gridLen * 4), take(gridLen * 4)];
  const sub = take(nPad);
  const counts = take(gridLen * 4);
  const rowQ = take(rows);
  const sumX = take(gridLen * 4 * threads);
  const sumY = take(gridLen * 4 * threads);
  const rowXY = take(2 * rows * threads);
  const inside = take(nInside * 4);
  const mask = take(gridLen);
  const vmax = take(gridLen * 4);
  const tonic = take(gridLen * 4);
  const tmp = take(TMP_BYTES * threads);
  const consts = take(CONSTS_BYTES * threads);
  const mass = take(MASS_BYTES * threads);
  return {
    nCells,
    nPad,
    gridLen,
    nInside,
    gapLen,
    rows,
    threads,
    shared,
    bytes: at,
    st,
    idrive,
    vox,
    gap,
    grid,
    sub,
    counts,
    rowQ,
    sumX,
    sumY,
    rowXY,
    inside,
    mask,
    vmax,
    tonic,
    tmp,
    consts,
    mass,
  };
}

/** The layout of a model's tissue. */
export function modelLayout(m: Model, threads = 1, shared = false): KernelLayout {
  const g = m.geometry;
  return kernelLayout(
    { nCells: m.nCells, gridLen: g.nx * g.ny * g.nz, nInside: g.inside.length, gapLen: m.bgGap.length, rows: g.ny * g.nz },
    threads,
    shared,
  );
}

/** Typed-array views of a kernel memory (lengths nCells, gridLen, nInside: the padding is the kernels'). */
export interface KernelViews {
  state: NeuronState;
  Idrive: Float32Array;
  vox: Uint32Array;
  bgGap: Uint32Array;
  grids: [Float32Array, Float32Array];
  spikeSub: Uint8Array;
  counts: Uint32Array;
  /**
   * One byte a box row (y + ny z): 1 where quanta were added to `counts` this grid step. Whoever adds
   * quanta to voxel v sets rowQuanta[floor(v / nx)] = 1: the release field's x pass reads flagged rows only.
   */
  rowQuanta: Uint8Array;
  inside: Uint32Array;
  nbrMask: Uint8Array;
  vmaxDt: Float32Array;
  tonicDt: Float32Array;
}

export function kernelViews(memory: WebAssembly.Memory, L: KernelLayout): KernelViews {
  const buf = memory.buffer;
  const state = Object.fromEntries(
    STATE_FIELDS.map((f, i) => {
      const o = L.st + i * L.nPad * 4;
      return [f.name, f.type === 'u32' ? new Uint32Array(buf, o, L.nCells) : new Float32Array(buf, o, L.nCells)];
    }),
  ) as NeuronState;
  return {
    state,
    Idrive: new Float32Array(buf, L.idrive, L.nCells),
    vox: new Uint32Array(buf, L.vox, L.nCells),
    bgGap: new Uint32Array(buf, L.gap, L.gapLen),
    grids: [new Float32Array(buf, L.grid[0], L.gridLen), new Float32Array(buf, L.grid[1], L.gridLen)],
    spikeSub: new Uint8Array(buf, L.sub, L.nCells),
    counts: new Uint32Array(buf, L.counts, L.gridLen),
    rowQuanta: new Uint8Array(buf, L.rowQ, L.rows),
    inside: new Uint32Array(buf, L.inside, L.nInside),
    nbrMask: new Uint8Array(buf, L.mask, L.gridLen),
    vmaxDt: new Float32Array(buf, L.vmax, L.gridLen),
    tonicDt: new Float32Array(buf, L.tonic, L.gridLen),
  };
}

export function kernelMemory(L: KernelLayout): WebAssembly.Memory {
  const pages = Math.ceil(L.bytes / PAGE);
  return new WebAssembly.Memory(L.shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages, maximum: pages });
}

/** A memory for model `m` holding its tissue (drive, voxels, gap table, region, SERT) and the state `s`. */
export function modelMemory(
  m: Model,
  s: NeuronState & { grid: Float32Array },
  threads = 1,
  shared = false,
): { memory: WebAssembly.Memory; layout: KernelLayout; views: KernelViews } {
  const layout = modelLayout(m, threads, shared);
  const memory = kernelMemory(layout);
  const views = kernelViews(memory, layout);
  for (const f of STATE_FIELDS) views.state[f.name].set(s[f.name].subarray(0, m.nCells));
  views.Idrive.set(m.Idrive.subarray(0, m.nCells));
  views.vox.set(m.vox.subarray(0, m.nCells));
  views.bgGap.set(m.bgGap);
  views.grids[0].set(s.grid);
  views.inside.set(m.geometry.inside);
  views.nbrMask.set(m.geometry.nbrMask);
  views.vmaxDt.set(m.vmaxDt);
  views.tonicDt.set(m.tonicDt);
  return { memory, layout, views };
}

interface KernelExports {
  stepNeurons(
    pK: number,
    pSt: number,
    nPad: number,
    pIdrive: number,
    pVox: number,
    pGap: number,
    pC: number,
    pSub: number,
    pCounts: number,
    pTmp: number,
    step: number,
    i0: number,
    i1: number,
  ): number;
  spread(pK: number, z0: number, z1: number, pCounts: number, pQ: number, pX: number, pSums: number, pFxy: number, clear: number): void;
  clearCounts(pK: number, z0: number, z1: number, pCounts: number, pQ: number): void;
  releaseUptake(
    pK: number,
    pInside: number,
    m0: number,
    m1: number,
    pVmax: number,
    pTonic: number,
    pSum: number,
    pFy: number,
    pC: number,
    pMass: number,
  ): void;
  diffuse(pK: number, pInside: number, m0: number, m1: number, pMask: number, pC: number, pOut: number): void;
}

const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
function kernelModule(shared: boolean): WebAssembly.Module {
  const key = shared ? 'shared' : 'plain';
  modules[key] ??= new WebAssembly.Module(shared ? kernelsSharedWasm : kernelsWasm);
  return modules[key];
}

/** One thread's instance of the kernels over a kernel memory, with its own constant block and mass sums. */
export class WasmKernels {
  private readonly ex: KernelExports;
  private readonly kBytes: Uint8Array;
  private readonly mass: Float64Array;
  private readonly pK: number;
  private readonly pMass: number;
  private readonly pTmp: number;
  private readonly pSumX: number;
  private readonly pSumY: number;
  private readonly pRowXY: number;
  private lastK: Constants | null = null;

  constructor(
    memory: WebAssembly.Memory,
    private readonly L: KernelLayout,
    thread = 0,
  ) {
    const inst = new WebAssembly.Instance(kernelModule(L.shared), {
      env: {
        memory,
        abort: () => {
          throw new Error('cpu: a WebAssembly kernel aborted');
        },
      },
    });
    this.ex = inst.exports as unknown as KernelExports;
    this.pK = L.consts + thread * CONSTS_BYTES;
    this.pMass = L.mass + thread * MASS_BYTES;
    this.pTmp = L.tmp + thread * TMP_BYTES;
    this.pSumX = L.sumX + thread * 4 * L.gridLen;
    this.pSumY = L.sumY + thread * 4 * L.gridLen;
    this.pRowXY = L.rowXY + thread * 2 * L.rows;
    this.kBytes = new Uint8Array(memory.buffer, this.pK, CONSTS_BYTES);
    this.mass = new Float64Array(memory.buffer, this.pMass, 3);
  }

  private constants(k: Constants): void {
    if (k === this.lastK) return;
    this.kBytes.set(new Uint8Array(packConstants(k)));
    this.lastK = k;
  }

  /**
   * Advance cells [i0, i1) by grid step `step` against grid `cur` (0 or 1): their spikes' release quanta
   * added to the counts (atomically in a shared memory). Returns the number of spikes.
   */
  step(k: Constants, cur: number, step: number, i0: number, i1: number): number {
    this.constants(k);
    const L = this.L;
    return (
      this.ex.stepNeurons(this.pK, L.st, L.nPad, L.idrive, L.vox, L.gap, L.grid[cur], L.sub, L.counts, this.pTmp, step >>> 0, i0, i1) >>> 0
    );
  }

  /**
   * The release field's x and y passes over box planes [z0, z1): counts summed along x, then along y,
   * into this thread's scratch grids; with `clear` those planes' counts zeroed (else by clearCounts).
   */
  spread(k: Constants, z0: number, z1: number, clear = true): void {
    this.constants(k);
    const L = this.L;
    this.ex.spread(this.pK, z0, z1, L.counts, L.rowQ, this.pSumX, this.pSumY, this.pRowXY, clear ? 1 : 0);
  }

  /** The counts of box planes [z0, z1) zeroed (after every thread's spread without `clear`). */
  clearCounts(k: Constants, z0: number, z1: number): void {
    this.constants(k);
    this.ex.clearCounts(this.pK, z0, z1, this.L.counts, this.L.rowQ);
  }

  /**
   * Release (the z pass of the field's box sums, then the tonic release) and uptake on grid `cur` over
   * region voxels [m0, m1), their amounts added to `mass`. After this thread's spread over every plane
   * within fieldR of these voxels' planes.
   */
  releaseUptake(k: Constants, cur: number, m0: number, m1: number, mass: MassAccumulator): void {
    this.constants(k);
    const L = this.L;
    this.ex.releaseUptake(this.pK, L.inside, m0, m1, L.vmax, L.tonic, this.pSumY, this.pRowXY + L.rows, L.grid[cur], this.pMass);
    mass.released += this.mass[0];
    mass.uptaken += this.mass[1];
    mass.cleared += this.mass[2];
  }

  /** Diffusion from grid `cur` into the other over region voxels [m0, m1). */
  diffuse(k: Constants, cur: number, m0: number, m1: number): void {
    this.constants(k);
    const L = this.L;
    this.ex.diffuse(this.pK, L.inside, m0, m1, L.mask, L.grid[cur], L.grid[1 - cur]);
  }
}
