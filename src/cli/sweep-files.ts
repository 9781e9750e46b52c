/**
 * The files of a sweep folder, shared by a local sweep, a shard and a collected sweep: the journal
 * (points.jsonl, one finished point a line), the identity a resumed or collected folder must match
 * (sweep-file.json), and the one writer of a finished sweep's results.
 */
import * as fs from 'node:fs';
import { sweepFitsCsv, sweepTableCsv } from '../report/sweep-table.js';
import { sweepReportHtml, type SweepReportMeta } from '../report/sweep-report.js';
import { OutputFolder } from '../report/write.js';
import { sweepPoints } from '../sweep/points.js';
import { sweepJson, type PointMeasure, type SweepResult } from '../sweep/run.js';
import type { Shard } from '../sweep/shard.js';
import { parseSweep } from '../sweep/spec.js';

export const JOURNAL = 'points.jsonl';
export const SPEC_FILE = 'sweep-file.json';
/** A shard folder's record of its finished run (the collected sweep's engine and wall time come from it). */
export const SHARD_FILE = 'shard.json';

/** JSON with NaN/Infinity as null. */
export const jsonLine = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

const NUM_FIELDS = ['rateHz', 'medianCvIsi', 'probe5htNm', 's1A', 's2B', 'baselineRateHz', 'baselineProbe5htNm', 'wallSeconds'] as const;

/** The points already in a journal (a torn last line, from a kill mid-write, is ignored). */
export function readJournal(file: string, valid: (m: PointMeasure) => boolean): Map<number, PointMeasure> {
  const out = new Map<number, PointMeasure>();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let m: PointMeasure;
    try {
      m = JSON.parse(line) as PointMeasure;
    } catch {
      continue;
    }
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number') continue;
    for (const k of NUM_FIELDS)
      if ((m as unknown as Record<string, unknown>)[k] === null) (m as unknown as Record<string, number>)[k] = NaN;
    if (m.complete && valid(m)) out.set(m.id, m);
  }
  return out;
}

/** What a sweep folder must match to be resumed or collected: the sweep file and the flags that change its points. */
export interface SweepIdentity {
  sweep: unknown;
  neurons: number | null;
  seed: number | null;
  /** A shard folder's shard. */
  shard?: Shard;
}

export const identityLine = (id: SweepIdentity): string =>
  jsonLine({ sweep: id.sweep, neurons: id.neurons, seed: id.seed, ...(id.shard ? { shard: id.shard } : {}) });

/** The sweep itself, without the shard: equal for every shard of one sweep and for its local run. */
export const sweepKey = (id: SweepIdentity): string => identityLine({ sweep: id.sweep, neurons: id.neurons, seed: id.seed });

/** The validated sweep of an identity (a shard folder's or a cluster folder's), as the run that wrote it saw it. */
export function sweepOf(id: SweepIdentity, where: string) {
  const spec = parseSweep(id.sweep, where, {
    neurons: id.neurons ?? undefined,
    seed: id.seed ?? undefined,
    maxPoints: Number.POSITIVE_INFINITY,
  });
  return { spec, points: sweepPoints(spec, where) };
}

export interface SweepHooks {
  onReplaceStep?: (step: string) => void;
  settle: () => Promise<unknown>;
}

/** Write a folder by the usual staged replacement (an earlier raphe folder of the same name is replaced). */
export async function writeFolder(given: string, files: () => [string, string][], hooks: SweepHooks): Promise<void> {
  const out = OutputFolder.prepare(given, true);
  out.stage(files);
  out.moveAside(true, hooks.onReplaceStep);
  out.moveIn(hooks.onReplaceStep);
  await hooks.settle();
}

/**
 * The files of a finished sweep: the one writer of a local run's --out folder and of a collected
 * cluster sweep (sweep-file.json, points.jsonl, table.csv, fits.csv, sweep.json, report.html).
 */
export async function writeSweepResults(
  given: string,
  identity: string,
  journalText: string,
  result: SweepResult,
  meta: SweepReportMeta & { adapter: string },
  hooks: SweepHooks,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const obj = sweepJson(result) as object;
  await writeFolder(
    given,
    () => [
      [SPEC_FILE, identity + '\n'],
      [JOURNAL, journalText],
      ['table.csv', sweepTableCsv(result)],
      ['fits.csv', sweepFitsCsv(result)],
      [
        'sweep.json',
        JSON.stringify({ ...obj, engine: meta.engine, adapter: meta.adapter, wallSeconds: meta.wallSeconds, ...extra }, null, 2) + '\n',
      ],
      ['report.html', sweepReportHtml(result, meta)],
    ],
    hooks,
  );
}

/** The summary lines of a finished sweep (a local run's, a collected one's). */
export function sweepSummaryLines(result: SweepResult, head: string): string[] {
  const conv = result.fits.filter((f) => f.converged).length;
  const lines = [
    head,
    `settled     ${result.points.filter((p) => p.settled).length} of ${result.points.length} points`,
    `fits        ${conv} of ${result.fits.length} converged`,
  ];
  for (const f of result.fits.filter((x) => x.converged && (x.readout === 'probeFold' || x.readout === 'rateRatio'))) {
    const o = Object.entries(f.others)
      .map(([k, x]) => `${k}=${x}`)
      .join(' ');
    lines.push(
      `  ${f.readout} vs ${f.axis}${o ? ` (${o})` : ''}: EC50 ${Number(f.ec50!.toPrecision(3))}, Hill ${f.hill!.toFixed(2)}, ${f.bottom!.toFixed(3)}-${f.top!.toFixed(3)}`,
    );
  }
  return lines;
}
