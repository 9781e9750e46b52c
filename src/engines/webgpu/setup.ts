/**
 * What a WebGPU batch starts with: its device buffers (allocated through BatchBuffers, so each is
 * checked against the limits by name), their first contents (constants, dims, each sim's initial
 * state and grid, the shared tissue's cells and voxels) and the bind groups that tie them to the
 * kernels. The batch layout these follow is described in batch.ts.
 */
import type { Constants, Model } from '../../model/derive.js';
import { CONSTS_BYTES, packConstants, packState, STATE_WORDS } from '../../model/layout.js';
import type { EngineOptions } from '../engine.js';
import { startState } from '../initial-state.js';
import type { BatchBuffers } from './buffers.js';
import type { KernelName } from './kernels.js';
import { tissueSizes, type BatchShape } from './sizing.js';
import { CTL, ctlBytes, DIM, DIMS_BYTES } from './wgsl-header.js';

/** The device buffers of one batch. */
export interface BatchStorage {
  /** Constants, array<Consts, K>. */
  uniK: GPUBuffer;
  /** Dims (DIMS_FIELDS). */
  uniD: GPUBuffer;
  ctl: GPUBuffer;
  state: GPUBuffer;
  cellIn: GPUBuffer;
  /** The ping-pong 5-HT grids. */
  grids: [GPUBuffer, GPUBuffer];
  /** Release quanta per box voxel, counted by the neurons kernel. */
  counts: GPUBuffer;
  /** The release field's box sums: along x (spreadX), then along y (spreadY). */
  sums: [GPUBuffer, GPUBuffer];
  rec: GPUBuffer;
  inside: GPUBuffer;
  probe: GPUBuffer;
  vmax: GPUBuffer;
  tonic: GPUBuffer;
  mask: GPUBuffer;
  massAcc: GPUBuffer;
  partials: GPUBuffer;
}

/** Allocate a batch's buffers; `recCap`: spike record capacity in pairs (0 when not recording). */
export function allocateStorage(mem: BatchBuffers, shape: BatchShape, recCap: number): BatchStorage {
  const K = shape.nSims;
  const g = shape.model.geometry;
  const { n, nBox, relThreads, nPart } = tissueSizes(shape.model);
  const S = GPUBufferUsage.STORAGE;
  const CD = GPUBufferUsage.COPY_DST;
  const CS = GPUBufferUsage.COPY_SRC;
  return {
    uniK: mem.buffer('constants', K * CONSTS_BYTES, GPUBufferUsage.UNIFORM | CD, false),
    uniD: mem.buffer('dims', DIMS_BYTES, GPUBufferUsage.UNIFORM | CD, false),
    ctl: mem.buffer('ctl', ctlBytes(K), S | CD | CS),
    state: mem.buffer('cell state', K * STATE_WORDS * 4 * n, S | CD | CS),
    cellIn: mem.buffer('cell inputs', 8 * n + 4 * shape.model.bgGap.length, S | CD),
    grids: [mem.buffer('grid A', K * 4 * nBox, S | CD | CS), mem.buffer('grid B', K * 4 * nBox, S | CD | CS)],
    counts: mem.buffer('spike counts', K * 4 * nBox, S | CD),
    sums: [mem.buffer('release sums A', K * 4 * nBox, S), mem.buffer('release sums B', K * 4 * nBox, S)],
    rec: mem.buffer('spike record', shape.recordSpikes ? 8 * recCap : 16, S | CS),
    inside: mem.buffer('region voxels', 4 * g.inside.length, S | CD),
    probe: mem.buffer('probe voxels', 4 * g.probe.length, S | CD),
    vmax: mem.buffer('SERT vmax', K * 4 * nBox, S | CD),
    tonic: mem.buffer('tonic release', K * 4 * nBox, S | CD),
    mask: mem.buffer('neighbour mask', nBox, S | CD),
    massAcc: mem.buffer('mass accumulators', K * 32 * relThreads, S | CD | CS),
    partials: mem.buffer('partial sums', K * 16 * nPart, S | CS),
  };
}

/**
 * Write the first contents: sim s's constants `ks[s]`, the dims (filled into `dims`, which the batch
 * keeps and rewrites per advance), a zero control block, each sim's initial state and grid (from its
 * own model, c0 and rate0, or its restart state: startState), SERT vmax and tonic release, the shared cells and voxels; counts and mass cleared.
 * Returns the control block written and each sim's warm-up owed (startState's warmUp: warm-up.ts runs it).
 */
export function uploadInitial(
  dev: GPUDevice,
  b: BatchStorage,
  sims: EngineOptions[],
  ks: Constants[],
  dims: Uint32Array<ArrayBuffer>,
  recCap: number,
): { ctl: Uint32Array<ArrayBuffer>; warmUp: number[] } {
  const K = sims.length;
  const m: Model = sims[0].model;
  const g = m.geometry;
  const { n, nBox, relThreads, nPart } = tissueSizes(m);
  const q = dev.queue;
  for (let s = 0; s < K; s++) q.writeBuffer(b.uniK, s * CONSTS_BYTES, packConstants(ks[s]));
  dims[DIM.nInside] = g.inside.length;
  dims[DIM.nProbe] = g.probe.length;
  dims[DIM.nPart] = nPart;
  dims[DIM.recCap] = recCap;
  dims[DIM.sampleCap] = 0;
  dims[DIM.relStride] = relThreads;
  dims[DIM.nSims] = K;
  dims[DIM.nBox] = nBox;
  dims[DIM.nCells] = n;
  q.writeBuffer(b.uniD, 0, dims);
  const ctl = new Uint32Array(ctlBytes(K) / 4);
  const st = new Uint32Array(STATE_WORDS * n);
  const warmUp: number[] = [];
  for (let s = 0; s < K; s++) {
    const s0 = startState(sims[s].model, ks[s], sims[s]);
    warmUp.push(s0.warmUp);
    // a restart's trace window carries on (the batch's step is set from the same states: batch.ts)
    ctl[(CTL.sim + s * CTL.simBytes + CTL.windowSpikes) / 4] = s0.windowSpikes ?? 0;
    packState(s0, n, st);
    q.writeBuffer(b.state, s * STATE_WORDS * 4 * n, st);
    const grid = s0.grid as Float32Array<ArrayBuffer>;
    // outside voxels stay 0 in both grids; inside is overwritten
    q.writeBuffer(b.grids[0], s * 4 * nBox, grid);
    q.writeBuffer(b.grids[1], s * 4 * nBox, grid);
    q.writeBuffer(b.vmax, s * 4 * nBox, sims[s].model.vmaxDt as Float32Array<ArrayBuffer>);
    q.writeBuffer(b.tonic, s * 4 * nBox, sims[s].model.tonicDt as Float32Array<ArrayBuffer>);
  }
  q.writeBuffer(b.ctl, 0, ctl);
  // Idrive (f32 bits), voxel of each cell, the background gap table
  const ci = new Uint32Array(2 * n + m.bgGap.length);
  ci.set(new Uint32Array(m.Idrive.buffer, m.Idrive.byteOffset, n), 0);
  ci.set(m.vox, n);
  ci.set(m.bgGap, 2 * n);
  q.writeBuffer(b.cellIn, 0, ci);
  if (g.inside.length) q.writeBuffer(b.inside, 0, g.inside as Uint32Array<ArrayBuffer>);
  if (g.probe.length) q.writeBuffer(b.probe, 0, g.probe as Uint32Array<ArrayBuffer>);
  const maskPadded = new Uint8Array(Math.ceil(nBox / 4) * 4);
  maskPadded.set(g.nbrMask);
  q.writeBuffer(b.mask, 0, maskPadded);
  const enc = dev.createCommandEncoder();
  enc.clearBuffer(b.counts);
  enc.clearBuffer(b.massAcc);
  q.submit([enc.finish()]);
  return { ctl, warmUp };
}

type Pipes = Record<KernelName, GPUComputePipeline>;

function bindGroup(dev: GPUDevice, pipes: Pipes, name: KernelName, entries: [number, GPUBuffer][]): GPUBindGroup {
  return dev.createBindGroup({
    label: name,
    layout: pipes[name].getBindGroupLayout(0),
    entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
  });
}

/** The kernels that run every grid step (and reduce, at the sample steps). */
export type StepKernel = 'neurons' | 'spreadX' | 'spreadY' | 'release' | 'diffuse' | 'reduce';

/** The per-step kernels' bind groups, [c] reading grid c (the current one) and diffusing into 1 - c. */
export function stepBindGroups(dev: GPUDevice, pipes: Pipes, b: BatchStorage): Record<StepKernel, GPUBindGroup[]> {
  const U = b.uniK;
  const D = b.uniD;
  const both = (f: (c: number) => GPUBindGroup) => [f(0), f(1)];
  const spread = (name: 'spreadX' | 'spreadY', src: GPUBuffer, dst: GPUBuffer) => {
    const g = bindGroup(dev, pipes, name, [
      [0, U],
      [1, D],
      [2, src],
      [3, dst],
    ]);
    return [g, g];
  };
  return {
    neurons: both((c) =>
      bindGroup(dev, pipes, 'neurons', [
        [0, U],
        [1, D],
        [2, b.ctl],
        [3, b.state],
        [4, b.cellIn],
        [5, b.grids[c]],
        [6, b.counts],
        [7, b.rec],
      ]),
    ),
    spreadX: spread('spreadX', b.counts, b.sums[0]),
    spreadY: spread('spreadY', b.sums[0], b.sums[1]),
    release: both((c) =>
      bindGroup(dev, pipes, 'release', [
        [0, U],
        [1, D],
        [2, b.ctl],
        [3, b.inside],
        [4, b.vmax],
        [5, b.counts],
        [6, b.grids[c]],
        [7, b.massAcc],
        [8, b.sums[1]],
        [9, b.tonic],
      ]),
    ),
    diffuse: both((c) =>
      bindGroup(dev, pipes, 'diffuse', [
        [0, U],
        [1, D],
        [3, b.inside],
        [4, b.mask],
        [5, b.grids[c]],
        [6, b.grids[1 - c]],
      ]),
    ),
    reduce: both((c) =>
      bindGroup(dev, pipes, 'reduce', [
        [1, D],
        [3, b.inside],
        [4, b.probe],
        [5, b.grids[c]],
        [6, b.state],
        [7, b.partials],
      ]),
    ),
  };
}

/** The sample_finalize kernel's bind group, writing trace samples into `samples`. */
export function finalizeBindGroup(dev: GPUDevice, pipes: Pipes, b: BatchStorage, samples: GPUBuffer): GPUBindGroup {
  return bindGroup(dev, pipes, 'finalize', [
    [1, b.uniD],
    [2, b.ctl],
    [3, b.partials],
    [4, samples],
  ]);
}
