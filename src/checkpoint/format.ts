/**
 * A checkpoint of a batch of runs (docs/cli.md, "Checkpoints"): where the runs stand (phase, grid steps
 * into it), each simulation's engine state and what it has recorded so far, as a small JSON header
 * (checkpoint.json) and binary files it names, each with its length in bytes and its SHA-256:
 *   g<G>-s<S>-state.bin    sim S's state: each STATE_FIELDS array (nCells words, its type), then the grid (nBox f32)
 *   g<G>-s<S>-samples.bin  its trace samples so far: each SAMPLE_FIELDS array (all samples, its type)
 *   g<G>-s<S>-spikes.bin   its spikes so far: the cells, then the fine steps (u32); absent when not recorded
 * All words little endian; G is the checkpoint's generation (store.ts). Each record batch's counts and
 * mass sums are in the header (JSON numbers: a float64 reads back exactly), so the batches, and every
 * sum over them, are the same after a resume as without a stop.
 */
import { createHash } from 'node:crypto';
import type { RecordBatch, StateSnapshot } from '../engines/engine.js';
import { SAMPLE_FIELDS, STATE_FIELDS, emptySamples } from '../model/layout.js';

export const CHECKPOINT_FORMAT = 'raphe-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** One simulation of the batch: its start and everything it has run and recorded so far. */
export interface SimProgress {
  /** The steady-state estimate it started from (summary's c0 and rate0). */
  est: { c0_nM: number; rate_Hz: number };
  /** Seconds its estimate took (part of its wall time). */
  estSeconds: number;
  state: StateSnapshot;
  /** Its record batches, in order, one per chunk run. */
  records: RecordBatch[];
}

/** Where a batch of runs stands: what a checkpoint holds and a resume starts from. */
export interface BatchProgress {
  /** The phase being run (index) and the grid steps of it run so far. */
  phase: number;
  stepInPhase: number;
  /** Wall seconds of the runs so far (the estimates apart). */
  wallSeconds: number;
  sims: SimProgress[];
}

export interface Checkpoint {
  /** SHA-256 (hex) of the resolved scenarios: a resume refuses any other. */
  scenarioHash: string;
  /** What the caller keeps with it, as JSON (the CLI: the scenario as given, the start time). */
  meta: unknown;
  progress: BatchProgress;
}

/** A file of a checkpoint as the header names it. */
export interface FileEntry {
  name: string;
  bytes: number;
  sha256: string;
}

export interface BatchHeader {
  firstStep: number;
  steps: number;
  spikeCount: number;
  samples: number;
  /** Spikes recorded in the batch (null: spikes not recorded). */
  spikes: number | null;
  mass: RecordBatch['mass'];
}

export interface SimHeader {
  est: SimProgress['est'];
  estSeconds: number;
  step: number;
  windowSpikes: number;
  nCells: number;
  nBox: number;
  batches: BatchHeader[];
  files: { state: FileEntry; samples: FileEntry; spikes: FileEntry | null };
}

/** checkpoint.json. */
export interface Header {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  generation: number;
  scenarioHash: string;
  meta: unknown;
  phase: number;
  stepInPhase: number;
  wallSeconds: number;
  sims: SimHeader[];
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Bytes of typed arrays one after another (little endian: the platforms raphe runs on). */
function concatBytes(arrays: ArrayBufferView[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((a, x) => a + x.byteLength, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  return out;
}

function joined<T extends Float32Array | Uint32Array>(parts: T[], Ctor: new (n: number) => T): T {
  const out = new Ctor(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The header and the files (name -> bytes) of generation `generation` of a checkpoint. */
export function encodeCheckpoint(c: Checkpoint, generation: number): { header: Header; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const entry = (name: string, bytes: Uint8Array): FileEntry => {
    files.set(name, bytes);
    return { name, bytes: bytes.byteLength, sha256: sha256(bytes) };
  };
  const p = c.progress;
  const sims = p.sims.map((sim, s): SimHeader => {
    const st = sim.state;
    const base = `g${generation}-s${s}-`;
    const recorded = sim.records.every((r) => r.spikes);
    const samples = SAMPLE_FIELDS.map((f) =>
      joined(
        sim.records.map((r) => r.samples[f.name]),
        (f.type === 'u32' ? Uint32Array : Float32Array) as new (
          n: number,
        ) => Float32Array | Uint32Array,
      ),
    );
    const spikes = recorded
      ? entry(`${base}spikes.bin`, concatBytes([...sim.records.map((r) => r.spikes!.cells), ...sim.records.map((r) => r.spikes!.steps)]))
      : null;
    return {
      est: { c0_nM: sim.est.c0_nM, rate_Hz: sim.est.rate_Hz },
      estSeconds: sim.estSeconds,
      step: st.step,
      windowSpikes: st.windowSpikes ?? 0,
      nCells: st.V.length,
      nBox: st.grid.length,
      batches: sim.records.map((r) => ({
        firstStep: r.firstStep,
        steps: r.steps,
        spikeCount: r.spikeCount,
        samples: r.samples.step.length,
        spikes: recorded ? r.spikes!.cells.length : null,
        mass: { ...r.mass },
      })),
      files: {
        state: entry(`${base}state.bin`, concatBytes([...STATE_FIELDS.map((f) => st[f.name]), st.grid])),
        samples: entry(`${base}samples.bin`, concatBytes(samples)),
        spikes,
      },
    };
  });
  const header: Header = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    generation,
    scenarioHash: c.scenarioHash,
    meta: c.meta,
    phase: p.phase,
    stepInPhase: p.stepInPhase,
    wallSeconds: p.wallSeconds,
    sims,
  };
  return { header, files };
}

/** Words of `bytes` from byte `at` as a fresh array (a copy: aligned, and not shared with the file's buffer). */
function words(bytes: Uint8Array, at: number, n: number, u32: boolean): Float32Array | Uint32Array {
  const copy = new Uint8Array(4 * n);
  copy.set(bytes.subarray(at, at + 4 * n));
  return u32 ? new Uint32Array(copy.buffer) : new Float32Array(copy.buffer);
}

/** One sim's state and record batches from its (checked: validate.ts) header and files. */
export function decodeSim(h: SimHeader, state: Uint8Array, samples: Uint8Array, spikes: Uint8Array | null): SimProgress {
  const n = h.nCells;
  const st = Object.fromEntries(STATE_FIELDS.map((f, i) => [f.name, words(state, 4 * n * i, n, f.type === 'u32')]));
  const grid = words(state, 4 * n * STATE_FIELDS.length, h.nBox, false) as Float32Array;
  const snap = { ...st, grid, step: h.step, windowSpikes: h.windowSpikes } as StateSnapshot;
  const total = h.batches.reduce((a, b) => a + b.samples, 0);
  const all = SAMPLE_FIELDS.map((f, i) => words(samples, 4 * total * i, total, f.type === 'u32'));
  const nSpikes = h.batches.reduce((a, b) => a + (b.spikes ?? 0), 0);
  let so = 0;
  let po = 0;
  const records = h.batches.map((b): RecordBatch => {
    const smp = emptySamples(b.samples);
    SAMPLE_FIELDS.forEach((f, i) => {
      smp[f.name].set(all[i].subarray(so, so + b.samples));
    });
    so += b.samples;
    const r: RecordBatch = { firstStep: b.firstStep, steps: b.steps, spikeCount: b.spikeCount, samples: smp, mass: { ...b.mass } };
    if (spikes && b.spikes !== null) {
      r.spikes = {
        cells: words(spikes, 4 * po, b.spikes, true) as Uint32Array,
        steps: words(spikes, 4 * (nSpikes + po), b.spikes, true) as Uint32Array,
      };
      po += b.spikes;
    }
    return r;
  });
  return { est: { ...h.est }, estSeconds: h.estSeconds, state: snap, records };
}
