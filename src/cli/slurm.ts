/**
 * A sweep on a SLURM cluster: the job script of `raphe sweep --slurm` (a job array, one task a shard,
 * each task `raphe sweep FILE --shard $SLURM_ARRAY_TASK_ID/N --out DIR/shards/$SLURM_ARRAY_TASK_ID` with
 * the node and the raphe this script was written from), its submission with sbatch, and the wait of
 * `raphe sweep collect --wait` on squeue (and sacct where the cluster keeps accounts). raphe schedules
 * nothing itself: SLURM runs the shards.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../model/errors.js';
import { OutputFolder } from '../report/write.js';
import { writeFolder, type SweepHooks } from '../sweep/output.js';
import { checkShardCount } from '../sweep/shard.js';
import type { SweepIdentity } from '../sweep/identity.js';
import { parseIntOpt } from './args.js';

/** The cluster folder's files (besides the collected results/ and each shard's folder). */
export const SLURM_SCRIPT = 'sweep.sbatch';
export const SLURM_MANIFEST = 'slurm.json';
export const SLURM_INPUT = 'sweep-input.json';
export const SLURM_LOGS = 'logs';
export const SLURM_SHARDS = 'shards';
export const SLURM_RESULTS = 'results';

export interface SlurmResources {
  partition?: string;
  time?: string;
  cpus?: number;
  mem?: string;
  gpus?: string;
}

/** --partition: a partition name, or a comma-separated list of them (SLURM takes the first that fits). */
export function parsePartition(v: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}(,[A-Za-z0-9_.-]{1,64}){0,15}$/.test(v))
    throw new ConfigError(
      '--partition',
      `must be a partition name (letters, digits, "_", ".", "-"; a comma-separated list for several), got ${JSON.stringify(v)}`,
    );
  return v;
}

/** --time: a wall-clock limit per task, [D-]HH:MM:SS (minutes and seconds below 60). */
export function parseTime(v: string): string {
  const m = /^(?:(\d{1,3})-)?(\d{1,3}):(\d{2}):(\d{2})$/.exec(v);
  if (
    !m ||
    Number(m[3]) > 59 ||
    Number(m[4]) > 59 ||
    (m[1] === undefined ? 0 : Number(m[1])) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]) === 0
  )
    throw new ConfigError(
      '--time',
      `must be a time limit per task HH:MM:SS or D-HH:MM:SS above zero (e.g. 02:00:00), got ${JSON.stringify(v)}`,
    );
  return v;
}

/** --mem: memory per node, a whole number with an optional unit K, M, G or T (SLURM's default unit: M). */
export function parseMem(v: string): string {
  if (!/^[1-9]\d{0,9}[KMGT]?$/.test(v))
    throw new ConfigError('--mem', `must be a whole amount with an optional unit K, M, G or T (e.g. 8G), got ${JSON.stringify(v)}`);
  return v;
}

/** --gpus: GPUs per task, a count or TYPE:COUNT (e.g. 1 or a100:1). */
export function parseGpus(v: string): string {
  const m = /^(?:([A-Za-z0-9_.-]{1,64}):)?(\d{1,3})$/.exec(v);
  if (!m || Number(m[2]) < 1)
    throw new ConfigError('--gpus', `must be a GPU count of at least 1, or TYPE:COUNT (e.g. 1 or a100:1), got ${JSON.stringify(v)}`);
  return v;
}

/** A cluster folder's path goes into #SBATCH lines, which take no quoting: plain characters only. */
export function checkClusterDir(given: string, abs: string): void {
  if (!/^[A-Za-z0-9._/+@:,=~-]+$/.test(abs))
    throw new ConfigError(
      `--out ${given}`,
      'a SLURM job folder must have a path of letters, digits and . _ / + @ : , = ~ - only (no spaces, quotes or %)',
    );
}

/** A job name unique to the folder, so collect --wait finds every task of it (resubmitted ones too). */
export function jobName(sweep: string, dir: string): string {
  return `raphe-${sweep.slice(0, 40)}-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}`;
}

/** Single-quoted for the shell. */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface ScriptOptions extends SlurmResources {
  dir: string;
  sweep: string;
  points: number;
  shards: number;
  node: string;
  bin: string;
  /** Extra flags for every task (--neurons, --seed, --engine, --threads, ...). */
  flags: string[];
  /** The command that wrote the script (a comment). */
  writtenBy: string;
  /** Pass --threads $SLURM_CPUS_PER_TASK (the user gave no --threads). */
  threadsFromSlurm: boolean;
}

/** The job script: a SLURM job array, task I running shard I of N. */
export function sbatchScript(o: ScriptOptions): string {
  const d = o.dir;
  const sb = [
    `#SBATCH --job-name=${jobName(o.sweep, d)}`,
    `#SBATCH --array=0-${o.shards - 1}`,
    `#SBATCH --output=${d}/${SLURM_LOGS}/%A_%a.log`,
    `#SBATCH --open-mode=append`,
  ];
  if (o.partition !== undefined) sb.push(`#SBATCH --partition=${o.partition}`);
  if (o.time !== undefined) sb.push(`#SBATCH --time=${o.time}`);
  if (o.cpus !== undefined) sb.push(`#SBATCH --cpus-per-task=${o.cpus}`);
  if (o.mem !== undefined) sb.push(`#SBATCH --mem=${o.mem}`);
  if (o.gpus !== undefined) sb.push(`#SBATCH --gpus=${o.gpus}`);
  const flags = [...o.flags.map(shq), ...(o.threadsFromSlurm ? ['--threads', '"$' + '{SLURM_CPUS_PER_TASK:-0}"'] : [])];
  return `#!/bin/bash
# raphe sweep ${o.sweep} as a SLURM job array: ${o.points} points in ${o.shards} shards, task I runs shard I.
# Written by: ${o.writtenBy.replace(/\n/g, ' ')}
# Submit:     sbatch ${d}/${SLURM_SCRIPT}
# One shard again (an interrupted one resumes its points): sbatch --array=I ${d}/${SLURM_SCRIPT}
# Then:       raphe sweep collect ${d} [--wait]
${sb.join('\n')}
set -euo pipefail
shards=${o.shards}
task="\${SLURM_ARRAY_TASK_ID:?run this script with sbatch: it is a job array}"
out=${shq(`${d}/${SLURM_SHARDS}`)}/"$task"
resume=""
# a shard that was interrupted (a killed or timed-out task) resumes with the points it has
if [ -f "$out/sweep-file.json" ]; then resume="--resume"; fi
echo "raphe: shard $task/$shards of ${o.sweep} on $(hostname) (job \${SLURM_ARRAY_JOB_ID:-?}_$task)\${resume:+, resumed}"
exec ${shq(o.node)} ${shq(o.bin)} sweep ${shq(`${d}/${SLURM_INPUT}`)} --shard "$task/$shards" --out "$out" $resume ${flags.join(' ')}
`;
}

/** A program on the PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** An environment failure of the cluster's tools (no sbatch, sbatch refused): one line, exit 1. */
export class SlurmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

/** `sbatch --parsable SCRIPT [extra]`: the job id. */
export function submit(script: string, extra: string[] = []): string {
  if (!onPath('sbatch'))
    throw new SlurmError(
      `--submit: no sbatch on the PATH; the job script is written: ${script} (submit it with sbatch where SLURM is installed)`,
    );
  const r = spawnSync('sbatch', ['--parsable', ...extra, script], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new SlurmError(`sbatch could not run: ${r.error.message}`);
  const id = (r.stdout ?? '').trim().split(';')[0];
  if (r.status !== 0 || !/^\d+$/.test(id)) {
    const why = ((r.stderr ?? '') + (r.stdout ?? '')).trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
    throw new SlurmError(`sbatch refused ${script}: ${why}`);
  }
  return id;
}

export interface TaskState {
  /** e.g. 12_1, or 12_[2-3] for pending tasks not yet split. */
  id: string;
  state: string;
}

/** The tasks of a job name in squeue (states: all, while the controller remembers them). */
function squeue(name: string, all: boolean): TaskState[] {
  const r = spawnSync('squeue', ['-h', '--me', `--name=${name}`, ...(all ? ['-t', 'all'] : []), '-o', '%i %T'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? ((r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}`);
    throw new SlurmError(`collect --wait: squeue failed: ${why}`);
  }
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [id, state] = l.split(/\s+/);
      return { id, state: state ?? '?' };
    });
}

/** The end states of a job name's tasks: from sacct where accounting is kept, else what squeue still remembers. */
function endStates(name: string): TaskState[] {
  if (onPath('sacct')) {
    const r = spawnSync('sacct', ['-n', '-P', '-X', `--name=${name}`, '-o', 'JobID,State'], { encoding: 'utf8', timeout: 60_000 });
    if (!r.error && r.status === 0 && r.stdout.trim()) {
      return r.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [id, state] = l.split('|');
          return { id, state: (state ?? '?').split(' ')[0] };
        });
    }
  }
  try {
    return squeue(name, true);
  } catch {
    return [];
  }
}

/**
 * Poll squeue until no task of the job name is pending or running (intervals 1, 2, 4, ... s up to
 * $RAPHE_SLURM_POLL_S, default 30). Returns the tasks that ended in another state than COMPLETED.
 */
export async function waitForJob(name: string, onPoll: (active: TaskState[]) => void): Promise<TaskState[]> {
  if (!onPath('squeue'))
    throw new SlurmError('collect --wait: no squeue on the PATH (run collect where SLURM is installed, or without --wait)');
  const envCap = Number(process.env.RAPHE_SLURM_POLL_S);
  const cap = Number.isFinite(envCap) && envCap > 0 ? envCap : 30;
  let delay = Math.min(1, cap);
  for (;;) {
    const active = squeue(name, false);
    onPoll(active);
    if (active.length === 0) break;
    await new Promise((r) => setTimeout(r, delay * 1000));
    delay = Math.min(cap, delay * 2);
  }
  return endStates(name).filter((t) => t.state !== 'COMPLETED');
}

/** The tasks of the job name still pending or running (collect without --wait says so); [] without squeue. */
export function activeTasks(name: string): TaskState[] {
  if (!onPath('squeue')) return [];
  try {
    return squeue(name, false);
  } catch {
    return [];
  }
}

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

/** The flags of `raphe sweep --slurm` this file reads. */
export interface SlurmFlags {
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
}

/** A sweep to run as a job array: counted, never built (each task builds its own shard's points). */
export interface SlurmPlan {
  raw: unknown;
  name: string;
  points: number;
  base: SweepIdentity;
  /** Extra flags for every task. */
  flags: string[];
  threadsFromSlurm: boolean;
  argv: string[];
}

/** `--slurm`: the cluster folder (job script, sweep file copy, manifest, logs/, shards/), then sbatch with --submit. */
export async function writeSlurm(v: SlurmFlags, plan: SlurmPlan, hooks: SweepHooks): Promise<number> {
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
  const target = OutputFolder.prepare(v.out!, !!v.force);
  const script = path.join(dir, SLURM_SCRIPT);
  const manifest = {
    ...plan.base,
    name: plan.name,
    points: plan.points,
    shards,
    jobName: jobName(plan.name, dir),
    script,
    node: process.execPath,
    bin,
    flags: plan.flags,
    ...res,
    jobIds: [] as string[],
  };
  const text = sbatchScript({
    dir,
    sweep: plan.name,
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
    target,
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
    const lines = [`slurm       ${plan.name}: ${plan.points} points in ${shards} shards (array 0-${shards - 1}): ${script}`];
    if (jobId !== null) lines.push(`submitted   job ${jobId}`);
    else lines.push(`submit      sbatch ${script}`);
    lines.push(`then        raphe sweep collect ${v.out} --wait`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}
