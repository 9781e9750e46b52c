/**
 * One sim's dynamic state in a WebGPU batch's device buffers (layout: batch.ts): write one per-cell field,
 * write its current grid, read it all back as a StateSnapshot. The writes are queued, in order with the
 * batch's dispatches; the read waits for them.
 */
import type { Model } from '../../model/derive.js';
import { STATE_FIELDS, STATE_WORDS } from '../../model/layout.js';
import { checkCellValues, checkGrid, type SettableField, type StateSnapshot } from '../engine.js';
import type { BatchDevice } from './batch-init.js';
import type { BatchBuffers } from './buffers.js';
import { decodeSnapshot } from './decode.js';
import { CTL } from './wgsl-header.js';

const boxOf = (m: Model) => m.geometry.nx * m.geometry.ny * m.geometry.nz;

/** Set field `field` of sim `s`'s cells (words (s * STATE_WORDS + f) * n ..., f32 bits). */
export function writeCellField(dev: GPUDevice, d: BatchDevice, m: Model, s: number, field: SettableField, values: Float32Array): void {
  const n = m.nCells;
  checkCellValues(field, values, n);
  const f = STATE_FIELDS.findIndex((x) => x.name === field);
  dev.queue.writeBuffer(d.buf.state, (s * STATE_WORDS + f) * 4 * n, values.slice() as Float32Array<ArrayBuffer>);
}

/** Replace sim `s`'s grid in ping-pong buffer `cur` (the one the next step reads). */
export function writeGrid(dev: GPUDevice, d: BatchDevice, m: Model, s: number, cur: number, grid: Float32Array): void {
  const nBox = boxOf(m);
  checkGrid(grid, nBox);
  dev.queue.writeBuffer(d.buf.grids[cur], s * 4 * nBox, grid.slice() as Float32Array<ArrayBuffer>);
}

/** The whole dynamic state of sim `s` at grid step `step`, its grid in ping-pong buffer `cur`. */
export async function readSnapshot(
  dev: GPUDevice,
  d: BatchDevice,
  mem: BatchBuffers,
  m: Model,
  s: number,
  cur: number,
  step: number,
): Promise<StateSnapshot> {
  const n = m.nCells;
  const nBox = boxOf(m);
  const enc = dev.createCommandEncoder();
  const sb = STATE_WORDS * 4 * n;
  const stS = mem.staging(sb);
  enc.copyBufferToBuffer(d.buf.state, s * sb, stS.buffer, 0, sb);
  const gb = 4 * nBox;
  const stG = mem.staging(gb);
  // copy offsets must be multiples of 4: they are (4-byte words)
  enc.copyBufferToBuffer(d.buf.grids[cur], s * gb, stG.buffer, 0, gb);
  const stC = mem.staging(CTL.simBytes); // the sim's control block: its trace window's spikes
  enc.copyBufferToBuffer(d.buf.ctl, CTL.sim + s * CTL.simBytes, stC.buffer, 0, CTL.simBytes);
  dev.queue.submit([enc.finish()]);
  const [bs, bg, bc] = await Promise.all([mem.read(stS), mem.read(stG), mem.read(stC)]);
  return { ...decodeSnapshot(step, bs, bg, n, nBox), windowSpikes: new Uint32Array(bc)[CTL.windowSpikes / 4] };
}
