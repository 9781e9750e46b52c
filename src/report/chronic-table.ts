/**
 * The chronic trajectory as an aligned text table, as `raphe experiment chronic-ssri` and a chronic
 * `raphe run` print it; over seeds (`--seeds K`), each cell as mean ± 95% interval.
 */
import type { ChronicDayOverSeeds, ValueOverSeeds } from '../experiment/chronic-seeds.js';
import type { ChronicReadout } from '../model/chronic.js';

const num = (x: number | undefined, d: number) => (x === undefined ? '' : Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** Condition, day, rate, rate vs day 0, probe, mean d1A, share desensitised, mean d2B, SERT scale, IC50: one row per readout. */
export function formatChronicTable(rows: readonly ChronicReadout[]): string {
  const body = rows.map((r) => [
    r.condition,
    String(r.day),
    num(r.rateHz, 3),
    `${num(100 * r.rateRel, 0)}%`,
    num(r.probe5htNm, 1),
    num(r.meanD1A, 3),
    `${(100 * r.fractionDesensitised).toFixed(0)}%`,
    num(r.meanD2B, 3),
    num(r.sertScale, 3),
    r.dpatIc50Nm === undefined ? '' : num(r.dpatIc50Nm, 2),
  ]);
  return alignedTable(body);
}

const HEADER = [
  'condition',
  'day',
  'rate (Hz)',
  'vs day 0',
  'probe 5-HT (nM)',
  'mean d1A',
  'd1A >= 0.25',
  'mean d2B',
  'SERT scale',
  '8-OH-DPAT IC50 (nM)',
];

/** The header and rows, condition and day left-aligned, the numbers right-aligned. */
function alignedTable(body: string[][]): string {
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join(' | ')
      .trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}

/** A value over seeds as "mean ± half-width" at `d` decimals (times `scale`, with `unit` after both). */
function pm(v: ValueOverSeeds | undefined, d: number, scale = 1, unit = ''): string {
  if (v === undefined) return '';
  return `${num(scale * v.mean, d)}${unit} ± ${num(scale * v.halfWidth, d)}${unit}`;
}

/**
 * The trajectory over K seeds (`--seeds K`): the columns of formatChronicTable, each cell the mean over
 * the seeds ± the half-width of its 95% t interval, and a line saying so.
 */
export function formatChronicSeedsTable(days: readonly ChronicDayOverSeeds[], seeds: number): string {
  const cells = days.map((r) => {
    const v = r.values;
    return [
      r.condition,
      String(r.day),
      pm(v.rateHz, 3),
      pm(v.rateRel, 0, 100, '%'),
      pm(v.probe5htNm, 1),
      pm(v.meanD1A, 3),
      pm(v.fractionDesensitised, 0, 100, '%'),
      pm(v.meanD2B, 3),
      pm(v.sertScale, 3),
      pm(v.dpatIc50Nm, 2),
    ];
  });
  return `${alignedTable(cells)}\n(mean ± 95% interval over ${seeds} seeds: t(0.975, ${seeds - 1}) · sd / √${seeds})`;
}
