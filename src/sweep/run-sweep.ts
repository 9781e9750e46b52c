/**
 * A sweep from its validated file to its results folder, for the CLI and for code that uses raphe as a
 * library: `runSweep(plan, engine, {out, resume, force, shard})` builds the points (a shard's only),
 * makes every refusal of the --out folder, then resolves the engine (told the job: cells a point and
 * points to run, so `auto` chooses as for every other job), then creates the folder, runs the points
 * not yet in the journal, appending each as it finishes, and writes the results (a shard: its points and
 * shard.json; a whole sweep: table, fits, sweep.json, report). With `traces`, each point's traces.csv
 * and point.nwb are written into points/ID/ as it finishes, before its journal line
 * (src/report/point-files.ts), and the finished folder keeps those of its points.
 */
import type { ResolvedEngine } from '../engines/create.js';
import { ConfigError } from '../model/errors.js';
import { OutputWriteError } from '../report/write.js';
import { loadNwbWriter } from '../report/nwb.js';
import { POINTS_DIR, dropPointFolder, pointsWithFiles, writePointFiles, type PointFilesWriter } from '../report/point-files.js';
import { checkSweepFolder, finishSweepFolder, liveDir, openSweepFolder, type FolderMode, type OpenFolder } from './folder.js';
import { identityLine, type SweepIdentity } from './identity.js';
import { appendMeasure } from './journal.js';

/**
 * Test hook: RAPHE_TEST_PAUSE_POINT=MS blocks MS ms after each point's journal line, so a test can cancel a
 * shard between its points however loaded the machine is.
 */
function pausePoint(): void {
  const ms = Number(process.env.RAPHE_TEST_PAUSE_POINT ?? 0);
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
import { RESULT_FILES, SHARD_FILE, resultFiles, type FileList, type ShardRecord, type SweepHooks, type SweepProvenance } from './output.js';
import { sweepPointsAsync, type SweepPoint } from './points.js';
import { assembleSweep, runSweepPoints, type PointMeasure, type SweepResult } from './run.js';
import { shardOf, type Shard } from './shard.js';
import type { SweepSpec } from './spec.js';

/** A validated sweep and what its folder records (the sweep file as given, --neurons, --seed). */
export interface SweepPlan {
  spec: SweepSpec;
  identity: SweepIdentity;
  /** Names the sweep file in errors. */
  where: string;
}

/** What `auto` weighs: cells a simulation and simulations to run. */
export interface SweepJob {
  cells: number;
  sims: number;
}

export interface RunSweepOptions {
  /** The results folder (none: results returned only). */
  out?: string;
  /** Run only the points missing from `out`'s journal. */
  resume?: boolean;
  /** Replace earlier results in `out` (once the new sweep is complete). */
  force?: boolean;
  /** Run one shard of the points. */
  shard?: Shard;
  /** Keep each point's traces: points/ID/traces.csv and points/ID/point.nwb in `out` (needs `out`). */
  traces?: boolean;
  /** Most points per batch (default: the engine's limit). */
  maxBatch?: number | ((engine: ResolvedEngine) => number | undefined);
  /** Fraction of the sweep done (points from the journal count as done), points done and total. */
  onProgress?: (fraction: number, pointsDone: number, total: number) => void;
  onEstimate?: (done: number, total: number) => void;
  /** Once the engine is known and the folder open, before any point runs. */
  onStart?: (engine: ResolvedEngine) => void;
  /** One line each: a journal line dropped on --resume. */
  warn?: (line: string) => void;
  hooks?: SweepHooks;
}

export interface SweepRun {
  engine: ResolvedEngine;
  /** The points of this run (a shard's, or all). */
  points: SweepPoint[];
  measures: PointMeasure[];
  /** Points run now (the others came from the journal). */
  ranNow: number;
  wallSeconds: number;
  /** Points that ended early. */
  failed: PointMeasure[];
  /** A whole sweep's readouts and fits (not for a shard). */
  result?: SweepResult;
  /** The files written in `out`. */
  files: string[];
}

const descriptionOf = (raw: unknown): string | undefined => {
  const d = typeof raw === 'object' && raw !== null ? (raw as { description?: unknown }).description : undefined;
  return typeof d === 'string' ? d : undefined;
};

/** Run a sweep (see the file comment). `engine`: resolved, or resolved here once the folder checks pass. */
export async function runSweep(
  plan: SweepPlan,
  engine: ResolvedEngine | ((job: SweepJob) => Promise<ResolvedEngine>),
  o: RunSweepOptions = {},
): Promise<SweepRun> {
  const { spec, where } = plan;
  const shard = o.shard;
  const points = await sweepPointsAsync(spec, where, shard ? (id) => shardOf(id, shard.count) === shard.index : undefined);
  const identity = identityLine({ ...plan.identity, ...(shard ? { shard } : {}) });
  const mode: FolderMode = o.resume ? 'resume' : o.force ? 'force' : 'new';
  const checked =
    o.out === undefined
      ? undefined
      : checkSweepFolder(o.out, mode, identity, points, spec.readout, shard ? '--neurons/--seed or --shard' : undefined);
  if (o.traces && o.out === undefined) throw new ConfigError('--traces', "only goes with --out DIR (the points' files are written there)");
  // the NWB writer is loaded before anything is created: a missing library is found first
  const pointWriter: PointFilesWriter | undefined = o.traces ? { nwb: await loadPointNwb(), startedAt: new Date() } : undefined;
  const done = checked?.journal?.done ?? new Map<number, PointMeasure>();
  const eng = typeof engine === 'function' ? await engine({ cells: spec.base.neurons, sims: points.length - done.size }) : engine;
  const folder = checked ? openSweepFolder(checked, o.warn ?? (() => {})) : undefined;
  o.onStart?.(eng);
  const t0 = performance.now();
  // the points whose folder this run wrote (beside them, only the journal's points keep theirs)
  const written = new Set<number>();
  const measures = await runSweepPoints(spec, points, eng, {
    done,
    maxBatch: typeof o.maxBatch === 'function' ? o.maxBatch(eng) : o.maxBatch,
    onEstimate: o.onEstimate,
    onPoint: (m, r, p) => {
      if (!folder) return;
      if (pointWriter && m.complete) {
        writePointFiles(liveDir(folder), p.id, p.scenario, r, pointWriter);
        written.add(p.id);
      } else dropPointFolder(liveDir(folder), p.id); // an earlier try's folder is not this line's
      folder.lines.push(appendMeasure(folder.journalFile, m));
      pausePoint();
    },
    onProgress: (f, k, n) => o.onProgress?.(n ? (done.size + f * (n - done.size)) / n : 1, k, n),
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const failed = measures.filter((p) => !p.complete);
  const run: SweepRun = { engine: eng, points, measures, ranNow: points.length - done.size, wallSeconds, failed, files: [] };
  if (!shard) run.result = assembleSweep(spec, points, measures);
  if (folder) {
    const traced = pointsWithFiles(liveDir(folder), [...done.keys(), ...written]);
    run.files = await writeResults(folder, plan, run, shard, o.hooks ?? {}, traced);
  }
  return run;
}

async function loadPointNwb() {
  try {
    return await loadNwbWriter();
  } catch (e) {
    throw new OutputWriteError(`cannot load the NWB writer (h5wasm) for --traces: ${e instanceof Error ? e.message : e}`);
  }
}

/** The folder's finished files: a shard's record, or a whole sweep's results; the point folders of `traced`. */
async function writeResults(
  folder: OpenFolder,
  plan: SweepPlan,
  run: SweepRun,
  shard: Shard | undefined,
  hooks: SweepHooks,
  traced: ReadonlySet<number>,
): Promise<string[]> {
  const { engine, wallSeconds } = run;
  let files: (p?: SweepProvenance) => FileList;
  if (shard) {
    const record: ShardRecord = {
      sweep: plan.spec.name,
      shard: shard.index,
      shards: shard.count,
      points: run.points.map((p) => p.id),
      complete: run.failed.length === 0,
      engine: engine.kind,
      adapter: engine.adapter,
      wallSeconds,
    };
    files = () => [[SHARD_FILE, JSON.stringify(record, null, 2) + '\n']];
  } else {
    const meta = {
      engine: engine.kind,
      adapter: engine.adapter,
      neurons: plan.spec.base.neurons,
      wallSeconds,
      description: descriptionOf(plan.identity.sweep),
      ...(traced.size ? { traces: traced } : {}),
    };
    files = (p) => resultFiles(run.result!, meta, {}, p);
  }
  await finishSweepFolder(folder, files, hooks, traced);
  const written = shard ? [RESULT_FILES[0], RESULT_FILES[1], SHARD_FILE] : [...RESULT_FILES];
  return traced.size ? [...written, POINTS_DIR] : written;
}
