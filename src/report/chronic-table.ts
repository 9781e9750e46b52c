/** The chronic trajectory as an aligned text table, as `raphe experiment chronic-ssri` and a chronic `raphe run` print it. */
import type { ChronicReadout } from '../model/chronic.js';

const num = (x: number | undefined, d: number) => (x === undefined ? '' : Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** Condition, day, rate, rate vs day 0, probe, mean d1A, share desensitised, mean d2B, SERT scale, IC50: one row per readout. */
export function formatChronicTable(rows: readonly ChronicReadout[]): string {
  const header = [
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
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}
