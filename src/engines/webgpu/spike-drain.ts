/**
 * The drain of a WebGPU batch's spike record after each submitted chunk (batch.ts: with spike recording on,
 * a chunk's worst-case spike count fits the record, and each chunk is read and reset before the next, so no
 * spike is dropped; a count over the capacity is an error, never a silent loss).
 */
import type { BatchDevice } from './batch-init.js';
import type { BatchBuffers } from './buffers.js';
import type { IdleWait } from './idle-wait.js';
import { CTL } from './wgsl-header.js';

/** Read the record of the chunk of `chunk` steps submitted at `tChunk` (ms) into `cells`, then reset its count. */
export async function drainSpikes(
  dev: GPUDevice,
  d: BatchDevice,
  mem: BatchBuffers,
  idle: IdleWait,
  cells: Uint32Array[],
  tChunk: number,
  chunk: number,
): Promise<void> {
  let enc = dev.createCommandEncoder();
  const sc = mem.staging(16);
  enc.copyBufferToBuffer(d.buf.ctl, 0, sc.buffer, 0, 16);
  dev.queue.submit([enc.finish()]);
  const tAsk = await idle.sleep(tChunk, chunk);
  const count = new Uint32Array(await mem.read(sc))[CTL.recCount / 4];
  idle.learn(tChunk, tAsk, chunk);
  if (count > d.recCap) {
    throw new Error(
      `webgpu: spike record overflow: ${count} spikes in one chunk of ${d.recChunk} grid steps, over the buffer's capacity of ${d.recCap}; spikes were lost`,
    );
  }
  if (count > 0) {
    enc = dev.createCommandEncoder();
    const ss = mem.staging(8 * count);
    enc.copyBufferToBuffer(d.buf.rec, 0, ss.buffer, 0, 8 * count);
    dev.queue.submit([enc.finish()]);
    cells.push(new Uint32Array(await mem.read(ss), 0, 2 * count));
  }
  dev.queue.writeBuffer(d.buf.ctl, CTL.recCount, new Uint32Array(1));
}
