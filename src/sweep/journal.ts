/**
 * A sweep's journal, points.jsonl: one finished point a line, appended the moment the point is done,
 * so a killed sweep keeps what it finished. Read back (by --resume and by collect) as untrusted as user
 * input: every line must be a point of this sweep with every field in its range; a line that is not is
 * dropped (its point measured again) and named with its line number. A last line without its newline
 * is the fragment of a write a kill cut short: `openJournal` cuts it away before appending, so the next
 * line starts on a line of its own.
 */
import * as fs from 'node:fs';
import { OutputWriteError } from '../report/write.js';
import { quote } from '../model/errors.js';
import type { SweepPoint } from './points.js';
import type { PointMeasure } from './run.js';
import type { AxisValue, Readout } from './spec.js';

export const JOURNAL = 'points.jsonl';

/** JSON with NaN/Infinity as null. */
export const jsonLine = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

/** Numeric readouts: a number in range, or null (NaN: not measurable, e.g. too few ISIs). */
const READOUTS: Record<string, [number, number]> = {
  rateHz: [0, Number.POSITIVE_INFINITY],
  medianCvIsi: [0, Number.POSITIVE_INFINITY],
  probe5htNm: [0, Number.POSITIVE_INFINITY],
  s1A: [0, 1],
  s2B: [0, 1],
};
const BASELINE = ['baselineRateHz', 'baselineProbe5htNm'] as const;
const KEYS = new Set(['id', 'axes', 'seed', ...Object.keys(READOUTS), 'settled', ...BASELINE, 'complete', 'error', 'wallSeconds']);
/** Longest error text a journal line may carry. */
const MAX_ERROR_CHARS = 2000;

/** A line's axes are the point's: the same names in the same order, each the same value (compared, never serialised: a line may nest deeper than JSON.stringify reaches). */
function sameAxes(v: unknown, axes: Readonly<Record<string, AxisValue>>): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const got = Object.keys(o);
  const want = Object.keys(axes);
  return got.length === want.length && want.every((k, i) => got[i] === k && o[k] === axes[k]);
}

/** One parsed journal line checked against the points it may hold: the measure, or why it is not one. */
export function checkMeasure(v: unknown, points: ReadonlyMap<number, SweepPoint>, readout: Readout): PointMeasure | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a point record (a JSON object)';
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !KEYS.has(k));
  if (extra !== undefined) return `unknown field ${quote(extra)}`;
  if (typeof o.id !== 'number' || !Number.isInteger(o.id)) return 'id must be an integer';
  const p = points.get(o.id);
  if (!p) return `id ${o.id} is not a point of this sweep${points.size ? '' : ' (it has none)'}`;
  if (!sameAxes(o.axes, p.axes)) return `its axes are not those of point ${o.id}`;
  if (o.seed !== p.scenario.seed) return `its seed is not that of point ${o.id}`;
  const out: Record<string, unknown> = { id: o.id, axes: p.axes, seed: p.scenario.seed };
  const num = (k: string, lo: number, hi: number, nullable: boolean): string | undefined => {
    const x = o[k];
    if (x === undefined) return `${k} is missing`;
    if (x === null && nullable) {
      out[k] = Number.NaN;
      return undefined;
    }
    if (typeof x !== 'number' || !Number.isFinite(x)) return `${k} must be a number${nullable ? ' or null' : ''}, got ${quote(x)}`;
    if (x < lo || x > hi) return `${k} must be >= ${lo}${hi < Number.POSITIVE_INFINITY ? ` and <= ${hi}` : ''}, got ${x}`;
    out[k] = x;
    return undefined;
  };
  for (const [k, [lo, hi]] of Object.entries(READOUTS)) {
    const why = num(k, lo, hi, true);
    if (why) return why;
  }
  for (const k of BASELINE) {
    if (readout !== 'protocol') {
      if (o[k] !== undefined) return `${k} belongs to a protocol readout`;
      continue;
    }
    const why = num(k, 0, Number.POSITIVE_INFINITY, true);
    if (why) return why;
  }
  for (const k of ['settled', 'complete'] as const) {
    if (typeof o[k] !== 'boolean') return `${k} must be true or false, got ${quote(o[k])}`;
    out[k] = o[k];
  }
  if (o.error !== undefined) {
    if (typeof o.error !== 'string' || o.error.length > MAX_ERROR_CHARS)
      return `error must be a text of at most ${MAX_ERROR_CHARS} characters`;
    out.error = o.error;
  }
  const why = num('wallSeconds', 0, Number.POSITIVE_INFINITY, false);
  if (why) return why;
  return out as unknown as PointMeasure;
}

/** A journal as read: its complete points in file order, and what was dropped. */
export interface JournalRead {
  /** Complete points, first line of each id; with the line each was read from (written back as is). */
  done: Map<number, PointMeasure>;
  lines: Map<number, string>;
  /** Lines dropped, 1-based, with why. */
  dropped: { line: number; why: string }[];
  /** Bytes of the file up to its last newline (a torn last line lies beyond), or the file's size. */
  completeBytes: number;
  /** The file's size. */
  bytes: number;
}

/** A torn last line's message (it is dropped like any bad line, and cut away before appending). */
export const TORN = 'a torn last line (a write cut short by a kill)';

/** Read a journal's text: the points of `points` it holds; bad lines dropped and listed. */
export function parseJournal(text: string, points: readonly SweepPoint[], readout: Readout): JournalRead {
  const byId = new Map(points.map((p) => [p.id, p]));
  const done = new Map<number, PointMeasure>();
  const lines = new Map<number, string>();
  const dropped: JournalRead['dropped'] = [];
  const end = text.lastIndexOf('\n') + 1;
  const all = text.split('\n');
  all.forEach((line, i) => {
    if (i === all.length - 1) {
      if (line !== '') dropped.push({ line: i + 1, why: TORN });
      return;
    }
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      dropped.push({ line: i + 1, why: 'not JSON' });
      return;
    }
    const m = checkMeasure(v, byId, readout);
    if (typeof m === 'string') dropped.push({ line: i + 1, why: m });
    else if (!m.complete)
      return; // an incomplete point: measured again, as journaled
    else if (done.has(m.id)) dropped.push({ line: i + 1, why: `point ${m.id} again (the first is used)` });
    else {
      done.set(m.id, m);
      lines.set(m.id, line);
    }
  });
  const bytes = Buffer.byteLength(text);
  return { done, lines, dropped, completeBytes: end === 0 ? 0 : Buffer.byteLength(text.slice(0, end)), bytes };
}

/** Read a journal file (a missing one holds nothing). */
export function readJournal(file: string, points: readonly SweepPoint[], readout: Readout): JournalRead {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new OutputWriteError(`cannot read ${file}: ${errCode(e)}`);
  }
  return parseJournal(text, points, readout);
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));

/** Cut a torn last line away so the next point starts on a line of its own. */
export function cutTornLine(file: string, j: JournalRead): void {
  if (j.completeBytes === j.bytes) return;
  try {
    fs.truncateSync(file, j.completeBytes);
  } catch (e) {
    throw new OutputWriteError(`cannot cut the torn last line of ${file}: ${errCode(e)}`);
  }
}

/** Append one finished point (a failed write names the file). */
export function appendMeasure(file: string, m: PointMeasure): string {
  const line = jsonLine(m);
  try {
    fs.appendFileSync(file, line + '\n');
  } catch (e) {
    throw new OutputWriteError(`cannot append to ${file}: ${errCode(e)}`);
  }
  return line;
}
