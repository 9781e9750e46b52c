/**
 * Building the tissues' batch engine: one model per tissue (the same cells, seed and grid, each its own
 * genotype and expression levels), each started from its steady-state estimate at its starting doses
 * (cached per condition, so a reset is instant), on the resolved engine; a WebGPU engine that fails to
 * build gives way to the CPU engine, with a notice.
 */
import { isSoftwareAdapter, resolveEngine, type ResolvedEngine } from '../engines/create.js';
import type { BatchEngine, EngineOptions } from '../engines/engine.js';
import { buildModel, type Model } from '../model/derive.js';
import type { DrugDoses } from '../model/drugs.js';
import { EXPRESSION_FIELDS, type ProtocolInfo } from './protocol.js';
import { gridVoxelUm, type Settings } from './settings.js';
import { startDoses, tissueParams, type CheckedTissue } from './tissues.js';

/** A steady state: extracellular 5-HT (nM) and population rate (Hz). */
export interface Estimate {
  c0_nM: number;
  rate_Hz: number;
}

export interface BuildRequest {
  resolved: ResolvedEngine;
  tissues: CheckedTissue[];
  protocol: ProtocolInfo | null;
  settings: Pick<Settings, 'voxelUm' | 'neurons' | 'seed' | 'sampleSteps'>;
  /** Estimates by condition, filled as they are made. */
  estimates: Map<string, Estimate>;
  /** Where to start each tissue instead of an estimate (undefined: estimate it). */
  carry?: (Estimate | undefined)[];
}

export interface Built {
  batch: BatchEngine;
  models: Model[];
  /** Each tissue's starting doses, and that start's name. */
  starts: { doses: DrugDoses; name: string }[];
  est: Estimate[];
  voxelUm: number;
  /** The engine built on (the CPU one after a WebGPU failure). */
  resolved: ResolvedEngine;
  /** Set when the WebGPU engine failed and the CPU engine took over. */
  notice?: string;
}

export async function buildEngine(req: BuildRequest): Promise<Built> {
  const { resolved: r, tissues, settings: s } = req;
  const voxelUm = gridVoxelUm(s.voxelUm, r.kind === 'cpu' || isSoftwareAdapter(r.adapter));
  const models = tissues.map((t) => buildModel(tissueParams(t, voxelUm), t.genotype, s.neurons, s.seed));
  const starts = tissues.map((t) => startDoses(t, req.protocol));
  const keys = tissues.map((t, i) =>
    JSON.stringify([t.genotype, ...EXPRESSION_FIELDS.map((k) => t[k]), s.neurons, s.seed, voxelUm, Object.entries(starts[i].doses).sort()]),
  );
  const est = keys.map((k, i) => req.carry?.[i] ?? req.estimates.get(k));
  const missing = est.flatMap((e, i) => (e ? [] : [i]));
  if (missing.length) {
    // The steady-state estimate the CLI starts from, refined on a patch of the tissue (a fraction of a
    // second of CPU at the demo's sizes, a few at the smallest): the well-mixed one alone misses the 5-HT
    // each cell's own spikes leave in its voxel, which at small N or on the 20 µm grid is most of it,
    // and the baseline then crept up for tens of seconds.
    const got = await r.estimate(missing.map((i) => ({ model: models[i], doses: starts[i].doses })));
    missing.forEach((i, j) => {
      est[i] = got[j];
      req.estimates.set(keys[i], got[j]);
    });
  }
  const opts: EngineOptions[] = models.map((model, i) => ({
    model,
    doses: starts[i].doses,
    c0_nM: est[i]!.c0_nM,
    rate0_Hz: est[i]!.rate_Hz,
    recordSpikes: true,
    sampleSteps: s.sampleSteps,
  }));
  let batch: BatchEngine;
  try {
    batch = await r.createBatch(opts);
  } catch (e) {
    if (r.kind !== 'webgpu') throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const notice = `the WebGPU engine failed (${msg}); running on the CPU engine`;
    return { ...(await buildEngine({ ...req, resolved: await resolveEngine('cpu') })), notice };
  }
  return { batch, models, starts, est: est as Estimate[], voxelUm, resolved: r };
}
