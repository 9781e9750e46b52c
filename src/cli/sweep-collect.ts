/**
 * `raphe sweep collect DIR [--json] [--wait]`: the shards of a sweep (DIR/shards/*, each written by
 * `raphe sweep --shard I/N`, by a SLURM job array or by hand) merged into DIR/results/: the same
 * table.csv, fits.csv, sweep.json, report.html and points.jsonl a local run of the sweep writes, by
 * the same writer (writeSweepResults); with shards run with --traces, results/points/ID/ holds each
 * point's traces.csv and point.nwb (hard-linked from its shard's folder, copied across file systems) and
 * report.html links them, as a local sweep's. Every point missing from the shards is named, with the shards to
 * rerun (exit 1, nothing written); a point present in two shard folders is named too. Shards of
 * another sweep in the folder, or a folder that holds no sweep, are refused (exit 2). --wait first
 * polls squeue until the folder's job array has ended.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../model/errors.js';
import { sweepSummaryLines } from '../report/sweep-table.js';
import { SPEC_FILE, readIdentity, sweepKey, sweepOf, type SweepIdentity } from '../sweep/identity.js';
import { JOURNAL, jsonLine, readJournal } from '../sweep/journal.js';
import { SHARD_FILE, readShardRecord, writeSweepResults, type ShardRecord, type SweepHooks } from '../sweep/output.js';
import { POINT_FILES, POINTS_DIR, carryPointFolders, pointsWithFiles } from '../report/point-files.js';
import { assembleSweep, sweepJson, type PointMeasure } from '../sweep/run.js';
import { shardOf } from '../sweep/shard.js';
import type { AxisValue } from '../sweep/spec.js';
import { parseCli } from './args.js';
import {
  SLURM_LOGS,
  SLURM_MANIFEST,
  SLURM_RESULTS,
  SLURM_SCRIPT,
  SLURM_SHARDS,
  activeTasks,
  jobName,
  waitForJob,
  type TaskState,
} from './slurm.js';

interface ShardFolder {
  /** Folder name under shards/. */
  name: string;
  dir: string;
  identity: SweepIdentity;
  record?: ShardRecord;
}

interface Manifest extends SweepIdentity {
  name: string;
  shards: number;
  jobName?: string;
}

/** The manifest (a --slurm folder) and the shard folders, checked to be of one sweep. */
function readClusterFolder(given: string, dir: string): { manifest?: Manifest; shards: ShardFolder[] } {
  const field = `collect ${given}`;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new ConfigError(field, 'no such folder');
  }
  if (!st.isDirectory()) throw new ConfigError(field, 'is not a folder');
  let manifest: Manifest | undefined;
  const mf = path.join(dir, SLURM_MANIFEST);
  if (fs.existsSync(mf)) {
    const m = readIdentity(mf, field);
    if (typeof m.shards !== 'number' || !Number.isInteger(m.shards) || m.shards < 1 || typeof m.name !== 'string')
      throw new ConfigError(field, `${mf} is not a raphe sweep record`);
    manifest = m as unknown as Manifest;
  }
  const shards: ShardFolder[] = [];
  const sd = path.join(dir, SLURM_SHARDS);
  const names = fs.existsSync(sd)
    ? fs
        .readdirSync(sd, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    : [];
  for (const name of names) {
    const f = path.join(sd, name, SPEC_FILE);
    if (!fs.existsSync(f)) continue; // a task that had not started writing
    const identity = readIdentity(f, `collect ${given}/${SLURM_SHARDS}/${name}`);
    const record = readShardRecord(path.join(sd, name, SHARD_FILE), (why) =>
      process.stderr.write(`raphe: collect: ${path.join(given, SLURM_SHARDS, name, SHARD_FILE)}: not a shard record (${why}); ignored\n`),
    );
    shards.push({ name, dir: path.join(sd, name), identity, record });
  }
  if (!manifest && shards.length === 0) {
    throw new ConfigError(
      field,
      `holds no sweep (no ${SLURM_MANIFEST} from raphe sweep --slurm, no ${SLURM_SHARDS}/*/${SPEC_FILE} from raphe sweep --shard)`,
    );
  }
  const ref = manifest ? sweepKey(manifest) : sweepKey(shards[0].identity);
  const refName = manifest ? SLURM_MANIFEST : `${SLURM_SHARDS}/${shards[0].name}`;
  for (const s of shards) {
    if (sweepKey(s.identity) !== ref) {
      throw new ConfigError(
        `collect ${given}/${SLURM_SHARDS}/${s.name}`,
        `holds a shard of another sweep than ${refName} (its sweep file or --neurons/--seed differ); one folder collects one sweep`,
      );
    }
  }
  return { manifest, shards };
}

const axesText = (axes: Record<string, AxisValue>) =>
  Object.entries(axes)
    .map(([k, x]) => `${k}=${x}`)
    .join(' ');

export async function cmdSweepCollect(argv: string[], hooks: SweepHooks): Promise<number> {
  const { values: v, positionals } = parseCli(argv, { json: { type: 'boolean' }, wait: { type: 'boolean' } });
  if (positionals.length === 0) throw new ConfigError('collect', 'name the folder of a sharded sweep (the --out of raphe sweep --slurm)');
  if (positionals.length > 1) throw new ConfigError('collect', `unexpected argument ${JSON.stringify(positionals[1])}`);
  const given = positionals[0];
  const dir = path.resolve(given);
  let folder = readClusterFolder(given, dir);
  const first = folder.manifest ?? folder.shards[0].identity;
  const where = folder.manifest ? path.join(given, SLURM_MANIFEST) : path.join(given, SLURM_SHARDS, folder.shards[0].name, SPEC_FILE);
  const { spec, points } = sweepOf(first, where);
  const name = folder.manifest?.jobName ?? jobName(spec.name, dir);

  let ended: TaskState[] = [];
  if (v.wait) {
    let last = '';
    ended = await waitForJob(name, (active) => {
      const running = active.filter((t) => t.state === 'RUNNING').length;
      const line = active.length ? `raphe: waiting for job ${name}: ${running} running, ${active.length - running} pending\n` : '';
      if (line && line !== last) process.stderr.write(line);
      last = line;
    });
    folder = readClusterFolder(given, dir); // the shards written meanwhile
  }

  // every point of every shard folder; a point found in two folders is named
  const byId = new Map(points.map((p) => [p.id, p]));
  const found = new Map<number, { m: PointMeasure; line: string; from: string[] }>();
  for (const s of folder.shards) {
    const got = readJournal(path.join(s.dir, JOURNAL), points, spec.readout);
    const shown = path.join(given, SLURM_SHARDS, s.name, JOURNAL);
    for (const d of got.dropped) process.stderr.write(`raphe: collect: ${shown} line ${d.line}: ${d.why}; dropped\n`);
    for (const m of got.done.values()) {
      const prev = found.get(m.id);
      if (prev) prev.from.push(s.name);
      else found.set(m.id, { m, line: got.lines.get(m.id)!, from: [s.name] });
    }
  }
  const count = folder.manifest?.shards ?? folder.shards[0].identity.shard?.count ?? 1;
  const missing = points.filter((p) => !found.has(p.id));
  const twice = [...found.entries()].filter(([, f]) => f.from.length > 1).sort((a, b) => a[0] - b[0]);
  const rerun = [...new Set(missing.map((p) => shardOf(p.id, count)))].sort((a, b) => a - b);
  for (const [id, f] of twice) {
    process.stderr.write(
      `raphe: collect: point ${id} (${axesText(byId.get(id)!.axes)}) is present twice, in ${f.from.map((n) => `${SLURM_SHARDS}/${n}`).join(' and ')}; the first is used\n`,
    );
  }
  if (missing.length) {
    const script = path.join(given, SLURM_SCRIPT);
    const active = v.wait ? [] : activeTasks(name);
    if (v.json) {
      process.stdout.write(
        jsonLine({
          sweep: spec.name,
          complete: false,
          points: points.length,
          missing: missing.map((p) => ({ point: p.id, axes: p.axes, shard: shardOf(p.id, count) })),
          twice: twice.map(([id, f]) => ({ point: id, shards: f.from })),
          rerun,
          running: active.length,
        }) + '\n',
      );
    }
    for (const p of missing)
      process.stderr.write(`raphe: collect: point ${p.id} (${axesText(p.axes)}) is missing (shard ${shardOf(p.id, count)}/${count})\n`);
    // tasks of the shards to rerun that ended otherwise than COMPLETED (sacct, or squeue -t all), with their logs
    for (const t of ended) {
      const task = Number(/_(\d+)$/.exec(t.id)?.[1] ?? Number.NaN);
      if (rerun.includes(task))
        process.stderr.write(`raphe: collect: task ${t.id} ended ${t.state}; its log: ${path.join(given, SLURM_LOGS, `${t.id}.log`)}\n`);
    }
    const how = fs.existsSync(path.join(dir, SLURM_SCRIPT))
      ? `sbatch --array=${rerun.join(',')} ${script}`
      : rerun.map((i) => `raphe sweep FILE --shard ${i}/${count} --out ${path.join(given, SLURM_SHARDS, String(i))} --resume`).join('; ');
    process.stderr.write(
      `raphe: collect: ${missing.length} of ${points.length} points missing; rerun shard${rerun.length > 1 ? 's' : ''} ${rerun.join(', ')}: ${how}` +
        (active.length ? ` (job ${name} still has ${active.length} tasks pending or running: wait for them, or collect --wait)` : '') +
        '\n',
    );
    return 1;
  }

  const measures = points.map((p) => found.get(p.id)!.m);
  const journalText = points.map((p) => found.get(p.id)!.line + '\n').join('');
  const result = assembleSweep(spec, points, measures);
  const records = folder.shards.map((s) => s.record).filter((r) => r !== undefined);
  const kinds = [...new Set(records.map((r) => r.engine))];
  const adapters = [...new Set(records.map((r) => r.adapter))];
  // the array's wall time as the longest shard (they run side by side); its compute time, their sum
  const walls = folder.shards.map((s) => s.record?.wallSeconds ?? 0);
  // the point folders of shards run with --traces: each point's from the shard whose journal line is used
  const traced = new Map<string, Set<number>>();
  for (const sh of folder.shards) {
    const ids = [...found.entries()].filter(([, f]) => f.from[0] === sh.name).map(([id]) => id);
    const kept = pointsWithFiles(sh.dir, ids);
    if (kept.size) traced.set(sh.dir, kept);
  }
  const tracedIds = new Set([...traced.values()].flatMap((ids) => [...ids]));
  const meta = {
    engine: kinds.join(', ') || '?',
    adapter: adapters.join(', ') || '?',
    neurons: spec.base.neurons,
    wallSeconds: Math.max(0, ...walls),
    description: descriptionOf(first.sweep),
    ...(tracedIds.size ? { traces: tracedIds } : {}),
  };
  const out = path.join(given, SLURM_RESULTS);
  const identity = sweepKey(first); // a local run's sweep-file.json: --resume takes this folder
  const carry = (staging: string) => {
    for (const [from, ids] of traced) carryPointFolders(from, staging, ids, out);
  };
  await writeSweepResults(
    out,
    identity,
    journalText,
    result,
    meta,
    hooks,
    { shards: count, computeSeconds: walls.reduce((a, b) => a + b, 0) },
    carry,
  );
  if (v.json) {
    process.stdout.write(jsonLine({ ...(sweepJson(result) as object), shards: count, results: out }) + '\n');
  } else {
    const lines = sweepSummaryLines(
      result,
      `collect     ${spec.name}: ${points.length} points from ${folder.shards.length} shard folders, ${meta.engine} (${meta.adapter})`,
    );
    const pts = tracedIds.size ? `, ${POINTS_DIR}/ID/{${POINT_FILES.join(',')}}` : '';
    lines.push(`written     ${out}/ (table.csv, fits.csv, sweep.json, report.html, points.jsonl${pts})`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}

function descriptionOf(raw: unknown): string | undefined {
  const d = typeof raw === 'object' && raw !== null ? (raw as { description?: unknown }).description : undefined;
  return typeof d === 'string' ? d : undefined;
}
