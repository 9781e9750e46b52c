/**
 * What `raphe experiment chronic-ssri --out DIR` writes: report.html, chronic.json (every day's readout,
 * the C findings and how the run was made), trajectory.csv (every slow step) and findings.json, and
 * provenance.json and scenario.json when the provenance is given; through the atomic folder of write.ts.
 * `raphe run --out DIR` of a chronic scenario writes the same files but findings.json (the C findings
 * are the experiment's). chronicSummary is also what `--json` prints.
 */
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

/** chronicJson with the experiment, engine, size, seed, wall time and whether every finding passed. */
export function chronicSummary(res: ChronicExperimentResult, info: ChronicRunInfo) {
  return {
    ...chronicJson(res),
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
export function trajectoryCsv(res: Pick<ChronicExperimentResult, 'runs'>): string {
  const lines = ['condition,hours,day,mean_d1a,fraction_desensitised,rate_hz,probe_nm,mean_a1a,rate_rel_day0,mean_d2b,sert_scale,settled'];
  for (const r of res.runs) {
    for (const s of r.steps) {
      lines.push(
        [
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

/** The files, by name (each a name of OUTPUT_FILE_NAMES, so that a later run sees them as earlier results). */
export function chronicFiles(res: ChronicExperimentResult, info: ChronicRunInfo): [string, Content][] {
  const p = info.provenance;
  const title =
    info.scenario === undefined
      ? `Chronic fluoxetine on raphe (${res.neurons} neurons)`
      : `raphe run: ${info.scenario} (chronic, ${res.neurons} neurons)`;
  const tail = p ? provenanceHtml({ provenance: p.provenance, diffs: paramsDiff(p.params) }) : undefined;
  const files: [string, Content][] = [
    ['report.html', chronicReportHtml(res, { title, engineReason: info.engineReason, intro: info.intro, tail })],
    ['chronic.json', JSON.stringify(chronicFileJson(res, info), finiteOrNull, 2) + '\n'],
    ['trajectory.csv', trajectoryCsv(res)],
  ];
  if (info.scenario === undefined) files.push(['findings.json', JSON.stringify(chronicJson(res).findings, null, 2) + '\n']);
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
