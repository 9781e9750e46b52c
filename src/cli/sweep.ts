/**
 * `raphe sweep FILE|NAME`: a sweep file (or a built-in sweep by name, examples/sweeps/) validated and
 * handed to the library's runSweep (src/sweep/run-sweep.ts: the points, the --out folder and its
 * journal, --resume, --force, --shard I/N); this file parses the flags, shows progress and prints.
 * `--slurm` writes a job array of the shards (src/cli/slurm.ts); `raphe sweep collect DIR` merges the
 * shards (src/cli/sweep-collect.ts). Every refusal comes before anything is built or created.
 */
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import dpat from '../../examples/sweeps/dpat.json';
import resistance from '../../examples/sweeps/resistance.json';
import { refuseUnfit, resolveEngine, type ResolvedEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { ConfigError } from '../model/errors.js';
import { PARAM_SPECS } from '../model/params.js';
import { LIMITS } from '../model/scenario.js';
import { POINT_FILES, POINTS_DIR } from '../report/point-files.js';
import { provenance } from '../report/provenance.js';
import { sweepSummaryLines } from '../report/sweep-table.js';
import { JOURNAL, jsonLine } from '../sweep/journal.js';
import { SHARD_FILE, collectedProvenance, sweepScenarioRecord, type SweepHooks } from '../sweep/output.js';
import { checkAxisValues, pointCount } from '../sweep/points.js';
import { runSweep, type SweepRun } from '../sweep/run-sweep.js';
import { sweepJson } from '../sweep/run.js';
import { parseShard, type Shard } from '../sweep/shard.js';
import { HARD_MAX_POINTS, MAX_POINTS, parseSweep, type SweepSpec } from '../sweep/spec.js';
import { JOB_FLAG_OPTIONS, memoryBudget, parseCli, parseEngine, parseIntOpt, readScenarioJson } from './args.js';
import { RunProgress } from './progress.js';
import { writeSlurm } from './slurm.js';
import { cmdSweepCollect } from './sweep-collect.js';

/** Built-in sweeps, runnable by name (the files in examples/sweeps/, bundled). */
export const BUILTIN_SWEEPS = new Map<string, unknown>([
  ['resistance', resistance],
  ['dpat', dpat],
]);

const SWEEP_OPTIONS = {
  ...JOB_FLAG_OPTIONS,
  resume: { type: 'boolean' },
  traces: { type: 'boolean' },
  'max-points': { type: 'string' },
  'max-batch': { type: 'string' },
  shard: { type: 'string' },
  slurm: { type: 'boolean' },
  shards: { type: 'string' },
  partition: { type: 'string' },
  time: { type: 'string' },
  cpus: { type: 'string' },
  mem: { type: 'string' },
  gpus: { type: 'string' },
  submit: { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseCli<typeof SWEEP_OPTIONS>>['values'];

/** The flags that go together, and those that do not. */
function checkCombinations(v: Flags, positionals: string[]): void {
  if (positionals.length === 0) {
    throw new ConfigError('sweep', `name a sweep file or a built-in sweep (${[...BUILTIN_SWEEPS.keys()].join(', ')}), or: collect DIR`);
  }
  if (positionals.length > 1) throw new ConfigError('sweep', `unexpected argument ${JSON.stringify(positionals[1])}`);
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  if (v.resume && v.out === undefined) throw new ConfigError('--resume', 'only goes with --out DIR (the folder of the sweep to resume)');
  if (v.traces && v.out === undefined) throw new ConfigError('--traces', "only goes with --out DIR (each point's files are written there)");
  if (v.resume && v.force) throw new ConfigError('--resume', 'does not go with --force (--force starts the sweep over)');
  if (!v.slurm) {
    for (const k of ['shards', 'partition', 'time', 'cpus', 'mem', 'gpus', 'submit'] as const)
      if (v[k] !== undefined) throw new ConfigError(`--${k}`, 'only goes with --slurm');
    return;
  }
  if (v.out === undefined)
    throw new ConfigError(
      '--slurm',
      'needs --out DIR: the folder of the job script, its logs and the shards (on a file system the nodes share)',
    );
  if (v.shard !== undefined)
    throw new ConfigError('--shard', 'does not go with --slurm (the job array runs every shard; --shards N sets how many)');
  if (v.resume)
    throw new ConfigError(
      '--resume',
      'does not go with --slurm (each task resumes its own shard; resubmit one with sbatch --array=I DIR/sweep.sbatch)',
    );
}

/** The sweep file's JSON (a file of that name first, else a built-in sweep). */
function loadSweep(arg: string): unknown {
  const builtin = BUILTIN_SWEEPS.get(arg);
  if (builtin !== undefined && !fs.existsSync(arg)) return structuredClone(builtin);
  if (!fs.existsSync(arg)) {
    throw new ConfigError(
      'sweep',
      `no sweep file ${JSON.stringify(arg)} and no built-in sweep of that name; built-in: ${[...BUILTIN_SWEEPS.keys()].join(', ')}`,
    );
  }
  return readScenarioJson(arg);
}

/** The numeric flags, each checked against its range. */
function numericFlags(v: Flags) {
  const threadsGiven = parseIntOpt('--threads', v.threads, 0, 0, 256);
  return {
    neurons: v.neurons === undefined ? undefined : parseIntOpt('--neurons', v.neurons, 0, LIMITS.neurons.min, LIMITS.neurons.max),
    seed: v.seed === undefined ? undefined : parseIntOpt('--seed', v.seed, 0, LIMITS.seed.min, LIMITS.seed.max),
    maxPoints: parseIntOpt('--max-points', v['max-points'], MAX_POINTS, 1, HARD_MAX_POINTS),
    threadsGiven,
    threads: threadsGiven || availableParallelism(),
    // most points per batch: default the device's limit on WebGPU, one per thread on the CPU engine
    maxBatch: v['max-batch'] === undefined ? undefined : parseIntOpt('--max-batch', v['max-batch'], 0, 1, 1e6),
  };
}

/**
 * Refuses a sweep whose tissue the engine cannot hold, before any work or folder: the base, and each
 * value of an axis that shapes the tissue (voxel edge, region, ...) laid over the base on its own.
 */
export function refuseUnfitSweep(engine: ResolvedEngine, spec: SweepSpec): void {
  refuseUnfit(engine, spec.base);
  for (const a of spec.axes) {
    if (a.kind !== 'param' || !a.param || !PARAM_SPECS[a.param].tissue) continue;
    for (const x of a.values)
      if (typeof x === 'number') refuseUnfit(engine, { ...spec.base, params: { ...spec.base.params, [a.param]: x } });
  }
}

export async function cmdSweep(argv: string[], hooks: SweepHooks, command?: readonly string[]): Promise<number> {
  if (argv[0] === 'collect') {
    const startedAt = new Date();
    return cmdSweepCollect(argv.slice(1), { ...hooks, provenance: (made) => collectedProvenance(made!, command, startedAt) });
  }
  const { values: v, positionals } = parseCli(argv, SWEEP_OPTIONS);
  checkCombinations(v, positionals);
  const where = positionals[0];
  const raw = loadSweep(where);
  const n = numericFlags(v);
  const spec = parseSweep(raw, where, { neurons: n.neurons, seed: n.seed, maxPoints: n.maxPoints, ...memoryBudget() });
  const choice = parseEngine(v.engine);
  const shard = v.shard === undefined ? undefined : parseShard('--shard', v.shard, pointCount(spec));
  const identity = { sweep: raw, neurons: n.neurons ?? null, seed: n.seed ?? null };

  if (v.slurm) {
    checkAxisValues(spec, where); // the points themselves are built by each task, its shard's only
    const flags: string[] = [];
    if (v.neurons !== undefined) flags.push('--neurons', String(n.neurons));
    if (v.seed !== undefined) flags.push('--seed', String(n.seed));
    if (v.engine !== undefined) flags.push('--engine', choice);
    if (n.threadsGiven) flags.push('--threads', String(n.threadsGiven));
    if (v['max-points'] !== undefined) flags.push('--max-points', String(n.maxPoints));
    if (n.maxBatch !== undefined) flags.push('--max-batch', String(n.maxBatch));
    if (v.traces) flags.push('--traces');
    const plan = { raw, name: spec.name, points: pointCount(spec), base: identity, flags, threadsFromSlurm: !n.threadsGiven, argv };
    return writeSlurm(v, plan, hooks);
  }

  let bar: RunProgress | undefined;
  const notice = (msg: string) => process.stderr.write(msg + '\n');
  const startedAt = new Date();
  let engine: ResolvedEngine | undefined;
  const resolve = async (job: { cells: number; sims: number }) => {
    const e = await resolveEngine(choice, notice, { cpu: nodeCpuProvider(n.threads), job });
    refuseUnfitSweep(e, spec);
    engine = e;
    return e;
  };
  const record = sweepScenarioRecord(where, raw, v, spec);
  const sweepProvenance = () => {
    const e = engine!;
    const made = { engine: e.kind, adapter: e.adapter, engineReason: e.reason, seed: spec.base.seed, command, startedAt };
    return { provenance: provenance(made), scenario: record, params: spec.base.params };
  };
  const run = await runSweep({ spec, identity, where }, resolve, {
    out: v.out,
    resume: v.resume,
    force: v.force,
    shard,
    traces: !!v.traces,
    maxBatch: (e) => n.maxBatch ?? (e.kind === 'cpu' ? n.threads : undefined),
    warn: notice,
    onStart: (e) => {
      const what = shard ? `shard ${shard.index}/${shard.count} of ${spec.name}` : spec.name;
      bar = new RunProgress(`raphe sweep ${what} (${e.kind}, ${spec.base.neurons} neurons)`);
    },
    onEstimate: (d, t) => bar?.onEstimate(d, t),
    onProgress: (f, k, total) => bar?.update(f, `${k}/${total} points`),
    // a shard's folder is a part: the collected results record how they were made
    hooks: shard ? hooks : { ...hooks, provenance: sweepProvenance },
  });
  bar?.done();
  const how = howRun(run, engine?.reason ?? '');
  if (shard) printShard(v, spec, shard, run, how);
  else printSweep(v, spec, run, how);
  if (run.failed.length) {
    process.stderr.write(`raphe: ${run.failed.length} points ended early: ${run.failed[0].error ?? 'incomplete'}\n`);
    return 1;
  }
  return 0;
}

/** How the sweep ran, as `--json` reports it beside the points (raphe run's engine fields, and the wall time). */
function howRun(run: SweepRun, engineReason: string) {
  return { engine: run.engine.kind, adapter: run.engine.adapter, engineReason, wallSeconds: run.wallSeconds, ranNow: run.ranNow };
}

/** The point folders a --traces run kept, for the `written` line. */
const tracesText = (run: SweepRun) => (run.files.includes(POINTS_DIR) ? `, ${POINTS_DIR}/ID/{${POINT_FILES.join(',')}}` : '');

const engineText = (run: SweepRun) => `${run.engine.kind} (${run.engine.adapter}), ${run.wallSeconds.toFixed(1)} s`;

/** A shard's points only (folds and fits need the reference points of other shards: collect). */
function printShard(v: Flags, spec: SweepSpec, shard: Shard, run: SweepRun, how: ReturnType<typeof howRun>): void {
  if (v.json) {
    process.stdout.write(jsonLine({ sweep: spec.name, shard: shard.index, shards: shard.count, ...how, points: run.measures }) + '\n');
    return;
  }
  const lines = [
    `shard       ${shard.index}/${shard.count} of ${spec.name}: ${run.points.length} of ${pointCount(spec)} points (${run.ranNow} run now), ${engineText(run)}`,
  ];
  if (v.out !== undefined)
    lines.push(`written     ${v.out}/ (${JOURNAL}, ${SHARD_FILE}${tracesText(run)}); merge the shards with raphe sweep collect`);
  process.stdout.write(lines.join('\n') + '\n');
}

function printSweep(v: Flags, spec: SweepSpec, run: SweepRun, how: ReturnType<typeof howRun>): void {
  const result = run.result!;
  if (v.json) {
    process.stdout.write(jsonLine({ ...(sweepJson(result) as Record<string, unknown>), ...how }) + '\n');
    return;
  }
  const lines = sweepSummaryLines(
    result,
    `sweep       ${spec.name}: ${run.points.length} points (${run.ranNow} run now), ${engineText(run)}`,
  );
  if (v.out !== undefined)
    lines.push(`written     ${v.out}/ (table.csv, fits.csv, sweep.json, report.html, points.jsonl${tracesText(run)})`);
  process.stdout.write(lines.join('\n') + '\n');
}
