/**
 * The WebGPU engine's warm-up of built starts (docs/model.md §3; initial-state.ts startState; the CPU
 * engines' twin: cpu/warm-up.ts): the neurons kernel alone for `steps` grid steps, each followed by
 * warm_tick (ctl.step + 1, what release_uptake does in a run), in command buffers of at most
 * stepsPerSubmit steps as advance() submits them; the grid is held (no spread, release or diffusion
 * runs), so every cell reads its sim's c0. Then warm_reset puts every cell back at step 0 (bgNext moved
 * ctl.step = `steps` earlier, a1Sum and a2Sum at 0), the release counts are cleared and the control block
 * is written back as uploadInitial wrote it (step 0, no spikes counted, each sim's carried trace window).
 * A sim of the batch that starts from a restart's state (warmUp 0) is kept as it was: its state block is
 * copied aside before and back after. Each sim warms at its own c0 and constants. Queued only: the queue
 * runs it before the first advance's steps.
 */
import { STATE_WORDS } from '../../model/layout.js';
import type { BatchDevice } from './batch-init.js';
import type { BatchBuffers } from './buffers.js';

export interface WarmUpInput {
  dev: GPUDevice;
  d: BatchDevice;
  mem: BatchBuffers;
  nCells: number;
  /** Each sim's warm-up, grid steps (startState's warmUp; 0: a restart's state, not warmed). */
  warmUp: readonly number[];
  /** The control block as uploadInitial wrote it. */
  ctl0: Uint32Array<ArrayBuffer>;
  /** The current grid (the one the first step reads). */
  cur: number;
  stepsPerSubmit: number;
}

/** Queue the warm-up of every sim with warmUp > 0 (none: nothing queued). */
export function queueWarmUp(o: WarmUpInput): void {
  const { dev, d, mem, nCells: n } = o;
  const warm = o.warmUp.filter((s) => s > 0);
  if (!warm.length || n === 0) return;
  const steps = warm[0];
  if (warm.some((s) => s !== steps))
    throw new Error(
      `webgpu batch: the sims' warm-ups differ (${[...new Set(warm)].join(', ')} grid steps); one batch warms all its sims together`,
    );
  const q = dev.queue;
  const sb = STATE_WORDS * 4 * n;
  const kept = o.warmUp.flatMap((s, i) => (s > 0 ? [] : [i]));
  const saved = kept.length
    ? mem.buffer('warm-up kept states', kept.length * sb, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, false)
    : null;
  const group = (name: 'warmTick' | 'warmReset', entries: [number, GPUBuffer][]) =>
    dev.createBindGroup({
      label: name,
      layout: d.pipes[name].getBindGroupLayout(0),
      entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
    });
  const tick = group('warmTick', [[2, d.buf.ctl]]);
  const reset = group('warmReset', [
    [1, d.buf.uniD],
    [2, d.buf.ctl],
    [3, d.buf.state],
  ]);
  const neurons = d.bg.neurons[o.cur];
  const c = d.dCells;
  q.writeBuffer(d.buf.ctl, 0, new Uint32Array(1)); // ctl.step = 0
  let enc = dev.createCommandEncoder();
  for (const [j, s] of kept.entries()) enc.copyBufferToBuffer(d.buf.state, s * sb, saved!, j * sb, sb);
  for (let left = steps; left > 0; ) {
    const chunk = Math.min(left, o.stepsPerSubmit);
    const pass = enc.beginComputePass();
    for (let t = 0; t < chunk; t++) {
      pass.setPipeline(d.pipes.neurons);
      pass.setBindGroup(0, neurons);
      pass.dispatchWorkgroups(c.x, c.y, c.z);
      pass.setPipeline(d.pipes.warmTick);
      pass.setBindGroup(0, tick);
      pass.dispatchWorkgroups(1);
    }
    pass.end();
    q.submit([enc.finish()]);
    enc = dev.createCommandEncoder();
    left -= chunk;
  }
  const pass = enc.beginComputePass();
  pass.setPipeline(d.pipes.warmReset);
  pass.setBindGroup(0, reset);
  pass.dispatchWorkgroups(c.x, c.y, c.z);
  pass.end();
  enc.clearBuffer(d.buf.counts);
  for (const [j, s] of kept.entries()) enc.copyBufferToBuffer(saved!, j * sb, d.buf.state, s * sb, sb);
  q.submit([enc.finish()]);
  q.writeBuffer(d.buf.ctl, 0, o.ctl0);
}
