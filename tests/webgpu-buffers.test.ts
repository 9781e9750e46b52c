/**
 * The WebGPU batch's buffer room (src/engines/webgpu/buffers.ts): readback staging buffers come from
 * a pool bucketed by power-of-two size, go back to it after a read, and a read returns exactly the
 * bytes asked for. Skips without a WebGPU adapter, fails under RAPHE_GPU_REQUIRED.
 */
import { describe, expect, test } from 'vitest';
import { BatchBuffers } from '../src/engines/webgpu/buffers.js';
import { effectiveLimits } from '../src/engines/webgpu/sizing.js';
import { gpuOrSkip, gpuRequired, smallModel } from './helpers/gpu.js';

const ctx = await gpuOrSkip();
const d = ctx ? describe : describe.skip;

if (!ctx) {
  test('WebGPU adapter (skipped: none found; set RAPHE_GPU_REQUIRED=1 to fail instead)', () => {
    expect(gpuRequired).toBe(false);
  });
}

d('readback staging pool', () => {
  test('buffers are reused by size bucket, reads return the bytes asked for', async () => {
    const dev = ctx!.device;
    const lim = effectiveLimits(dev, undefined);
    const mem = new BatchBuffers(dev, { model: smallModel(50), nSims: 1, lim, spikeBufferBytes: undefined, recordSpikes: false }, () => 0);
    const src = mem.buffer('src', 256, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    dev.queue.writeBuffer(
      src,
      0,
      Uint32Array.from({ length: 64 }, (_, i) => i + 1),
    );
    const readVia = async (bytes: number) => {
      const st = mem.staging(bytes);
      const enc = dev.createCommandEncoder();
      enc.copyBufferToBuffer(src, 0, st.buffer, 0, bytes);
      dev.queue.submit([enc.finish()]);
      return { st, out: new Uint32Array(await mem.read(st)) };
    };
    const a = await readVia(100);
    expect(a.st.buffer.size).toBe(128);
    expect(Array.from(a.out)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    // same bucket (128): the released buffer again
    const b = await readVia(120);
    expect(b.st.buffer).toBe(a.st.buffer);
    expect(b.out.length).toBe(30);
    // two out at once in one bucket: two buffers; a larger size: its own bucket
    const [x, y] = [mem.staging(64), mem.staging(64)];
    expect(x.buffer).not.toBe(y.buffer);
    const c = await readVia(200);
    expect(c.st.buffer.size).toBe(256);
    expect(c.out[49]).toBe(50);
    mem.dispose();
  });
});
