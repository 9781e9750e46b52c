/**
 * A sweep in the browser build: the sweep file's object validated and its points run in batches as in
 * Node, with nothing written (no folder, no journal). Resuming is the caller's: `onPoint` gives each
 * point's measure as its batch finishes, and a later call given those measures as `done` runs only the
 * other points (examples/library/browser.html cancels a sweep by its AbortSignal and resumes it so).
 */
import type { SweepRun } from '../sweep/run-sweep.js';
import { sweepPointsAsync } from '../sweep/points.js';
import { assembleSweep, runSweepPoints, type PointMeasure } from '../sweep/run.js';
import { parseSweep, type SweepSpec } from '../sweep/spec.js';
import { ConfigError } from '../model/errors.js';
import { checkAbort } from './abort.js';
import { jobEngine, platform } from './platform.js';
import type { SweepFile, SweepOptions } from './sweep.js';

export type { SweepFile } from './sweep.js';

export interface BrowserSweepOptions extends Omit<SweepOptions, 'out' | 'resume' | 'force' | 'traces' | 'onWarning'> {
  /** Points measured by an earlier call of this same sweep (its `onPoint`s): not run again. */
  done?: readonly PointMeasure[];
  /** Each point's measure as its batch finishes (keep them to resume a cancelled sweep with `done`). */
  onPoint?: (m: PointMeasure) => void;
}

/** The validated sweep of a sweep file's object (throws a ConfigError naming the field). */
export function sweepSpec(file: SweepFile, o: Pick<SweepOptions, 'neurons' | 'seed' | 'maxPoints'> = {}, where = 'sweep'): SweepSpec {
  return parseSweep(file, where, { neurons: o.neurons, seed: o.seed, maxPoints: o.maxPoints, ...platform().memoryBudget() });
}

/** Run a sweep (see the file comment); rejects with an AbortError when `signal` is aborted. */
export async function sweep(file: SweepFile, o: BrowserSweepOptions = {}): Promise<SweepRun> {
  checkAbort(o.signal);
  for (const k of ['out', 'resume', 'force', 'traces'])
    if ((o as Record<string, unknown>)[k] !== undefined)
      throw new ConfigError(k, 'writes a results folder: the browser build of raphe has none (resume with `done` instead)');
  const spec = sweepSpec(file, o);
  const points = await sweepPointsAsync(spec, 'sweep');
  const ids = new Set(points.map((p) => p.id));
  const done = new Map<number, PointMeasure>();
  for (const m of o.done ?? []) {
    if (!ids.has(m.id)) throw new ConfigError('done', `point ${m.id} is not a point of this sweep`);
    if (m.complete) done.set(m.id, m);
  }
  const engine = await jobEngine(o, { cells: spec.base.neurons, sims: points.length - done.size });
  const t0 = performance.now();
  const measures = await runSweepPoints(spec, points, engine, {
    done,
    ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
    onEstimate: o.onEstimate,
    onPoint: (m) => o.onPoint?.(m),
    onProgress: (f, k, n) => o.onProgress?.(n ? (done.size + f * (n - done.size)) / n : 1, k, n),
  });
  checkAbort(o.signal);
  const failed = measures.filter((p) => !p.complete);
  return {
    engine,
    points,
    measures,
    ranNow: points.length - done.size,
    wallSeconds: (performance.now() - t0) / 1000,
    failed,
    result: assembleSweep(spec, points, measures),
    files: [],
  };
}
