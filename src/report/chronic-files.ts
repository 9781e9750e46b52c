/**
 * What `raphe experiment chronic-ssri --out DIR` writes: report.html, chronic.json (every day's readout,
 * the C findings and how the run was made), trajectory.csv (every slow step) and findings.json, and
 * provenance.json and scenario.json when the provenance is given; through the atomic folder of write.ts.
 * `raphe run --out DIR` of a chronic scenario writes the same files but findings.json (the C findings
 * are the experiment's). chronicSummary is also what `--json` prints.
 *
 * Over K > 1 seeds (`seeds` given; `res` is then the first seed's, its findings those over the seeds):
 * chronic.json and findings.json hold the findings with their per-seed readouts and intervals, every
 * day over the seeds (`daysOverSeeds`) and each seed's own days and findings (`perSeed`); trajectory.csv
 * holds every seed's slow steps with a leading `seed` column; the report adds the days over the seeds.
 */
import type { ChronicSeedsResult } from '../experiment/chronic-seeds.js';
import type { ChronicExperimentResult } from '../experiment/chronic-ssri.js';
import type { Params } from '../model/params.js';
import { chronicReportHtml } from './chronic-report.js';
import { provenanceHtml } from './html.js';
import { paramsDiff, provenanceFileList, type ProvenanceFiles } from './provenance.js';
import { OUTPUT_FILE_NAMES, writeAtomically, type Content, type WriteOptions, type WriteResult } from './write.js';

/** How the chronic run was made, beyond its result. */
export interface ChronicRunInfo {
  /** Why this engine (resolveEngine's reason). */
  engineReason: string;
  seed: number;
  /** A chronic scenario's name (raphe run); absent: the chronic-ssri experiment. */
  scenario?: string;
  /** What the report says was held for how long (default: the experiment's treatment). */
  intro?: string;
  /** How the run was made: provenance.json, scenario.json, and in chronic.json and report.html. */
  provenance?: ProvenanceFiles & { params: Params };
  /** The experiment over K > 1 seeds. */
  seeds?: Omit<ChronicSeedsResult, 'wallSeconds'>;
}

/** JSON.stringify's replacer: NaN and ±Infinity written as null (JSON has no such numbers). */
export const finiteOrNull = (_k: string, x: unknown): unknown => (typeof x === 'number' && !Number.isFinite(x) ? null : x);

/** Each day's readout per condition, and the C findings. */
export function chronicJson(res: ChronicExperimentResult): { days: unknown[]; findings: unknown[] } {
  return {
    days: res.days.map((r) => ({
      condition: r.condition,
      day: r.day,
      rateHz: r.rateHz,
      probe5htNm: r.probe5htNm,
      meanD1A: r.meanD1A,
      fractionDesensitised: r.fractionDesensitised,
      rateRel: r.rateRel,
      meanD2B: r.meanD2B,
      sertScale: r.sertScale,
      ...(r.dpatIc50Nm !== undefined ? { dpatIc50Nm: Number.isFinite(r.dpatIc50Nm) ? r.dpatIc50Nm : null } : {}),
    })),
    findings: res.findings.map((f) => ({ id: f.id, condition: f.condition, measured: f.measured, expected: f.expected, pass: f.pass })),
  };
}

/** Over seeds: the findings (with per-seed readouts and intervals), the days over seeds, each seed's own days and findings. */
function chronicSeedsJson(s: NonNullable<ChronicRunInfo['seeds']>) {
  return {
    seeds: s.seeds,
    findings: s.findings,
    daysOverSeeds: s.days,
    perSeed: s.perSeed.map((res, k) => ({ seed: s.seeds[k], ...chronicJson(res) })),
  };
}

/** chronicJson with the experiment, engine, size, seed, wall time and whether every finding passed. */
export function chronicSummary(res: ChronicExperimentResult, info: ChronicRunInfo) {
  return {
    ...chronicJson(res),
    ...(info.seeds ? chronicSeedsJson(info.seeds) : {}),
    ...(info.scenario === undefined ? { experiment: 'chronic-ssri' } : { scenario: info.scenario }),
    engine: res.engine,
    adapter: res.adapter,
    engineReason: info.engineReason,
    neurons: res.neurons,
    seed: info.seed,
    wallSeconds: res.wallSeconds,
    allPass: res.findings.every((f) => f.pass),
  };
}

/** chronic.json: chronicSummary and, when given, the provenance. */
function chronicFileJson(res: ChronicExperimentResult, info: ChronicRunInfo): unknown {
  const s = chronicSummary(res, info);
  return info.provenance ? { ...s, provenance: info.provenance.provenance } : s;
}

/**
 * Every slow step of every condition: hours, day, mean d1A, share desensitised, rate, probe, mean
 * activation, rate relative to day 0, mean d2B, SERT scale, settled.
 */
export function trajectoryCsv(res: Pick<ChronicExperimentResult, 'runs'>, seed?: number): string {
  const head = 'condition,hours,day,mean_d1a,fraction_desensitised,rate_hz,probe_nm,mean_a1a,rate_rel_day0,mean_d2b,sert_scale,settled';
  const lines = [seed === undefined ? head : `seed,${head}`];
  for (const r of res.runs) {
    for (const s of r.steps) {
      lines.push(
        [
          ...(seed === undefined ? [] : [seed]),
          r.name,
          s.hours,
          s.hours / 24,
          s.meanD1A,
          s.fractionDesensitised,
          s.rateHz,
          s.probe5htNm,
          s.meanA1A,
          s.rateRel,
          s.meanD2B,
          s.sertScale,
          s.settled,
        ]
          // a ratio to a silent day 0 is no number: an empty field, never NaN
          .map((x) => (typeof x === 'number' ? (Number.isFinite(x) ? Number(x.toPrecision(6)) : '') : x))
          .join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** trajectory.csv: one seed's as trajectoryCsv writes it; over seeds, every seed's rows behind a `seed` column. */
function seedsTrajectoryCsv(res: Pick<ChronicExperimentResult, 'runs'>, seeds: ChronicRunInfo['seeds']): string {
  if (!seeds) return trajectoryCsv(res);
  const parts = seeds.perSeed.map((r, k) => trajectoryCsv(r, seeds.seeds[k]).split('\n'));
  return [parts[0]![0], ...parts.flatMap((lines) => lines.slice(1).filter(Boolean))].join('\n') + '\n';
}

/** The files, by name (each a name of OUTPUT_FILE_NAMES, so that a later run sees them as earlier results). */
export function chronicFiles(res: ChronicExperimentResult, info: ChronicRunInfo): [string, Content][] {
  const p = info.provenance;
  const title =
    info.scenario === undefined
      ? `Chronic fluoxetine on raphe (${res.neurons} neurons)`
      : `raphe run: ${info.scenario} (chronic, ${res.neurons} neurons)`;
  const tail = p ? provenanceHtml({ provenance: p.provenance, diffs: paramsDiff(p.params) }) : undefined;
  const files: [string, Content][] = [
    ['report.html', chronicReportHtml(res, { title, engineReason: info.engineReason, intro: info.intro, tail, seeds: info.seeds })],
    ['chronic.json', JSON.stringify(chronicFileJson(res, info), finiteOrNull, 2) + '\n'],
    ['trajectory.csv', seedsTrajectoryCsv(res, info.seeds)],
  ];
  const findings = info.seeds ? info.seeds.findings : chronicJson(res).findings;
  if (info.scenario === undefined) files.push(['findings.json', JSON.stringify(findings, finiteOrNull, 2) + '\n']);
  if (p) files.push(...provenanceFileList(p));
  for (const [name] of files) {
    if (!(OUTPUT_FILE_NAMES as readonly string[]).includes(name)) throw new Error(`chronic output: ${name} is not a raphe output name`);
  }
  return files;
}

/** Write the chronic experiment's files into `dir`, with the same refusal and atomicity rules as every job. */
export function writeChronicOutputs(dir: string, res: ChronicExperimentResult, info: ChronicRunInfo, opts: WriteOptions): WriteResult {
  return writeAtomically(dir, () => chronicFiles(res, info), opts);
}
