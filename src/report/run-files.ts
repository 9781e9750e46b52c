/**
 * What `raphe run --out DIR` writes: summary.json, spikes.csv, traces.csv, report.html, run.nwb, and
 * findings.csv / findings.json when findings are given; through the atomic folder of write.ts.
 */
import type { RunResult } from '../record/run-result.js';
import { findingsCsv, spikesCsvChunks, tracesCsvChunks } from './csv.js';
import { countPassed, type FindingRow } from './findings-table.js';
import { runReportHtml } from './html.js';
import { writeAtomically, type Content, type FileWriter, type WriteOptions, type WriteResult } from './write.js';

export interface RunWriteOptions extends WriteOptions {
  /** Writes run.nwb (absent: no NWB file, e.g. --no-nwb). */
  nwb?: FileWriter;
  findings?: FindingRow[];
  /** Title of report.html. */
  title?: string;
}

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
export function toJson(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}

/** The plain object written as findings.json: the count passed and each finding. */
export function findingsJson(rows: readonly FindingRow[]): unknown {
  return {
    passed: countPassed(rows),
    total: rows.length,
    findings: rows.map((f) => ({ id: f.id, condition: f.condition, measured: f.measured, expected: f.expected, pass: f.pass })),
  };
}

/**
 * Write a run's results into `dir`. Throws OutputExistsError (before writing anything) when `dir`
 * holds earlier raphe output and `force` is false.
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
      if (opts.nwb) files.push(['run.nwb', { write: opts.nwb }]);
      if (opts.findings) {
        files.push(['findings.csv', findingsCsv(opts.findings)]);
        files.push(['findings.json', toJson(findingsJson(opts.findings))]);
      }
      return files;
    },
    opts,
  );
}
