/**
 * The device memory of one WebGPU batch: its storage and uniform buffers, allocated with the named
 * limit checks (a refusal names the buffer, the sizes, the limit and how many sims would fit), and a
 * pool of readback staging buffers (MAP_READ | COPY_DST), all destroyed on dispose.
 *
 * Staging pool: every advance reads back a few small blocks (control block, partials, mass, samples,
 * each chunk's spike count and spikes), so a buffer per read would be created and destroyed thousands
 * of times a run. As in tfjs-backend-webgpu's buffer manager, staging buffers are bucketed by size
 * (rounded up to a power of two, at least 16 bytes), handed out by staging(), and released back to
 * their bucket by read() once mapped, copied and unmapped; a read whose mapping fails destroys its
 * buffer instead. Only a new buffer is allocated, inside an out-of-memory error scope.
 *
 * Faults: a lost device (GPUDevice.lost) or a failed readback allocation is remembered and ends the
 * run at the next staging() or advance with an error naming what was lost and the grid step.
 */
import { DeviceLimitError } from '../engine.js';
import { sizesText, splitHint, type BatchShape } from './sizing.js';

/** Free staging buffers kept per size bucket; more are destroyed on release. */
const FREE_PER_BUCKET = 8;

/** A staging buffer handed out for one read of `bytes` bytes (what read() returns). */
export interface Readback {
  buffer: GPUBuffer;
  bytes: number;
}

export class BatchBuffers {
  private readonly owned = new Set<GPUBuffer>();
  /** Every staging buffer alive (free or handed out). */
  private readonly staged = new Set<GPUBuffer>();
  /** Free staging buffers by size. */
  private readonly free = new Map<number, GPUBuffer[]>();
  private lost: GPUDeviceLostInfo | null = null;
  private fault: string | null = null;
  private disposed = false;

  /** `step()`: the host's grid step, for the fault messages. */
  constructor(
    private readonly dev: GPUDevice,
    private readonly shape: BatchShape,
    private readonly step: () => number,
  ) {
    dev.lost.then((info) => {
      this.lost = info;
    });
  }

  /** A buffer of `bytes` (rounded up to 16), refused over maxStorageBufferBindingSize (storage) or maxBufferSize. */
  buffer(name: string, bytes: number, usage: number, storage = true): GPUBuffer {
    const lim = this.shape.lim;
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (storage && size > lim.maxBinding) {
      throw new DeviceLimitError(
        `webgpu: the ${name} buffer needs ${size} bytes (${sizesText(this.shape)}), over the adapter's maxStorageBufferBindingSize of ${lim.maxBinding} bytes${splitHint(this.shape)}`,
      );
    }
    if (size > lim.maxBuffer) {
      throw new DeviceLimitError(
        `webgpu: the ${name} buffer needs ${size} bytes (${sizesText(this.shape)}), over the adapter's maxBufferSize of ${lim.maxBuffer} bytes${splitHint(this.shape)}`,
      );
    }
    const b = this.dev.createBuffer({ label: name, size, usage });
    this.owned.add(b);
    return b;
  }

  /** Destroy one buffer of buffer() before dispose (e.g. one outgrown). */
  destroy(b: GPUBuffer): void {
    this.owned.delete(b);
    b.destroy();
  }

  /** A staging buffer for a copy of `bytes` bytes, from the pool or new; read() gives it back. */
  staging(bytes: number): Readback {
    this.throwIfLost();
    const len = Math.max(16, Math.ceil(bytes / 4) * 4);
    let size = 16;
    while (size < len) size *= 2;
    if (size > this.dev.limits.maxBufferSize) size = len;
    const hit = this.free.get(size)?.pop();
    if (hit) return { buffer: hit, bytes: len };
    this.dev.pushErrorScope('out-of-memory');
    const b = this.dev.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.dev.popErrorScope().then((e) => {
      if (e) this.fault ??= `allocation of a ${size}-byte readback buffer failed: ${e.message}`;
    });
    this.staged.add(b);
    return { buffer: b, bytes: len };
  }

  /** Map, copy out and unmap a staging buffer (its first `bytes` bytes), then give it back to the pool. */
  async read(r: Readback): Promise<ArrayBuffer> {
    try {
      await r.buffer.mapAsync(GPUMapMode.READ, 0, r.bytes);
    } catch (e) {
      this.staged.delete(r.buffer);
      r.buffer.destroy();
      this.throwIfLost();
      throw new Error(`webgpu: reading results back failed at grid step ${this.step()}: ${(e as Error).message}`);
    }
    const out = r.buffer.getMappedRange(0, r.bytes).slice(0);
    r.buffer.unmap();
    this.release(r.buffer);
    return out;
  }

  private release(b: GPUBuffer): void {
    const bucket = this.free.get(b.size) ?? [];
    if (this.disposed || bucket.length >= FREE_PER_BUCKET) {
      this.staged.delete(b);
      b.destroy();
      return;
    }
    bucket.push(b);
    this.free.set(b.size, bucket);
  }

  /** A lost device or failed allocation ends the run with an error naming what was lost. */
  throwIfLost(): void {
    if (this.lost) {
      throw new Error(
        `webgpu: device lost (${this.lost.reason}: ${this.lost.message || 'no message'}) at grid step ${this.step()}; state on the GPU is gone`,
      );
    }
    if (this.fault) throw new Error(`webgpu: ${this.fault} at grid step ${this.step()}`);
  }

  /** Destroy every buffer (storage, uniform, staging; a staging buffer still out is destroyed too). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.owned) b.destroy();
    for (const b of this.staged) b.destroy();
    this.owned.clear();
    this.staged.clear();
    this.free.clear();
  }
}
