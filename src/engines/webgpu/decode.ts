/**
 * Decoding of what a WebGPU batch reads back: bytes in, results out. Pure functions, no GPU objects,
 * so that they can be tested on hand-made arrays (tests/webgpu-decode.test.ts). The layouts are the
 * batch layout of batch.ts: reduction partials one vec4 (region, probe, s1A, s2B) per reduce thread
 * at sim * nPart + thread; mass accumulators 8 floats per release thread at sim * relThreads + thread
 * (released, its compensation, uptaken, its compensation, cleared, its compensation, 2 unused); the
 * control block's per-sim counters (wgsl-header.ts, CTL); trace samples interleaved (sample j of sim
 * s at j * K + s); spike records (global cell, fine step) pairs in device order.
 */
import { decodeSamples, SAMPLE_WORDS, unpackState } from '../../model/layout.js';
import type { MassBatch, RecordBatch, StateSnapshot } from '../engine.js';
import { CTL } from './wgsl-header.js';

/** Per sim: the float64 sum of its `nPart` partials' region component. */
export function gridTotals(partials: ArrayBuffer, nSims: number, nPart: number): number[] {
  const f = new Float32Array(partials);
  return Array.from({ length: nSims }, (_, s) => {
    let t = 0;
    for (let p = 0; p < nPart; p++) t += f[4 * (s * nPart + p)];
    return t;
  });
}

/** Sim `sim`'s mass balance: its release threads' accumulators summed in float64, thread by thread. */
export function massOf(acc: Float32Array, sim: number, relThreads: number, gridStart: number, gridEnd: number): MassBatch {
  let released = 0;
  let uptaken = 0;
  let cleared = 0;
  for (let w = sim * relThreads; w < (sim + 1) * relThreads; w++) {
    const b = 8 * w;
    released += acc[b] - acc[b + 1];
    uptaken += acc[b + 2] - acc[b + 3];
    cleared += acc[b + 4] - acc[b + 5];
  }
  return { released, uptaken, cleared, gridStart, gridEnd };
}

/**
 * The drained (global cell, fine step) pairs split per sim (global cell = sim * nCells + cell), each
 * in the CPU engine's order: grid step, then cell, then sub-step.
 */
export function splitSpikes(
  parts: Uint32Array[],
  nCells: number,
  subSteps: number,
  nSims: number,
): { cells: Uint32Array; steps: Uint32Array }[] {
  const S = subSteps;
  const n = nCells;
  const K = nSims;
  const counts = new Array<number>(K).fill(0);
  for (const p of parts) for (let i = 0; i < p.length; i += 2) counts[Math.floor(p[i] / n)]++;
  const keys = counts.map((c) => new Float64Array(c));
  const fill = new Array<number>(K).fill(0);
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) {
      const s = Math.floor(p[i] / n);
      const cell = p[i] - s * n;
      const fine = p[i + 1];
      const gs = Math.floor(fine / S);
      keys[s][fill[s]++] = (gs * n + cell) * S + (fine - gs * S);
    }
  }
  return keys.map((k) => {
    k.sort();
    const cells = new Uint32Array(k.length);
    const steps = new Uint32Array(k.length);
    for (let i = 0; i < k.length; i++) {
      const key = k[i];
      const sub = key % S;
      const rest = (key - sub) / S;
      const cell = rest % n;
      const gs = (rest - cell) / n;
      cells[i] = cell;
      steps[i] = gs * S + sub;
    }
    return { cells, steps };
  });
}

/** What the end of one advance read back, and the shape to read it with. */
export interface AdvanceReadback {
  nSims: number;
  nCells: number;
  subSteps: number;
  relThreads: number;
  nPart: number;
  firstStep: number;
  steps: number;
  /** Trace samples each sim should have written. */
  nSamples: number;
  /** The host's grid step after the advance (the device's must agree). */
  hostStep: number;
  /** The control block. */
  ctl: ArrayBuffer;
  /** Reduction partials before and after the advance. */
  partialsStart: ArrayBuffer;
  partialsEnd: ArrayBuffer;
  samples: ArrayBuffer;
  mass: ArrayBuffer;
  /** The drained spike records, or null when spikes are not recorded. */
  spikeParts: Uint32Array[] | null;
}

/** One RecordBatch per sim, in sim order; throws when the device's step or sample counts disagree. */
export function decodeBatches(r: AdvanceReadback): RecordBatch[] {
  const K = r.nSims;
  const ctl = new Uint32Array(r.ctl);
  if (ctl[CTL.step / 4] !== r.hostStep) {
    throw new Error(`webgpu: device step ${ctl[CTL.step / 4]} != host step ${r.hostStep} (device lost or kernel failure?)`);
  }
  const simCtl = (s: number, field: number) => ctl[(CTL.sim + s * CTL.simBytes + field) / 4];
  const g0 = gridTotals(r.partialsStart, K, r.nPart);
  const g1 = gridTotals(r.partialsEnd, K, r.nPart);
  const su = new Uint32Array(r.samples);
  const mf = new Float32Array(r.mass);
  const spikes = r.spikeParts ? splitSpikes(r.spikeParts, r.nCells, r.subSteps, K) : null;
  const out: RecordBatch[] = [];
  for (let s = 0; s < K; s++) {
    const written = simCtl(s, CTL.sampleIdx);
    if (written !== r.nSamples) {
      throw new Error(`webgpu: ${written} trace samples written${K > 1 ? ` for sim ${s}` : ''}, expected ${r.nSamples}`);
    }
    const samples = decodeSamples(su, r.nSamples, s * SAMPLE_WORDS, K * SAMPLE_WORDS);
    const mass = massOf(mf, s, r.relThreads, g0[s], g1[s]);
    const batch: RecordBatch = { firstStep: r.firstStep, steps: r.steps, spikeCount: simCtl(s, CTL.batchSpikes), samples, mass };
    if (spikes) batch.spikes = spikes[s];
    out.push(batch);
  }
  return out;
}

/** A snapshot from one sim's state block (STATE_WORDS x nCells words) and its grid (nBox floats). */
export function decodeSnapshot(step: number, state: ArrayBuffer, grid: ArrayBuffer, nCells: number, nBox: number): StateSnapshot {
  return { step, ...unpackState(state, nCells), grid: new Float32Array(grid.slice(0, 4 * nBox)) };
}
