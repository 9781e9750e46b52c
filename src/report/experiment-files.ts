/**
 * What `raphe experiment belmer2018 --out DIR` writes: findings.json, findings.csv, conditions.json (one
 * summary per condition), report.html, microdialysis.csv (the time courses of the report's first figure,
 * when they were run) and conditions/ID.nwb per condition; through the atomic folder of write.ts.
 */
import { findingsCsv } from './csv.js';
import type { FindingRow } from './findings-table.js';
import { experimentReportHtml, type ExperimentCondition, type ExperimentMeta } from './html.js';
import { microdialysisCsv } from './paper-figures.js';
import { provenanceFileList, type ProvenanceFiles } from './provenance.js';
import { findingsJson, summaryJson, toJson } from './run-files.js';
import { writeAtomically, writeAtomicallyAsync, type Content, type FileWriter, type WriteOptions, type WriteResult } from './write.js';

/** The plain object written as conditions.json. */
export function conditionsJson(conds: readonly ExperimentCondition[]): unknown {
  return conds.map(({ name, result }) => ({ condition: name, ...summaryJson(result) }));
}

export interface ExperimentWriteOptions extends WriteOptions {
  /** Writes conditions/ID.nwb for a condition (absent, or undefined for it: no NWB file). */
  nwb?: (condition: string) => FileWriter | undefined;
  /** provenance.json and scenario.json. */
  provenance?: ProvenanceFiles;
}

/** Write an experiment's results into `dir`, with the same refusal and atomicity rules as writeRunOutputs. */
export function writeExperimentOutputs(
  dir: string,
  conds: readonly ExperimentCondition[],
  findings: readonly FindingRow[],
  meta: ExperimentMeta,
  opts: ExperimentWriteOptions,
): WriteResult {
  return writeAtomically(dir, () => experimentFiles(conds, findings, meta, opts), opts);
}

/** writeExperimentOutputs with the event loop turning while the files are written (as writeRunOutputsAsync). */
export function writeExperimentOutputsAsync(
  dir: string,
  conds: readonly ExperimentCondition[],
  findings: readonly FindingRow[],
  meta: ExperimentMeta,
  opts: ExperimentWriteOptions,
): Promise<WriteResult> {
  return writeAtomicallyAsync(dir, () => experimentFiles(conds, findings, meta, opts), opts);
}

/** The files of an experiment's output folder and their contents. */
function experimentFiles(
  conds: readonly ExperimentCondition[],
  findings: readonly FindingRow[],
  meta: ExperimentMeta,
  opts: ExperimentWriteOptions,
): [string, Content][] {
  const files: [string, Content][] = [
    ['findings.json', toJson(findingsJson(findings))],
    ['findings.csv', findingsCsv(findings)],
    ['conditions.json', toJson(conditionsJson(conds))],
    ['report.html', experimentReportHtml(conds, findings, meta)],
  ];
  if (meta.timecourse?.length) files.push(['microdialysis.csv', microdialysisCsv(meta.timecourse)]);
  for (const c of conds) {
    const w = opts.nwb?.(c.name);
    if (w) files.push([`conditions/${c.name}.nwb`, { write: w }]);
  }
  if (opts.provenance) files.push(...provenanceFileList(opts.provenance));
  return files;
}
