/** Runs one protocol on a subject's batch and on the reference (each sim alone on CpuEngine), the same way. */
import { type BatchEngine, type EngineOptions, type RecordBatch, type StateSnapshot, sequentialBatch } from '../../src/engines/engine.js';
import type { DrugDoses } from '../../src/model/drugs.js';
import { buildModel, type Model } from '../../src/model/derive.js';
import type { Genotype } from '../../src/model/drugs.js';
import { defaultParams, type Params } from '../../src/model/params.js';
import { reference, type Subject } from './subjects.js';

/** A small tissue: 300 x 240 x 200 µm in 20 µm voxels (15 x 12 x 10); `over`: other parameters. */
export function tissue(nCells: number, seed: number, genotype: Genotype = 'wt', over: Partial<Params> = {}): Model {
  return buildModel(
    { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 200, voxel_um: 20, ...over },
    genotype,
    nCells,
    seed,
  );
}

export function options(model: Model, extra: Partial<EngineOptions> = {}): EngineOptions {
  return { model, doses: {}, c0_nM: 30, rate0_Hz: 1, recordSpikes: true, sampleSteps: 10, ...extra };
}

/** One advance, and what changes before it, per sim (absent or null: nothing). */
export interface Phase {
  steps: number;
  doses?: (DrugDoses | null)[];
  d1A?: (Float32Array | null)[];
}

export interface Run {
  /** batches[sim][phase] */
  batches: RecordBatch[][];
  snaps: StateSnapshot[];
  adapter: string;
  /** The batch's own count of grid steps, where it keeps one (WebGpuBatch.steps). */
  steps?: number;
}

export async function drive(b: BatchEngine, phases: Phase[]): Promise<Run> {
  try {
    const batches: RecordBatch[][] = Array.from({ length: b.nSims }, () => []);
    for (const ph of phases) {
      for (let s = 0; s < b.nSims; s++) {
        const doses = ph.doses?.[s];
        if (doses) b.setDoses(s, doses);
        const d1A = ph.d1A?.[s];
        if (d1A) b.setCellState(s, 'd1A', d1A);
      }
      const records = await b.advance(ph.steps);
      for (let s = 0; s < b.nSims; s++) batches[s].push(records[s]);
    }
    const snaps: StateSnapshot[] = [];
    for (let s = 0; s < b.nSims; s++) snaps.push(await b.snapshot(s));
    return { batches, snaps, adapter: b.info.adapter, steps: (b as { steps?: number }).steps };
  } finally {
    b.dispose();
  }
}

/** The protocol on the subject and on the reference. */
export async function driveBoth(subject: Subject, sims: EngineOptions[], phases: Phase[]): Promise<{ got: Run; want: Run }> {
  const got = await drive(await subject.batch(sims), phases);
  const want = await drive(sequentialBatch(sims.map(reference)), phases);
  return { got, want };
}
