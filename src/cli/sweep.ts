/**
 * `raphe sweep FILE|NAME`: a sweep file (or a built-in sweep by name, examples/sweeps/) validated, its
 * points run through the one phase loop (WebGPU: as many points per batch as the device allows; CPU: one
 * point per worker thread), each finished point appended at once to points.jsonl in --out, the table,
 * fits and report written at the end by the usual staged replacement. --resume runs only the points
 * missing from points.jsonl and refuses a folder whose sweep file (or --neurons/--seed) has changed.
 * `--shard I/N` runs one shard of the points (src/sweep/shard.ts) into a shard folder; `--slurm` writes
 * a job array of the shards (src/cli/slurm.ts); `raphe sweep collect DIR` merges the shards
 * (src/cli/sweep-collect.ts) through the same writer as a local sweep (writeSweepResults).
 */
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import dpat from '../../examples/sweeps/dpat.json';
import resistance from '../../examples/sweeps/resistance.json';
import { resolveEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { ConfigError } from '../model/errors.js';
import { LIMITS } from '../model/scenario.js';
import { OutputFolder } from '../report/write.js';
import { sweepPoints } from '../sweep/points.js';
import { assembleSweep, runSweepPoints, sweepJson, type PointMeasure } from '../sweep/run.js';
import { checkShardCount, parseShard, shardPoints } from '../sweep/shard.js';
import { MAX_POINTS, parseSweep } from '../sweep/spec.js';
import { JOB_FLAG_OPTIONS, memoryBudget, parseCli, parseEngine, parseIntOpt, readScenarioJson } from './args.js';
import { RunProgress } from './progress.js';
import {
  SLURM_INPUT,
  SLURM_LOGS,
  SLURM_MANIFEST,
  SLURM_SCRIPT,
  SLURM_SHARDS,
  checkClusterDir,
  jobName,
  parseGpus,
  parseMem,
  parsePartition,
  parseTime,
  sbatchScript,
  submit,
} from './slurm.js';
import { cmdSweepCollect } from './sweep-collect.js';
import {
  JOURNAL,
  SHARD_FILE,
  SPEC_FILE,
  identityLine,
  jsonLine,
  readJournal,
  sweepSummaryLines,
  writeFolder,
  writeSweepResults,
  type SweepHooks,
  type SweepIdentity,
} from './sweep-files.js';

/** Built-in sweeps, runnable by name (the files in examples/sweeps/, bundled). */
export const BUILTIN_SWEEPS = new Map<string, unknown>([
  ['resistance', resistance],
  ['dpat', dpat],
]);

/** This checkout's bin/raphe.mjs (the job script runs the raphe it was written from). */
function rapheBin(): string {
  let fromArgv = '';
  try {
    fromArgv = process.argv[1] ? fs.realpathSync(process.argv[1]) : ''; // npx: node_modules/.bin/raphe -> bin/raphe.mjs
  } catch {
    fromArgv = '';
  }
  if (path.basename(fromArgv) === 'raphe.mjs') return fromArgv;
  const here = fileURLToPath(new URL('../../bin/raphe.mjs', import.meta.url));
  if (fs.existsSync(here)) return here;
  throw new ConfigError('--slurm', 'cannot find bin/raphe.mjs of this checkout (run raphe from its checkout)');
}

/** Default number of shards: up to 10, never more than the points. */
const DEFAULT_SHARDS = 10;

export async function cmdSweep(argv: string[], hooks: SweepHooks): Promise<number> {
  if (argv[0] === 'collect') return cmdSweepCollect(argv.slice(1), hooks);
  const { values: v, positionals } = parseCli(argv, {
    ...JOB_FLAG_OPTIONS,
    resume: { type: 'boolean' },
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
  });
  if (positionals.length === 0) {
    throw new ConfigError('sweep', `name a sweep file or a built-in sweep (${[...BUILTIN_SWEEPS.keys()].join(', ')}), or: collect DIR`);
  }
  if (positionals.length > 1) throw new ConfigError('sweep', `unexpected argument ${JSON.stringify(positionals[1])}`);
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  if (v.resume && v.out === undefined) throw new ConfigError('--resume', 'only goes with --out DIR (the folder of the sweep to resume)');
  if (v.resume && v.force) throw new ConfigError('--resume', 'does not go with --force (--force starts the sweep over)');
  if (!v.slurm) {
    for (const k of ['shards', 'partition', 'time', 'cpus', 'mem', 'gpus', 'submit'] as const)
      if (v[k] !== undefined) throw new ConfigError(`--${k}`, 'only goes with --slurm');
  } else {
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
  const arg = positionals[0];
  const builtin = BUILTIN_SWEEPS.get(arg);
  let raw: unknown;
  let where: string;
  if (builtin !== undefined && !fs.existsSync(arg)) {
    raw = structuredClone(builtin);
    where = arg;
  } else {
    if (!fs.existsSync(arg)) {
      throw new ConfigError(
        'sweep',
        `no sweep file ${JSON.stringify(arg)} and no built-in sweep of that name; built-in: ${[...BUILTIN_SWEEPS.keys()].join(', ')}`,
      );
    }
    raw = readScenarioJson(arg);
    where = arg;
  }
  const neurons = v.neurons === undefined ? undefined : parseIntOpt('--neurons', v.neurons, 0, LIMITS.neurons.min, LIMITS.neurons.max);
  const seed = v.seed === undefined ? undefined : parseIntOpt('--seed', v.seed, 0, LIMITS.seed.min, LIMITS.seed.max);
  const maxPoints = parseIntOpt('--max-points', v['max-points'], MAX_POINTS, 1, 1e9);
  const threadsGiven = parseIntOpt('--threads', v.threads, 0, 0, 256);
  const threads = threadsGiven || availableParallelism();
  // most points per batch: default the device's limit on WebGPU, one per thread on the CPU engine
  const maxBatch = v['max-batch'] === undefined ? undefined : parseIntOpt('--max-batch', v['max-batch'], 0, 1, 1e6);
  const spec = parseSweep(raw, where, { neurons, seed, maxPoints, ...memoryBudget() });
  const allPoints = sweepPoints(spec, where);
  const choice = parseEngine(v.engine);
  const shard = v.shard === undefined ? undefined : parseShard('--shard', v.shard, allPoints.length);
  const points = shard ? shardPoints(allPoints, shard) : allPoints;
  const base: SweepIdentity = { sweep: raw, neurons: neurons ?? null, seed: seed ?? null };
  // what a resumed sweep must match: the sweep file and the flags that change its points (and the shard)
  const identity = identityLine({ ...base, ...(shard ? { shard } : {}) });

  if (v.slurm) {
    const flags: string[] = [];
    if (v.neurons !== undefined) flags.push('--neurons', String(neurons));
    if (v.seed !== undefined) flags.push('--seed', String(seed));
    if (v.engine !== undefined) flags.push('--engine', choice);
    if (threadsGiven) flags.push('--threads', String(threadsGiven));
    if (v['max-points'] !== undefined) flags.push('--max-points', String(maxPoints));
    if (maxBatch !== undefined) flags.push('--max-batch', String(maxBatch));
    return writeSlurm(
      v,
      { raw, spec: { name: spec.name }, points: allPoints.length, base, flags, threadsFromSlurm: !threadsGiven, argv },
      hooks,
    );
  }

  let dir: string | undefined;
  let done = new Map<number, PointMeasure>();
  if (v.out !== undefined) {
    dir = path.resolve(v.out);
    if (v.resume) {
      let stored: string;
      try {
        stored = fs.readFileSync(path.join(dir, SPEC_FILE), 'utf8').trim();
      } catch {
        throw new ConfigError('--resume', `${v.out} holds no sweep to resume (no ${SPEC_FILE})`);
      }
      if (stored !== identity) {
        throw new ConfigError(
          '--resume',
          `${v.out} holds another sweep (its sweep file, --neurons/--seed${shard ? ' or --shard' : ''} differ); use a new folder or --force to start over`,
        );
      }
      const byId = new Map(points.map((p) => [p.id, p]));
      done = readJournal(path.join(dir, JOURNAL), (m) => jsonLine(byId.get(m.id)?.axes) === jsonLine(m.axes));
    } else {
      // the usual checks (earlier results refused without --force, files raphe did not write refused)
      OutputFolder.prepare(v.out, !!v.force).release();
      fs.mkdirSync(dir, { recursive: true });
      for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { force: true, recursive: true }); // --force: earlier raphe results
      fs.writeFileSync(path.join(dir, SPEC_FILE), identity + '\n');
      fs.writeFileSync(path.join(dir, JOURNAL), '');
    }
  }

  const engine = await resolveEngine(choice, (msg) => process.stderr.write(msg + '\n'), { cpu: nodeCpuProvider(threads) });
  const t0 = performance.now();
  const what = shard ? `shard ${shard.index}/${shard.count} of ${spec.name}` : spec.name;
  const bar = new RunProgress(`raphe sweep ${what} (${engine.kind}, ${spec.base.neurons} neurons)`);
  const journal = dir ? path.join(dir, JOURNAL) : undefined;
  const measures = await runSweepPoints(spec, points, engine, {
    done,
    maxBatch: maxBatch ?? (engine.kind === 'cpu' ? threads : undefined),
    onEstimate: bar.onEstimate,
    onPoint: (m) => {
      if (journal) fs.appendFileSync(journal, jsonLine(m) + '\n');
    },
    onProgress: (f, k, n) => {
      const before = done.size;
      const frac = n ? (before + f * (n - before)) / n : 1;
      bar.update(frac, `${k}/${n} points`);
    },
  });
  bar.done();
  const wallSeconds = (performance.now() - t0) / 1000;
  const failed = measures.filter((p) => !p.complete);
  const ranNow = points.length - done.size;

  if (shard) {
    // a shard: its points only (folds and fits need the reference points of other shards: collect)
    if (dir) {
      const journalText = fs.readFileSync(path.join(dir, JOURNAL), 'utf8');
      const record = {
        sweep: spec.name,
        shard: shard.index,
        shards: shard.count,
        points: points.map((p) => p.id),
        complete: failed.length === 0,
        engine: engine.kind,
        adapter: engine.adapter,
        wallSeconds,
      };
      await writeFolder(
        v.out!,
        () => [
          [SPEC_FILE, identity + '\n'],
          [JOURNAL, journalText],
          [SHARD_FILE, JSON.stringify(record, null, 2) + '\n'],
        ],
        hooks,
      );
    }
    if (v.json) {
      process.stdout.write(jsonLine({ sweep: spec.name, shard: shard.index, shards: shard.count, points: measures }) + '\n');
    } else {
      const lines = [
        `shard       ${shard.index}/${shard.count} of ${spec.name}: ${points.length} of ${allPoints.length} points (${ranNow} run now), ${engine.kind} (${engine.adapter}), ${wallSeconds.toFixed(1)} s`,
      ];
      if (v.out !== undefined) lines.push(`written     ${v.out}/ (${JOURNAL}, ${SHARD_FILE}); merge the shards with raphe sweep collect`);
      process.stdout.write(lines.join('\n') + '\n');
    }
  } else {
    const result = assembleSweep(spec, points, measures);
    if (dir) {
      const meta = {
        engine: engine.kind,
        adapter: engine.adapter,
        neurons: spec.base.neurons,
        wallSeconds,
        description:
          typeof (raw as { description?: unknown }).description === 'string' ? (raw as { description: string }).description : undefined,
      };
      await writeSweepResults(v.out!, identity, fs.readFileSync(path.join(dir, JOURNAL), 'utf8'), result, meta, hooks);
    }
    if (v.json) {
      process.stdout.write(jsonLine(sweepJson(result)) + '\n');
    } else {
      const lines = sweepSummaryLines(
        result,
        `sweep       ${spec.name}: ${points.length} points (${ranNow} run now), ${engine.kind} (${engine.adapter}), ${wallSeconds.toFixed(1)} s`,
      );
      if (v.out !== undefined) lines.push(`written     ${v.out}/ (table.csv, fits.csv, sweep.json, report.html, points.jsonl)`);
      process.stdout.write(lines.join('\n') + '\n');
    }
  }
  if (failed.length) {
    process.stderr.write(`raphe: ${failed.length} points ended early: ${failed[0].error ?? 'incomplete'}\n`);
    return 1;
  }
  return 0;
}

interface SlurmPlan {
  raw: unknown;
  spec: { name: string };
  points: number;
  base: SweepIdentity;
  flags: string[];
  threadsFromSlurm: boolean;
  argv: string[];
}

/** `--slurm`: the cluster folder (job script, sweep file copy, manifest, logs/, shards/), then sbatch with --submit. */
async function writeSlurm(
  v: {
    out?: string;
    force?: boolean;
    json?: boolean;
    submit?: boolean;
    shards?: string;
    partition?: string;
    time?: string;
    cpus?: string;
    mem?: string;
    gpus?: string;
  },
  plan: SlurmPlan,
  hooks: SweepHooks,
): Promise<number> {
  const shards = v.shards === undefined ? Math.min(DEFAULT_SHARDS, plan.points) : parseIntOpt('--shards', v.shards, 0, 1, 1e9);
  checkShardCount('--shards', shards, plan.points);
  const res = {
    partition: v.partition === undefined ? undefined : parsePartition(v.partition),
    time: v.time === undefined ? undefined : parseTime(v.time),
    cpus: v.cpus === undefined ? undefined : parseIntOpt('--cpus', v.cpus, 1, 1, 4096),
    mem: v.mem === undefined ? undefined : parseMem(v.mem),
    gpus: v.gpus === undefined ? undefined : parseGpus(v.gpus),
  };
  const dir = path.resolve(v.out!);
  checkClusterDir(v.out!, dir);
  const bin = rapheBin();
  // refusals (earlier results without --force, files raphe did not write) before anything is written
  OutputFolder.prepare(v.out!, !!v.force).release();
  const script = path.join(dir, SLURM_SCRIPT);
  const manifest = {
    ...plan.base,
    name: plan.spec.name,
    points: plan.points,
    shards,
    jobName: jobName(plan.spec.name, dir),
    script,
    node: process.execPath,
    bin,
    flags: plan.flags,
    ...res,
    jobIds: [] as string[],
  };
  const text = sbatchScript({
    dir,
    sweep: plan.spec.name,
    points: plan.points,
    shards,
    node: process.execPath,
    bin,
    flags: plan.flags,
    threadsFromSlurm: plan.threadsFromSlurm,
    writtenBy: `raphe sweep ${plan.argv.join(' ')}`,
    ...res,
  });
  await writeFolder(
    v.out!,
    () => [
      [SLURM_SCRIPT, text],
      [SLURM_INPUT, JSON.stringify(plan.raw, null, 2) + '\n'],
      [SLURM_MANIFEST, JSON.stringify(manifest, null, 2) + '\n'],
    ],
    hooks,
  );
  fs.chmodSync(script, 0o755);
  fs.mkdirSync(path.join(dir, SLURM_LOGS));
  fs.mkdirSync(path.join(dir, SLURM_SHARDS));
  let jobId: string | null = null;
  if (v.submit) {
    jobId = submit(script); // no sbatch, or sbatch refused: SlurmError (exit 1), the script stays written
    manifest.jobIds.push(jobId);
    const tmp = path.join(dir, `.${SLURM_MANIFEST}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
    fs.renameSync(tmp, path.join(dir, SLURM_MANIFEST));
  }
  if (v.json) {
    process.stdout.write(JSON.stringify({ jobId, shards, script }) + '\n');
  } else {
    const lines = [`slurm       ${plan.spec.name}: ${plan.points} points in ${shards} shards (array 0-${shards - 1}): ${script}`];
    if (jobId !== null) lines.push(`submitted   job ${jobId}`);
    else lines.push(`submit      sbatch ${script}`);
    lines.push(`then        raphe sweep collect ${v.out} --wait`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}
