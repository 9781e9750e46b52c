/**
 * A sweep from code, as `raphe sweep` runs it: the sweep file's object validated, the engine chosen
 * for the job, the points run in batches. With `out`, the folder is the CLI's: each point is appended
 * to its journal (points.jsonl) the moment its batch finishes, so a sweep cancelled by its AbortSignal
 * (or killed) is continued with `resume: true`, running only the points not yet journaled.
 */
import { availableParallelism } from 'node:os';
import { memoryBudget } from './memory.js';
import type { ResolvedEngine } from '../engines/create.js';
import { provenance } from '../report/provenance.js';
import { sweepScenarioRecord } from '../sweep/output.js';
import { type RunSweepOptions, runSweep, type SweepRun } from '../sweep/run-sweep.js';
import { parseSweep, type SweepSpec } from '../sweep/spec.js';
import { checkAbort } from './abort.js';
import { jobEngine } from './platform.js';
import type { JobOptions } from './jobs.js';

/** A sweep as a sweep file holds it (schema/sweep.schema.json): `name`, `base`, `axes`, `readout`, ... */
export type SweepFile = Record<string, unknown>;

export interface SweepOptions extends Omit<JobOptions, 'onProgress'> {
  /** The results folder (none: results returned only, nothing written). */
  out?: string;
  /** Run only the points missing from `out`'s journal (the folder must hold this same sweep). */
  resume?: boolean;
  /** Replace earlier results in `out` once the new sweep is complete. */
  force?: boolean;
  /** Keep each point's traces.csv and point.nwb in `out`/points/ID/ (as --traces). */
  traces?: boolean;
  /** Override the base scenario's cells and seed (as --neurons, --seed). */
  neurons?: number;
  seed?: number;
  /** Most points (as --max-points; default the CLI's). */
  maxPoints?: number;
  /** Most points per batch (default: one per thread on the CPU engine, the device's limit on WebGPU). */
  maxBatch?: number;
  /** Fraction of the sweep done (journaled points count as done), points done and points in all. */
  onProgress?: (fraction: number, pointsDone: number, total: number) => void;
  onEstimate?: (done: number, total: number) => void;
  /** One line each: a journal line dropped on resume (its point is run again). */
  onWarning?: (line: string) => void;
}

/** The validated sweep of a sweep file's object (throws a ConfigError naming the field). */
export function sweepSpec(file: SweepFile, o: Pick<SweepOptions, 'neurons' | 'seed' | 'maxPoints'> = {}, where = 'sweep'): SweepSpec {
  return parseSweep(file, where, { neurons: o.neurons, seed: o.seed, maxPoints: o.maxPoints, ...memoryBudget() });
}

/** Run a sweep (see the file comment); rejects with an AbortError when `signal` is aborted. */
export async function sweep(file: SweepFile, o: SweepOptions = {}): Promise<SweepRun> {
  checkAbort(o.signal);
  const where = 'sweep';
  const spec = sweepSpec(file, o, where);
  const identity = { sweep: file, neurons: o.neurons ?? null, seed: o.seed ?? null };
  const threads = o.threads ?? availableParallelism();
  // how the results in `out` were made (provenance.json, scenario.json, in sweep.json and report.html):
  // the command line recorded is the calling program's own (process.argv)
  const startedAt = new Date();
  let engine: ResolvedEngine | undefined;
  const flags = { neurons: o.neurons, seed: o.seed, maxPoints: o.maxPoints, traces: o.traces };
  const sweepProvenance = () => ({
    provenance: provenance({
      engine: engine!.kind,
      adapter: engine!.adapter,
      engineReason: engine!.reason,
      seed: spec.base.seed,
      command: process.argv,
      startedAt,
    }),
    scenario: sweepScenarioRecord('(library: sweep())', file, flags, spec),
    params: spec.base.params,
  });
  const ro: RunSweepOptions = {
    ...(o.out !== undefined ? { out: o.out } : {}),
    resume: o.resume ?? false,
    force: o.force ?? false,
    traces: o.traces ?? false,
    maxBatch: (e) => o.maxBatch ?? (e.kind === 'cpu' ? threads : undefined),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.onEstimate ? { onEstimate: o.onEstimate } : {}),
    ...(o.onWarning ? { warn: o.onWarning } : {}),
    onStart: (e) => {
      engine = e;
    },
    hooks: { provenance: sweepProvenance },
  };
  const run = await runSweep({ spec, identity, where }, (job) => jobEngine({ ...o, threads }, job), ro);
  checkAbort(o.signal);
  return run;
}
