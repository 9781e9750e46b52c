/**
 * Profile mode of a WebGPU batch (option `profile`, adapter feature 'timestamp-query'): each dispatch
 * runs in its own compute pass with timestamp writes, and after each chunk the timestamps are resolved,
 * read back and added up per kernel (milliseconds). A little slower than the shared pass of normal runs.
 */
import type { BatchBuffers } from './buffers.js';
import type { KernelName } from './kernels.js';
import type { Dispatch } from './sizing.js';

/** Timed dispatches per command buffer in profile mode (2 timestamps each; query sets hold <= 4096). */
export const PROFILE_DISPATCHES = 2000;

export class KernelProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  /** Kernel of each timestamp pair written in the current chunk. */
  private kernels: KernelName[] = [];

  constructor(
    private readonly dev: GPUDevice,
    private readonly mem: BatchBuffers,
  ) {
    this.querySet = dev.createQuerySet({ type: 'timestamp', count: 2 * PROFILE_DISPATCHES });
    this.resolve = mem.buffer('timestamps', 16 * PROFILE_DISPATCHES, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, false);
  }

  /** One dispatch in its own timed pass. */
  run(enc: GPUCommandEncoder, name: KernelName, pipe: GPUComputePipeline, group: GPUBindGroup, d: Dispatch): void {
    const q = this.kernels.length;
    this.kernels.push(name);
    const p = enc.beginComputePass({
      timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * q, endOfPassWriteIndex: 2 * q + 1 },
    });
    p.setPipeline(pipe);
    p.setBindGroup(0, group);
    p.dispatchWorkgroups(d.x, d.y, d.z);
    p.end();
  }

  /** Resolve the chunk's timestamps and add them to `times` (ms per kernel). */
  async collect(times: Record<string, number>): Promise<void> {
    const nq = 2 * this.kernels.length;
    if (!nq) return;
    const enc = this.dev.createCommandEncoder();
    enc.resolveQuerySet(this.querySet, 0, nq, this.resolve, 0);
    const st = this.mem.staging(8 * nq);
    enc.copyBufferToBuffer(this.resolve, 0, st.buffer, 0, 8 * nq);
    this.dev.queue.submit([enc.finish()]);
    const ts = new BigUint64Array(await this.mem.read(st));
    this.kernels.forEach((name, i) => {
      times[name] = (times[name] ?? 0) + Number(ts[2 * i + 1] - ts[2 * i]) / 1e6;
    });
    this.kernels = [];
  }

  dispose(): void {
    this.querySet.destroy();
  }
}
