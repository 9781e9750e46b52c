/**
 * The tables of docs/model.md, generated from the model's own tables (PARAM_SPECS, DRUGS, GENOTYPES,
 * the findings and their conditions, the derived constants), so the document cannot drift from the
 * code. Pure functions returning Markdown; `npm run docs` (scripts/gen-docs.mjs) writes them between
 * the markers `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`, and tests/docs-model.test.ts
 * fails when the document differs from what they return now. Imports only src/model/ and src/rng/.
 */
import { buildModel, deriveConstants } from './derive.js';
import {
  DRUG_NAMES,
  DRUGS,
  GENOTYPE_NAMES,
  GENOTYPES,
  dosesText as occupancyDosesText,
  type DrugDoses,
  type DrugName,
  type DrugSpec,
} from './drugs.js';
import { CHRONIC_FINDINGS } from './findings-chronic.js';
import { DOSES, DURATIONS_S, QUICK_DURATIONS_S, belmerConditions } from './findings-conditions.js';
import { FINDINGS } from './findings-data.js';
import { expectedText, type FindingSpec } from './findings-spec.js';
import { PARAM_KEYS, PARAM_SPECS, defaultParams, type ParamSpec } from './params.js';
import { diffusionNumber } from './scenario.js';

/** A number as the tables print it: 6 significant digits at most, exponents for very large or small. */
export function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = x.toExponential(5).split('e');
    return `${Number(m)}e${Number(e)}`;
  }
  return String(Number(x.toPrecision(6)));
}

/** Source strings cite the model card's sections as "MODEL.md §N"; in this document that is its own §N. */
function localSections(s: string): string {
  return s.replace(/(?:docs\/model\.md|MODEL\.md) §/g, '§');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * A Markdown table laid out as `biome format` lays it out (columns padded to their widest cell, at least
 * 3 characters, counted in code points), so formatting the document leaves the generated blocks alone.
 */
function table(head: string[], rows: string[][]): string {
  const all = [head, ...rows].map((r) => r.map(cell));
  const len = (s: string) => [...s].length;
  const width = head.map((_, j) => Math.max(3, ...all.map((r) => len(r[j]))));
  const line = (r: string[]) => `| ${r.map((c, j) => c + ' '.repeat(width[j] - len(c))).join(' | ')} |`;
  return [line(all[0]), line(width.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join('\n');
}

/** Every parameter of PARAM_SPECS, in schema order. */
export function paramsTable(): string {
  const rows = PARAM_KEYS.map((k) => {
    const s: ParamSpec = PARAM_SPECS[k];
    const range = `${fmtNumber(s.min)} – ${fmtNumber(s.max)}${s.integer ? ', integer' : ''}`;
    const choice = s.choice ? `**choice**: ${s.reason ?? ''}` : '';
    return [`\`${k}\``, fmtNumber(s.value), s.unit, range, s.doc, localSections(s.source), choice];
  });
  return table(['name', 'default', 'unit', 'allowed range', 'meaning', 'source', 'choice: reason'], rows);
}

function drugRole(d: DrugSpec): string {
  if (d.target === 'sert') return 'SERT inhibitor (SSRI): Km_eff = Km (1 + S/K)';
  const receptor = d.target === '5ht1a' ? '5-HT1A' : '5-HT2B';
  if (d.action === 'agonist') return `${receptor} agonist, efficacy ${fmtNumber(d.efficacy)}`;
  return `${receptor} ${d.action} (silent: efficacy 0)`;
}

/** The free concentrations (nM) at which the Belmer 2018 experiment uses each drug. */
function experimentDoses(): Map<DrugName, number[]> {
  const out = new Map<DrugName, number[]>();
  for (const c of belmerConditions()) {
    for (const [name, dose] of Object.entries(c.doses) as [DrugName, number][]) {
      const list = out.get(name) ?? [];
      if (!list.includes(dose)) list.push(dose);
      out.set(name, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** Every drug of DRUGS. */
export function drugsTable(): string {
  const used = experimentDoses();
  const rows = DRUG_NAMES.map((name) => {
    const d: DrugSpec = DRUGS[name];
    const target = d.target === 'sert' ? 'SERT' : d.target === '5ht1a' ? '5-HT1A' : '5-HT2B';
    const doses = used.get(name);
    return [
      `\`${name}\``,
      target,
      fmtNumber(d.K_nM),
      drugRole(d),
      doses ? doses.map(fmtNumber).join(', ') : '–',
      localSections(d.source) + (d.choice ? ' (**choice**)' : ''),
    ];
  });
  return table(['name', 'target', 'affinity K (nM)', 'role', 'doses in belmer2018 (nM)', 'source'], rows);
}

/** Every genotype of GENOTYPES: the factors on g1A, g2B and SERT Vmax. */
export function genotypesTable(): string {
  const rows = GENOTYPE_NAMES.map((name) => {
    const g = GENOTYPES[name];
    return [`\`${name}\``, fmtNumber(g.g1A), fmtNumber(g.g2B), fmtNumber(g.sert), g.doc];
  });
  return table(['name', 'factor on g1A', 'factor on g2B', 'factor on SERT Vmax', 'meaning'], rows);
}

/** Doses with their occupancy, as the CLI prints them; "none" without a drug. */
function dosesText(d: DrugDoses): string {
  return Object.keys(d).length ? occupancyDosesText(d) : 'none';
}

/** The conditions of the Belmer 2018 experiment, each an independent run. */
export function conditionsTable(): string {
  const full = belmerConditions(1, DURATIONS_S);
  const quick = new Map(belmerConditions(1, QUICK_DURATIONS_S).map((c) => [c.id, c.durationS]));
  const rows = full.map((c) => [
    `\`${c.id}\``,
    `\`${c.genotype}\``,
    dosesText(c.doses),
    fmtNumber(c.durationS),
    fmtNumber(quick.get(c.id) ?? NaN),
  ]);
  return table(['condition', 'genotype', 'drugs (free concentration)', 'duration (s)', 'duration with --quick (s)'], rows);
}

/** Findings F1-F7: id, condition, the check as evaluateFindings prints it, and the source. */
export function findingsTable(): string {
  const rows = FINDINGS.map((f) => [f.id, f.condition, expectedText(f), localSections(f.source)]);
  return table(['id', 'condition', 'what must hold', 'source'], rows);
}

/** What a finding must show, in words and then its bands (the README's and §7's "must show"). */
function mustShow(f: FindingSpec<never>): string {
  return `${f.shows}: ${expectedText(f)}`;
}

/** Findings C1-C3 of §7: id, condition, what must show, source. */
export function chronicFindingsTable(): string {
  const rows = CHRONIC_FINDINGS.map((f) => [f.id, f.title, mustShow(f), localSections(f.source)]);
  return table(['id', 'condition', 'must show', 'source'], rows);
}

/** The README's table of F1-F7 (or C1-C3): id, condition, what must show. */
export function bandsTable(specs: readonly FindingSpec<never>[] = FINDINGS): string {
  return table(
    ['id', 'condition', 'must show'],
    specs.map((f) => [f.id, f.title, mustShow(f)]),
  );
}

/** Calibrated values: every parameter marked as a choice, with its value and reason. */
export function calibrationTable(): string {
  const rows = PARAM_KEYS.filter((k) => (PARAM_SPECS[k] as ParamSpec).choice).map((k) => {
    const s: ParamSpec = PARAM_SPECS[k];
    const unit = s.unit === '1' ? '' : ` ${s.unit}`;
    return [`\`${k}\``, `${fmtNumber(s.value)}${unit}`, s.reason ?? '', localSections(s.source)];
  });
  return table(['name', 'value', 'reason', 'source'], rows);
}

/** Quantities derived from the defaults by derive.ts and geometry.ts (what the engines compute with). */
export function derivedTable(): string {
  const p = defaultParams();
  const n = p.refCells_n;
  const m = buildModel(p, 'wt', n, 1);
  const m2 = buildModel(p, 'wt', 2000, 1);
  const k = deriveConstants(m, {});
  const kSsri = deriveConstants(m, DOSES.ssri);
  const g = m.geometry;
  const nVox = g.inside.length;
  const Dstar = (p.D_cm2ps * 1e8) / (p.lambda * p.lambda);
  const lam = (p.bgRate_Hz * p.dt_ms * p.subSteps) / 1000;
  const rows: [string, string, string][] = [
    ['grid step dt_grid = dt × subSteps', fmtNumber(m.dtGrid_s * 1000), 'ms'],
    ['refractory period in sub-steps, round(tRef / dt)', fmtNumber(k.refSteps), 'sub-steps'],
    ['voxel box nx × ny × nz = ceil(extent / voxel)', `${g.nx} × ${g.ny} × ${g.nz}`, 'voxels'],
    ['region voxels (centre inside the ellipsoid)', fmtNumber(nVox), 'voxels'],
    ['region volume, voxels × voxel³', fmtNumber((nVox * p.voxel_um ** 3) / 1e9), 'mm³'],
    ['probe voxels (region voxels inside the cylinder)', fmtNumber(g.probe.length), 'voxels'],
    ['extracellular volume of one voxel, alpha × voxel³', fmtNumber(m.voxelVolume_L), 'L'],
    ['effective diffusion D* = D / lambda²', fmtNumber(Dstar), 'µm²/s'],
    ['diffusion number D* dt_grid / voxel² (stable up to 1/6)', fmtNumber(diffusionNumber(p)), '1'],
    [`5-HT step of one spike in its voxel, N = ${n}`, fmtNumber(m.dCspike_nM), 'nM'],
    ['5-HT step of one spike in its voxel, N = 2000', fmtNumber(m2.dCspike_nM), 'nM'],
    ['non-specific clearance per grid step, k_clear dt_grid', fmtNumber(k.kClearDt), '1'],
    ['Km_eff, no SSRI', fmtNumber(k.KmEff), 'nM'],
    [`Km_eff with F3's ${dosesText(DOSES.ssri)}`, fmtNumber(kSsri.KmEff), 'nM'],
    ['background events per cell per grid step, lambda = rate × dt_grid', fmtNumber(lam), '1'],
    ['P(N >= 2 | N >= 1), P(N >= 3 | N >= 1) of an event step', [k.bgC2, k.bgC3].map((t) => fmtNumber(t / 2 ** 32)).join(', '), '1'],
    ['gap table length (grid steps; P(gap >= L) < 2^-33)', String(k.bgGapLen), 'steps'],
    ['mean background conductance, rate × step × tauBg', fmtNumber((p.bgRate_Hz / 1000) * p.bgStep_nS * p.tauBg_ms), 'nS'],
    ['AHP decay per sub-step, exp(-dt / tauAhp1..3)', [k.eAhp1, k.eAhp2, k.eAhp3].map(fmtNumber).join(', '), '1'],
    ['background decay per sub-step, exp(-dt / tauBg)', fmtNumber(k.eBg), '1'],
    ['5-HT1A filter factors per grid step: e_R, e_D, cross term', [k.e1Rise, k.e1Decay, k.c1Cross].map(fmtNumber).join(', '), '1'],
    ['5-HT2B filter factor per grid step, exp(-dt_grid / tau2B)', fmtNumber(k.e2B), '1'],
  ];
  return table(['quantity (defaults, seed 1)', 'value', 'unit'], rows);
}

/** The generated blocks of docs/model.md, by marker name. */
export function generatedBlocks(): Record<string, string> {
  return {
    params: paramsTable(),
    drugs: drugsTable(),
    genotypes: genotypesTable(),
    conditions: conditionsTable(),
    findings: findingsTable(),
    'chronic-findings': chronicFindingsTable(),
    calibration: calibrationTable(),
    derived: derivedTable(),
  };
}

/** The generated blocks of README.md, by marker name. */
export function readmeBlocks(): Record<string, string> {
  return { 'findings-bands': bandsTable(FINDINGS), 'chronic-bands': bandsTable(CHRONIC_FINDINGS) };
}

const BLOCK = /<!-- generated:([a-z-]+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g;

/** The names of the generated blocks a document holds, in order. */
export function blockNames(md: string): string[] {
  return [...md.matchAll(BLOCK)].map((m) => m[1]);
}

/** The document with every generated block rewritten; throws on a marker with no generator. */
export function fillGeneratedBlocks(md: string, blocks: Record<string, string> = generatedBlocks()): string {
  return md.replace(BLOCK, (_all, name: string) => {
    const body = blocks[name];
    if (body === undefined) throw new Error(`docs: no generator for block "${name}"`);
    return `<!-- generated:${name} -->\n${body}\n<!-- /generated:${name} -->`;
  });
}
