/**
 * What `raphe run --out DIR` writes: summary.json, spikes.csv, traces.csv, report.html, run.nwb, and
 * findings.csv / findings.json when findings are given, provenance.json and scenario.json when the
 * provenance is given (summary.json and report.html then carry it too); through the atomic folder of
 * write.ts.
 */
import { sertOccupancy, type DrugDoses } from '../model/drugs.js';
import type { Params } from '../model/params.js';
import type { RunResult } from '../record/run-result.js';
import { findingsCsv, spikesCsvChunks, tracesCsvChunks } from './csv.js';
import { countPassed, type FindingRow } from './findings-table.js';
import { runReportHtml } from './html.js';
import { paramsDiff, provenanceFileList, type ProvenanceFiles } from './provenance.js';
import { writeAtomically, writeAtomicallyAsync, type Content, type FileWriter, type WriteOptions, type WriteResult } from './write.js';

export interface RunWriteOptions extends WriteOptions {
  /** Writes run.nwb (absent: no NWB file, e.g. --no-nwb). */
  nwb?: FileWriter;
  findings?: FindingRow[];
  /** Title of report.html. */
  title?: string;
  /** How the run was made: provenance.json, scenario.json, and in summary.json and report.html. */
  provenance?: ProvenanceFiles & { params: Params };
}

/** The plain object written as summary.json (no typed arrays). */
export function summaryJson(r: RunResult): {
  name: string;
  summary: RunResult['summary'];
  engine: RunResult['engine'];
  /** Each phase as summary.json writes it (its doses under the file key `drugs`, with the SERT occupancy they give). */
  phases: { name: string; startS: number; endS: number; drugs: DrugDoses; sertOccupancy: number }[];
  mass: RunResult['mass'];
  recorded: { spikes: number | null; dtFineS: number | null; traceSamples: number };
} {
  return {
    name: r.name,
    summary: { ...r.summary },
    engine: { ...r.engine },
    phases: r.phases.map((p) => ({
      name: p.name,
      startS: p.startS,
      endS: p.endS,
      drugs: { ...p.doses },
      sertOccupancy: sertOccupancy(p.doses),
    })),
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
  return writeAtomically(dir, () => runFiles(r, opts), opts);
}

/**
 * writeRunOutputs with the event loop turning while the files are written (`opts.nwb` may then write
 * off the main thread): a large run's files take seconds, and a signal is answered meanwhile.
 */
export function writeRunOutputsAsync(dir: string, r: RunResult, opts: RunWriteOptions): Promise<WriteResult> {
  return writeAtomicallyAsync(dir, () => runFiles(r, opts), opts);
}

/** The files of a run's output folder and their contents. */
function runFiles(r: RunResult, opts: RunWriteOptions): [string, Content][] {
  const p = opts.provenance;
  const section = p ? { provenance: p.provenance, diffs: paramsDiff(p.params) } : undefined;
  const files: [string, Content][] = [
    ['summary.json', toJson(p ? { ...summaryJson(r), provenance: p.provenance } : summaryJson(r))],
    ['spikes.csv', () => spikesCsvChunks(r)],
    ['traces.csv', () => tracesCsvChunks(r)],
    ['report.html', runReportHtml(r, { title: opts.title, findings: opts.findings, provenance: section })],
  ];
  if (opts.nwb) files.push(['run.nwb', { write: opts.nwb }]);
  if (opts.findings) {
    files.push(['findings.csv', findingsCsv(opts.findings)]);
    files.push(['findings.json', toJson(findingsJson(opts.findings))]);
  }
  if (p) files.push(...provenanceFileList(p));
  return files;
}
