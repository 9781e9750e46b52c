/**
 * What `raphe experiment belmer2018 --out DIR` writes: findings.json, findings.csv, conditions.json (one
 * summary per condition), report.html, microdialysis.csv (the time courses of the report's first figure,
 * when they were run), conditions/ID.nwb per condition and microdialysis/GENOTYPE.nwb per time course (a
 * run's NWB file: its processing/misc/probe_5ht is the time course in nM, sampled as microdialysis.csv;
 * its session_description gives the baseline the figure's percentages divide by); through the atomic
 * folder of write.ts.
 *
 * Over K > 1 seeds (rows that are SeedFindingRows, conditions with `seeds`): findings.json adds each
 * finding's seeds, per-seed verdicts and readout intervals; findings.csv adds the interval and note
 * columns; findings-seeds.csv holds every checked readout at every seed with its mean and 95% interval;
 * conditions.json holds every condition at every seed; the NWB files are conditions/seed-S/ID.nwb; the
 * report's findings table shows the intervals in its measured column and its figures error bars.
 */
import { isSeedRow, type SeedFindingRow } from '../model/findings-seeds.js';
import { csvField, findingsCsv } from './csv.js';
import { csvNum } from './format.js';
import { type FindingRow, rowsWithIntervals } from './findings-table.js';
import { experimentReportHtml, type ExperimentMeta } from './html.js';
import { microdialysisCsv, microdialysisSeries, type MicrodialysisSeries, type NamedResult } from './paper-figures.js';
import type { Scenario } from '../model/scenario.js';
import { RAPHE_VERSION, type NwbWriter } from './nwb.js';
import { provenanceFileList, type ProvenanceFiles } from './provenance.js';
import { findingsJson, summaryJson, toJson } from './run-files.js';
import { writeAtomically, writeAtomicallyAsync, type Content, type FileWriter, type WriteOptions, type WriteResult } from './write.js';

/** The plain object written as conditions.json (over seeds: every condition at every seed, each seed's in turn). */
export function conditionsJson(conds: readonly NamedResult[]): unknown {
  return conds.flatMap(({ name, result, seeds }) => (seeds ?? [{ result }]).map((s) => ({ condition: name, ...summaryJson(s.result) })));
}

/** findings.json over seeds: the verdicts on the means, and what each seed gave. */
export function seedFindingsJson(rows: readonly SeedFindingRow[]): unknown {
  return {
    ...(findingsJson(rows) as object),
    seeds: rows[0]?.seeds ?? [],
    decidedOn: 'the mean readouts over the seeds',
    interval: 'mean ± t(0.975, K-1) · sd / √K, sd the sample standard deviation over the K seeds',
    findings: rows.map((f) => ({
      id: f.id,
      condition: f.condition,
      measured: f.measured,
      expected: f.expected,
      pass: f.pass,
      perSeedPass: f.perSeedPass,
      readouts: f.readouts.map((r) => ({ readout: r.readout, perSeed: r.perSeed, mean: r.mean, sd: r.sd, ci95: [r.lo, r.hi] })),
      interval: f.interval,
      note: f.note ?? null,
    })),
  };
}

/** findings.csv over seeds: the columns of one seed's, then the intervals and the note. */
export function seedFindingsCsv(rows: readonly SeedFindingRow[]): string {
  const [head, ...body] = findingsCsv(rows).trimEnd().split('\n');
  return (
    [`${head},interval95,note`, ...body.map((line, i) => `${line},${csvField(rows[i]!.interval)},${csvField(rows[i]!.note ?? '')}`)].join(
      '\n',
    ) + '\n'
  );
}

/** findings-seeds.csv: every checked readout of every finding, its mean, sd and 95% interval, then its value at each seed. */
export function readoutSeedsCsv(rows: readonly SeedFindingRow[]): string {
  const seeds = rows[0]?.seeds ?? [];
  const out = [['id', 'readout', 'n', 'mean', 'sd', 'ci95_low', 'ci95_high', ...seeds.map((s) => `seed_${s}`)].join(',')];
  for (const f of rows) {
    for (const r of f.readouts)
      out.push([f.id, csvField(r.readout), String(r.n), ...[r.mean, r.sd, r.lo, r.hi, ...r.perSeed].map(csvNum)].join(','));
  }
  return out.join('\n') + '\n';
}

export interface ExperimentWriteOptions extends WriteOptions {
  /** Writes conditions/ID.nwb for a condition (absent, or undefined for it: no NWB file); over seeds, for its run at `seed`. */
  nwb?: (condition: string, seed?: number) => FileWriter | undefined;
  /**
   * Writes microdialysis/GENOTYPE.nwb for the time course run `run` (absent, or undefined for it: none),
   * with `description` as its session_description.
   */
  timecourseNwb?: (run: string, description: string) => FileWriter | undefined;
  /** provenance.json and scenario.json. */
  provenance?: ProvenanceFiles;
}

/** The folder of the time courses' NWB files. */
export const MICRODIALYSIS_DIR = 'microdialysis';

/** The session_description of a time course's NWB file: what it is, and the baseline of its percentages. */
export function timecourseDescription(s: MicrodialysisSeries): string {
  return (
    `The microdialysis time course ${s.name} (${s.genotype}) of raphe's report of Belmer et al. 2018: a drug-free baseline, ` +
    `then fluoxetine. processing/misc/probe_5ht is the virtual probe's 5-HT in nM (microdialysis.csv's probe_nm); ` +
    `its baseline, the mean over the baseline phase's last half, is ${csvNum(s.baselineNm)} nM, and ` +
    `percent_of_baseline = 100 * probe_5ht / ${csvNum(s.baselineNm)}.`
  );
}

/** ExperimentWriteOptions.timecourseNwb from the NWB writer (none: no files), the runs and their scenarios. */
export function timecourseNwbWriter(
  nwb: NwbWriter | undefined,
  runs: readonly NamedResult[],
  scenarios: readonly Scenario[],
  startedAt: Date,
): ExperimentWriteOptions['timecourseNwb'] {
  return (run, description) => {
    const result = runs.find((x) => x.name === run)?.result;
    const scenario = scenarios.find((x) => x.name === run);
    if (!nwb || !result || !scenario) return undefined;
    return (file) => nwb.write(file, { result, scenario, startedAt, version: RAPHE_VERSION, description });
  };
}

/** The time courses' NWB files: [name in the folder, content] for each run the writer takes. */
function timecourseFiles(runs: readonly NamedResult[], nwb: ExperimentWriteOptions['timecourseNwb']): [string, Content][] {
  const files: [string, Content][] = [];
  for (const s of microdialysisSeries(runs)) {
    const w = nwb?.(s.name, timecourseDescription(s));
    if (w) files.push([`${MICRODIALYSIS_DIR}/${s.genotype}.nwb`, { write: w }]);
  }
  return files;
}

/** Write an experiment's results into `dir`, with the same refusal and atomicity rules as writeRunOutputs. */
export function writeExperimentOutputs(
  dir: string,
  conds: readonly NamedResult[],
  findings: readonly FindingRow[],
  meta: ExperimentMeta,
  opts: ExperimentWriteOptions,
): WriteResult {
  return writeAtomically(dir, () => experimentFiles(conds, findings, meta, opts), opts);
}

/** writeExperimentOutputs with the event loop turning while the files are written (as writeRunOutputsAsync). */
export function writeExperimentOutputsAsync(
  dir: string,
  conds: readonly NamedResult[],
  findings: readonly FindingRow[],
  meta: ExperimentMeta,
  opts: ExperimentWriteOptions,
): Promise<WriteResult> {
  return writeAtomicallyAsync(dir, () => experimentFiles(conds, findings, meta, opts), opts);
}

/** The files of an experiment's output folder and their contents. */
function experimentFiles(
  conds: readonly NamedResult[],
  findings: readonly FindingRow[],
  meta: ExperimentMeta,
  opts: ExperimentWriteOptions,
): [string, Content][] {
  const seedRows = findings.every(isSeedRow) && findings.length ? findings : undefined;
  const files: [string, Content][] = [
    ['findings.json', toJson(seedRows ? seedFindingsJson(seedRows) : findingsJson(findings))],
    ['findings.csv', seedRows ? seedFindingsCsv(seedRows) : findingsCsv(findings)],
    ...(seedRows ? [['findings-seeds.csv', readoutSeedsCsv(seedRows)] as [string, Content]] : []),
    ['conditions.json', toJson(conditionsJson(conds))],
    ['report.html', experimentReportHtml(conds, rowsWithIntervals(findings), meta)],
  ];
  if (meta.timecourse?.length) files.push(['microdialysis.csv', microdialysisCsv(meta.timecourse)]);
  for (const c of conds) {
    for (const s of c.seeds ?? [undefined]) {
      const w = opts.nwb?.(c.name, s?.seed);
      if (w) files.push([s ? `conditions/seed-${s.seed}/${c.name}.nwb` : `conditions/${c.name}.nwb`, { write: w }]);
    }
  }
  // the time courses' NWB files after the conditions'
  if (meta.timecourse?.length) files.push(...timecourseFiles(meta.timecourse, opts.timecourseNwb));
  if (opts.provenance) files.push(...provenanceFileList(opts.provenance));
  return files;
}
