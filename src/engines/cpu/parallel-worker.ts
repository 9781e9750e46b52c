/**
 * Worker thread of ParallelCpuEngine (bundled as build/node/cpu-worker.mjs). Runs the CPU engine's own
 * WebAssembly kernels: the neurons on chunks of cells, release / uptake and diffusion on its region
 * voxels, against state in one shared memory, with a barrier after each phase of a grid step:
 *   neurons (chunks of cells taken in turn with Atomics.add, so a thread that the OS preempts on a busy
 *   machine holds the others up less; the kernel adds spikes' release quanta to the shared per-voxel counts atomically)
 *   | release field x and y passes (the planes its voxels read, in its own scratch), release + uptake
 *   (own voxels) | diffusion (own voxels, reads the neighbours' voxels), counts zeroed (own box planes) |
 *   [sample step: thread 0 takes the trace sample over the whole state, exactly as CpuEngine does] |
 * One message per batch of grid steps in, one out. Before the first batch of a built start, one warm-up
 * (warm-up.ts): chunks of cells taken in turn, each run over every warm-up step, no barrier (cells are
 * independent while the grid is held).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Geometry } from '../../model/geometry.js';
import { SAMPLE_WORDS } from '../../model/layout.js';
import { writeTraceSample, type MassAccumulator } from './grid.js';
import { barrier, CTL, type AdvanceMsg, type DoneMsg, type WarmUpMsg, type WorkerInit } from './parallel-shared.js';
import { warmUpRange } from './warm-up.js';
import { kernelViews, WasmKernels } from './wasm-kernels.js';

const w = workerData as WorkerInit;
const port = parentPort!;
const { state, vox, spikeSub, grids, rowQuanta, nbrMask, inside } = kernelViews(w.memory, w.layout);
const kernel = new WasmKernels(w.memory, w.layout, w.id);
/** The whole region, for the trace samples thread 0 takes. */
const full: Geometry = { nx: w.nx, ny: w.ny, nz: w.nz, voxel_um: 0, nbrMask, inside, probe: w.probe };
/** The box planes of this thread's first and last region voxels (none: an empty range). */
const zA = w.m1 > w.m0 ? Math.floor(inside[w.m0] / (w.nx * w.ny)) : 0;
const zB = w.m1 > w.m0 ? Math.floor(inside[w.m1 - 1] / (w.nx * w.ny)) : -1;

function run(msg: AdvanceMsg): DoneMsg {
  const { k, firstStep, steps, sampleSteps, recordSpikes } = msg;
  const { ctl, threads, chunk, m0, m1, z0, z1 } = w;
  const n = vox.length;
  const nChunks = Math.ceil(n / chunk);
  const S = k.subSteps;
  let cur = msg.cur;
  const mass: MassAccumulator = { released: 0, uptaken: 0, cleared: 0 };
  let spikeCount = 0;
  const spCells: number[] = [];
  const spSteps: number[] = [];
  const perStep = recordSpikes ? new Uint32Array(steps) : undefined;
  const nSamples = Math.floor((firstStep + steps) / sampleSteps) - Math.floor(firstStep / sampleSteps);
  const samples = new Uint32Array(w.id === 0 ? nSamples * SAMPLE_WORDS : 0);
  let si = 0;
  for (let t = 0; t < steps; t++) {
    const step = firstStep + t;
    let nsp = 0;
    for (;;) {
      const q = Atomics.add(ctl, CTL.next, 1);
      if (q >= nChunks) break;
      const i0 = q * chunk;
      const i1 = Math.min(n, i0 + chunk);
      const sp = kernel.step(k, cur, step, i0, i1);
      if (sp === 0) continue;
      nsp += sp;
      for (let i = i0; i < i1; i++) {
        if (spikeSub[i] !== 255) {
          rowQuanta[Math.floor(vox[i] / w.nx)] = 1;
          if (recordSpikes) {
            spCells.push(i);
            spSteps.push(step * S + spikeSub[i]);
          }
        }
      }
    }
    if (nsp > 0) {
      Atomics.add(ctl, CTL.window, nsp);
      spikeCount += nsp;
      if (perStep) perStep[t] = nsp;
    }
    barrier(ctl, threads);
    // every thread stopped taking chunks before the barrier; the next neuron phase starts after two more
    if (w.id === 0) Atomics.store(ctl, CTL.next, 0);
    // the release field's sums of every plane this thread's voxels read, in its own scratch (planes
    // near a neighbour's range are summed by both: no barrier between the passes and the release)
    kernel.spread(k, Math.max(0, zA - k.fieldR), Math.min(w.nz, zB + 1 + k.fieldR), false);
    kernel.releaseUptake(k, cur, m0, m1, mass);
    barrier(ctl, threads);
    kernel.diffuse(k, cur, m0, m1);
    kernel.clearCounts(k, z0, z1);
    barrier(ctl, threads);
    cur = 1 - cur;
    if ((step + 1) % sampleSteps === 0) {
      if (w.id === 0) {
        writeTraceSample(samples, si * SAMPLE_WORDS, full, grids[cur], state, step + 1, Atomics.exchange(ctl, CTL.window, 0));
        si++;
      }
      barrier(ctl, threads);
    }
  }
  const done: DoneMsg = { type: 'done', id: w.id, spikeCount, ...mass };
  if (perStep) {
    done.spikeCells = Uint32Array.from(spCells);
    done.spikeSteps = Uint32Array.from(spSteps);
    done.perStep = perStep;
  }
  if (w.id === 0) done.samples = samples;
  return done;
}

/** This thread's share of a warm-up: chunks of cells taken in turn until none is left. */
function warmUp(msg: WarmUpMsg): DoneMsg {
  const n = vox.length;
  const nChunks = Math.ceil(n / w.chunk);
  for (;;) {
    const q = Atomics.add(w.ctl, CTL.next, 1);
    if (q >= nChunks) break;
    const i0 = q * w.chunk;
    warmUpRange(kernel, state, msg.k, msg.cur, msg.steps, i0, Math.min(n, i0 + w.chunk));
  }
  return { type: 'done', id: w.id, spikeCount: 0, released: 0, uptaken: 0, cleared: 0 };
}

port.on('message', (msg: AdvanceMsg | WarmUpMsg) => {
  try {
    const done = msg.type === 'warmUp' ? warmUp(msg) : run(msg);
    const transfer = [done.spikeCells?.buffer, done.spikeSteps?.buffer, done.perStep?.buffer, done.samples?.buffer].filter(
      (b): b is ArrayBuffer => !!b,
    );
    port.postMessage(done, transfer);
  } catch (e) {
    port.postMessage({ type: 'error', id: w.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
port.postMessage({ type: 'ready', id: w.id });
