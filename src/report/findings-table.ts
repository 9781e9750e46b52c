/**
 * One row per checked finding (F1-F7 and the like), and its plain-text table for the terminal.
 */

import type { FindingRow } from '../model/findings-spec.js';

export type { FindingRow };

/** Count of passing rows. */
export function countPassed(rows: readonly FindingRow[]): number {
  let n = 0;
  for (const r of rows) if (r.pass) n++;
  return n;
}

/** Replace line breaks and tabs so one row stays on one terminal line. */
function oneLine(s: string): string {
  return String(s).replace(/[\r\n\t]+/g, ' ');
}

/**
 * An aligned plain-text table: id | condition | measured | expected | pass/FAIL, then a final line
 * "N/M findings pass".
 */
export function formatFindingsTable(rows: readonly FindingRow[]): string {
  const header = ['id', 'condition', 'measured', 'expected', 'pass/FAIL'];
  const body = rows.map((r) => [r.id, r.condition, r.measured, r.expected, r.pass ? 'pass' : 'FAIL'].map(oneLine));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const out: string[] = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const row of body) out.push(line(row));
  out.push(`${countPassed(rows)}/${rows.length} findings pass`);
  return out.join('\n');
}
