/**
 * One row per checked finding (F1-F7 and the like), and its plain-text table for the terminal. Rows
 * over several seeds (`--seeds K`) add a column of 95% intervals and, under the table, a note for each
 * finding whose interval holds a bound of its band.
 */

import { isSeedRow } from '../model/findings-seeds.js';
import type { FindingRow } from '../model/findings-spec.js';

export type { FindingRow };

/** Count of passing rows. */
export function countPassed(rows: readonly FindingRow[]): number {
  let n = 0;
  for (const r of rows) if (r.pass) n++;
  return n;
}

/** The rows as a one-column report shows them: over seeds, the intervals (and a note) after the means. */
export function rowsWithIntervals(rows: readonly FindingRow[]): FindingRow[] {
  return rows.map((r) =>
    isSeedRow(r) ? { ...r, measured: `${r.measured}; 95% interval ${r.interval}${r.note ? `. Note: ${r.note}` : ''}` } : r,
  );
}

/** Replace line breaks and tabs so one row stays on one terminal line. */
function oneLine(s: string): string {
  return String(s).replace(/[\r\n\t]+/g, ' ');
}

/**
 * An aligned plain-text table: id | condition | measured | expected | pass/FAIL, then a final line
 * "N/M findings pass". Rows over seeds: id | condition | measured (the means) | 95% interval (K seeds)
 * | expected | pass/FAIL, the pass line, then one "note:" line per finding whose interval holds a bound.
 */
export function formatFindingsTable(rows: readonly FindingRow[]): string {
  const seeds = rows.find(isSeedRow)?.seeds.length;
  const header = ['id', 'condition', 'measured', 'expected', 'pass/FAIL'];
  const body = rows.map((r) => [r.id, r.condition, r.measured, r.expected, r.pass ? 'pass' : 'FAIL'].map(oneLine));
  if (seeds !== undefined) {
    header.splice(3, 0, `95% interval (${seeds} seeds)`);
    rows.forEach((r, i) => {
      body[i]!.splice(3, 0, oneLine(isSeedRow(r) ? r.interval : ''));
    });
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const out: string[] = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const row of body) out.push(line(row));
  out.push(`${countPassed(rows)}/${rows.length} findings pass`);
  if (seeds !== undefined) {
    out.push(`(pass/FAIL on the mean over the seeds; interval: mean ± t(0.975, ${seeds - 1}) · sd / √${seeds})`);
    for (const r of rows) if (isSeedRow(r) && r.note) out.push(`note: ${oneLine(r.note)}`);
  }
  return out.join('\n');
}
