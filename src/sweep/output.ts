/**
 * The files of a finished sweep folder: a local sweep's or a collected one's results (sweep-file.json,
 * points.jsonl, table.csv, fits.csv, sweep.json, report.html), a shard's (sweep-file.json,
 * points.jsonl, shard.json), with provenance.json and scenario.json when the caller gives them
 * (SweepHooks.provenance; a sweep's sweep.json and report.html then carry it too, with the base's
 * parameters that differ from the defaults), all written by the usual staged replacement of
 * src/report/write.ts. A
 * shard.json read back by collect is checked like user input: a bad one is named and ignored.
 */
import * as fs from 'node:fs';
import { sweepFitsCsv, sweepTableCsv } from '../report/sweep-table.js';
import { sweepReportHtml, type SweepReportMeta } from '../report/sweep-report.js';
import { paramsDiff, provenance, provenanceFileList, resolvedScenario, type ProvenanceFiles } from '../report/provenance.js';
import type { Params } from '../model/params.js';
import { OutputFolder } from '../report/write.js';
import { SPEC_FILE, sweepSpecOf, type SweepIdentity } from './identity.js';
import { JOURNAL } from './journal.js';
import type { SweepSpec } from './spec.js';
import { sweepJson, type SweepResult } from './run.js';
import { quote } from '../model/errors.js';

/** A shard folder's record of its finished run (the collected sweep's engine and wall time come from it). */
export const SHARD_FILE = 'shard.json';

/** The files a local sweep's --out folder holds when done. */
export const RESULT_FILES = [SPEC_FILE, JOURNAL, 'table.csv', 'fits.csv', 'sweep.json', 'report.html'] as const;

export interface SweepHooks {
  /** Each step of the folder replacement (tests pause there). */
  onReplaceStep?: (step: string) => void;
  /** Awaited after the replacement (the CLI lets a signal that came during it be handled). */
  settle?: () => Promise<unknown>;
  /**
   * How a finished folder was made: it gets provenance.json and scenario.json, and a sweep's sweep.json
   * and report.html say so; `made` is given where the folder's writer knows more than its caller (a
   * collected sweep: its shards' engines).
   */
  provenance?: (made?: FolderMade) => SweepProvenance;
}

/** A sweep's provenance: the record, its scenario.json, and the base's parameters (for the report's diff). */
export type SweepProvenance = ProvenanceFiles & { params: Params };

/** How a collected folder was made: its shards' engines and adapters, and its sweep-file.json line. */
export interface FolderMade {
  engine: string;
  adapter: string;
  identity: string;
}

export type FileList = [string, string][];

/** A shard.json as written by a shard run. */
export interface ShardRecord {
  sweep: string;
  shard: number;
  shards: number;
  points: number[];
  complete: boolean;
  engine: string;
  adapter: string;
  wallSeconds: number;
}

/**
 * Write a folder by the usual staged replacement (an earlier raphe folder of the same name is replaced).
 * `carry` puts what is not a file of the list into the staged folder (a sweep's point folders).
 */
export async function writeFolder(
  given: string,
  files: (p?: SweepProvenance) => FileList,
  hooks: SweepHooks,
  target?: OutputFolder,
  carry?: (staging: string) => void,
): Promise<void> {
  const out = target ?? OutputFolder.prepare(given, true);
  out.stage(() => {
    const p = hooks.provenance?.();
    return [...files(p), ...(p ? provenanceFileList(p) : [])];
  });
  if (carry) {
    try {
      carry(out.staging);
    } catch (e) {
      out.abandon();
      throw e;
    }
  }
  out.moveAside(true, hooks.onReplaceStep);
  out.moveIn(hooks.onReplaceStep);
  await hooks.settle?.();
}

/**
 * The result files of a finished sweep but its identity and journal, written first by the caller or here;
 * with `p`, sweep.json holds the provenance record and report.html its section.
 */
export function resultFiles(
  result: SweepResult,
  meta: SweepReportMeta & { adapter: string },
  extra: Record<string, unknown> = {},
  p?: SweepProvenance,
): FileList {
  const obj = sweepJson(result) as object;
  const how = { engine: meta.engine, adapter: meta.adapter, wallSeconds: meta.wallSeconds, ...extra };
  const section = p ? { provenance: p.provenance, diffs: paramsDiff(p.params) } : undefined;
  return [
    ['table.csv', sweepTableCsv(result)],
    ['fits.csv', sweepFitsCsv(result)],
    ['sweep.json', JSON.stringify({ ...obj, ...how, ...(p ? { provenance: p.provenance } : {}) }, null, 2) + '\n'],
    ['report.html', sweepReportHtml(result, { ...meta, ...(section ? { provenance: section } : {}) })],
  ];
}

/**
 * The files of a finished sweep: the one writer of a local run's --out folder and of a collected
 * cluster sweep (sweep-file.json, points.jsonl, table.csv, fits.csv, sweep.json, report.html); `carry`
 * puts more into the staged folder (a collected sweep's point folders, from its shards).
 */
export async function writeSweepResults(
  given: string,
  identity: string,
  journalText: string,
  result: SweepResult,
  meta: SweepReportMeta & { adapter: string },
  hooks: SweepHooks,
  extra: Record<string, unknown> = {},
  carry?: (staging: string) => void,
): Promise<void> {
  const made = { engine: meta.engine, adapter: meta.adapter, identity };
  const pf = hooks.provenance;
  const h = pf ? { ...hooks, provenance: () => pf(made) } : hooks;
  await writeFolder(
    given,
    (p) => [[SPEC_FILE, identity + '\n'], [JOURNAL, journalText], ...resultFiles(result, meta, extra, p)],
    h,
    undefined,
    carry,
  );
}

const MAX_TEXT = 500;
/** A short text without control characters (it reaches a terminal and report.html). */
const isText = (x: unknown) => typeof x === 'string' && x.length <= MAX_TEXT && ![...x].some((c) => c < ' ' || c === '\u007f');

const SHARD_RECORD_KEYS = ['sweep', 'shard', 'shards', 'points', 'complete', 'engine', 'adapter', 'wallSeconds'];

/** A shard.json's content checked, or why it is not a shard record. */
export function checkShardRecord(v: unknown): ShardRecord | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !SHARD_RECORD_KEYS.includes(k));
  if (extra !== undefined) return `unknown field ${quote(extra)}`;
  if (!isText(o.sweep)) return 'sweep must be a name';
  for (const k of ['shard', 'shards'] as const) if (!Number.isInteger(o[k]) || (o[k] as number) < 0) return `${k} must be a whole number`;
  if (!Array.isArray(o.points) || !o.points.every((x) => Number.isInteger(x) && x >= 0)) return 'points must be a list of point ids';
  if (typeof o.complete !== 'boolean') return 'complete must be true or false';
  if (o.engine !== 'cpu' && o.engine !== 'webgpu') return 'engine must be cpu or webgpu';
  if (!isText(o.adapter)) return `adapter must be a text of at most ${MAX_TEXT} characters`;
  if (typeof o.wallSeconds !== 'number' || !Number.isFinite(o.wallSeconds) || o.wallSeconds < 0) return 'wallSeconds must be a number >= 0';
  const { sweep, shard, shards, points, complete, engine, adapter, wallSeconds } = o as unknown as ShardRecord;
  return { sweep, shard, shards, points: [...points], complete, engine, adapter, wallSeconds };
}

/** A shard folder's shard.json: its record, or undefined when absent (an interrupted shard) or bad (`bad` told why). */
export function readShardRecord(file: string, bad: (why: string) => void): ShardRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // interrupted: its journal holds what it finished
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const r = checkShardRecord(v);
  if (typeof r === 'string') {
    bad(r);
    return undefined;
  }
  return r;
}

/** scenario.json of a sweep: the file and flags as given, the base fully resolved and the axes. */
export function sweepScenarioRecord(where: string, raw: unknown, v: object, spec: SweepSpec) {
  return {
    given: { sweepFile: { path: where, content: raw }, flags: { ...v } },
    resolved: {
      name: spec.name,
      readout: spec.readout,
      base: resolvedScenario(spec.base),
      axes: spec.axes.map((a) => ({ axis: a.name, kind: a.kind, values: a.values, reference: a.reference, log: a.log })),
      zip: spec.groups.filter((g) => g.length > 1).map((g) => g.map((i) => spec.axes[i].name)),
    },
  };
}

/** The provenance of a collected sweep: its shards' engines; its sweep as the shards ran it. */
export function collectedProvenance(made: FolderMade, command: readonly string[] | undefined, startedAt: Date): SweepProvenance {
  const id = JSON.parse(made.identity) as SweepIdentity;
  const spec = sweepSpecOf(id, SPEC_FILE);
  const flags = { neurons: id.neurons ?? undefined, seed: id.seed ?? undefined };
  const record = sweepScenarioRecord(SPEC_FILE, id.sweep, flags, spec);
  const p = provenance({ engine: made.engine, adapter: made.adapter, seed: spec.base.seed, command, startedAt });
  return { provenance: p, scenario: record, params: spec.base.params };
}
