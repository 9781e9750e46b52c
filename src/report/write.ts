/**
 * Writing results to an --out folder, safely:
 *  - A folder that already holds earlier raphe output is refused (OutputExistsError) unless `force`,
 *    and the refusal happens before anything is written.
 *  - Everything is serialized in memory first, then written into a fresh staging folder next to the
 *    target (same parent, so renames stay on one file system), then moved into place by rename.
 *    A new target folder appears whole in one rename. Into an existing folder, earlier raphe files are
 *    first moved aside into the staging folder and put back if any move fails, so a failure midway
 *    never leaves a half-written folder nor destroys earlier results.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from '../record/run-result.js';
import { findingsCsv, spikesCsvChunks, tracesCsvChunks } from './csv.js';
import { countPassed, type FindingRow } from './findings-table.js';
import { experimentReportHtml, runReportHtml, type ExperimentCondition, type ExperimentMeta } from './html.js';

/** Every file name raphe writes into an output folder; any of them marks a folder as holding results. */
export const OUTPUT_FILE_NAMES = [
  'summary.json',
  'spikes.csv',
  'traces.csv',
  'report.html',
  'findings.csv',
  'findings.json',
  'conditions.json',
] as const;

export class OutputExistsError extends Error {
  readonly dir: string;
  constructor(dir: string) {
    super(`--out ${dir}: holds earlier results; use --force to overwrite`);
    this.name = 'OutputExistsError';
    this.dir = dir;
  }
}

export interface WriteOptions {
  force: boolean;
  /**
   * Called at each step of the write ('staged' when the staging folder is complete, then 'moved' with
   * each file name as it lands). For tests and progress output; an exception thrown here aborts the
   * write and rolls back like any other failure.
   */
  onStep?: (step: 'staged' | 'moved', file?: string) => void;
}

export interface RunWriteOptions extends WriteOptions {
  findings?: FindingRow[];
  /** Title of report.html. */
  title?: string;
}

export interface WriteResult {
  dir: string;
  /** Absolute paths written, in order. */
  files: string[];
}

/** A file's content: a string, or string chunks (streamed, for large CSVs). */
type Content = string | (() => Iterable<string>);

/** The plain object written as summary.json (no typed arrays). */
export function summaryJson(r: RunResult): {
  name: string;
  summary: RunResult['summary'];
  engine: RunResult['engine'];
  phases: RunResult['phases'];
  mass: RunResult['mass'];
  recorded: { spikes: number | null; dtFineS: number | null; traceSamples: number };
} {
  return {
    name: r.name,
    summary: { ...r.summary },
    engine: { ...r.engine },
    phases: r.phases.map((p) => ({ name: p.name, startS: p.startS, endS: p.endS, drugs: { ...p.drugs } })),
    mass: { ...r.mass },
    recorded: {
      spikes: r.spikes ? Math.min(r.spikes.cells.length, r.spikes.steps.length) : null,
      dtFineS: r.spikes ? r.spikes.dtFineS : null,
      traceSamples: r.traces.tS.length,
    },
  };
}

/** JSON with 2-space indent; NaN and ±Infinity become null (JSON has no such numbers). */
function toJson(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}

function findingsJson(rows: readonly FindingRow[]): unknown {
  return {
    passed: countPassed(rows),
    total: rows.length,
    findings: rows.map((f) => ({ id: f.id, condition: f.condition, measured: f.measured, expected: f.expected, pass: f.pass })),
  };
}

/** Names in `dir` that are earlier raphe output (empty when `dir` does not exist). */
export function earlierOutputs(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const names = new Set<string>(OUTPUT_FILE_NAMES);
  return entries.filter((n) => names.has(n));
}

function checkTarget(dir: string, force: boolean): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (st && !st.isDirectory()) throw new Error(`--out ${dir}: exists and is not a folder`);
  if (st && !force && earlierOutputs(dir).length > 0) throw new OutputExistsError(dir);
}

function writeContent(file: string, content: Content): void {
  if (typeof content === 'string') {
    fs.writeFileSync(file, content, { flag: 'wx' });
    return;
  }
  const fd = fs.openSync(file, 'wx');
  try {
    for (const chunk of content()) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function rmQuiet(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    // best effort: a leftover staging folder is harmless (hidden, named .raphe-staging-*)
  }
}

/**
 * Write `files` into `dir` with the safety rules above. `build` produces the contents; it runs after
 * the refusal check and before anything touches the disk, so serialization errors write nothing.
 */
function writeAtomically(dirIn: string, build: () => [string, Content][], opts: WriteOptions): WriteResult {
  const dir = path.resolve(dirIn);
  checkTarget(dir, opts.force);
  const files = build();

  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.raphe-staging-`));
  const fresh = path.join(staging, 'new');
  const aside = path.join(staging, 'old');
  const written = files.map(([name]) => path.join(dir, name));
  let keepStaging = false;
  try {
    fs.mkdirSync(fresh);
    for (const [name, content] of files) writeContent(path.join(fresh, name), content);
    opts.onStep?.('staged');
    // Check again: another process may have written there meanwhile.
    checkTarget(dir, opts.force);

    if (!fs.existsSync(dir)) {
      // A new folder appears whole, in one rename.
      fs.renameSync(fresh, dir);
      for (const [name] of files) opts.onStep?.('moved', name);
      rmQuiet(staging);
      return { dir, files: written };
    }

    // Existing folder: move earlier raphe files aside, move new ones in, roll back on failure.
    const movedAside: string[] = [];
    const movedIn: string[] = [];
    try {
      fs.mkdirSync(aside);
      for (const name of earlierOutputs(dir)) {
        fs.renameSync(path.join(dir, name), path.join(aside, name));
        movedAside.push(name);
      }
      for (const [name] of files) {
        fs.renameSync(path.join(fresh, name), path.join(dir, name));
        movedIn.push(name);
        opts.onStep?.('moved', name);
      }
    } catch (e) {
      for (const name of movedIn.reverse()) {
        try {
          fs.rmSync(path.join(dir, name), { force: true });
        } catch {
          /* keep rolling back */
        }
      }
      const lost: string[] = [];
      for (const name of movedAside.reverse()) {
        try {
          fs.renameSync(path.join(aside, name), path.join(dir, name));
        } catch {
          lost.push(name);
        }
      }
      if (lost.length) {
        // Do not delete the staging folder: it still holds the earlier files we could not put back.
        keepStaging = true;
        if (e instanceof Error) e.message += ` (earlier ${lost.join(', ')} kept in ${aside})`;
      }
      throw e;
    }
    rmQuiet(staging);
    return { dir, files: written };
  } catch (e) {
    if (!keepStaging) rmQuiet(staging);
    throw e;
  }
}

/**
 * Write a run's results into `dir`: summary.json, spikes.csv, traces.csv, report.html, and
 * findings.csv / findings.json when findings are given. Throws OutputExistsError (before writing
 * anything) when `dir` holds earlier raphe output and `force` is false.
 */
export function writeRunOutputs(dir: string, r: RunResult, opts: RunWriteOptions): WriteResult {
  return writeAtomically(
    dir,
    () => {
      const files: [string, Content][] = [
        ['summary.json', toJson(summaryJson(r))],
        ['spikes.csv', () => spikesCsvChunks(r)],
        ['traces.csv', () => tracesCsvChunks(r)],
        ['report.html', runReportHtml(r, { title: opts.title, findings: opts.findings })],
      ];
      if (opts.findings) {
        files.push(['findings.csv', findingsCsv(opts.findings)]);
        files.push(['findings.json', toJson(findingsJson(opts.findings))]);
      }
      return files;
    },
    opts,
  );
}

/** The plain object written as conditions.json. */
export function conditionsJson(conds: readonly ExperimentCondition[]): unknown {
  return conds.map(({ name, result }) => ({ condition: name, ...summaryJson(result) }));
}

/**
 * Write an experiment's results into `dir`: findings.json, findings.csv, conditions.json (one summary per
 * condition) and report.html, with the same refusal and atomicity rules as writeRunOutputs.
 */
export function writeExperimentOutputs(
  dir: string,
  conds: readonly ExperimentCondition[],
  findings: readonly FindingRow[],
  meta: ExperimentMeta,
  opts: WriteOptions,
): WriteResult {
  return writeAtomically(
    dir,
    () => [
      ['findings.json', toJson(findingsJson(findings))],
      ['findings.csv', findingsCsv(findings)],
      ['conditions.json', toJson(conditionsJson(conds))],
      ['report.html', experimentReportHtml(conds, findings, meta)],
    ],
    opts,
  );
}
