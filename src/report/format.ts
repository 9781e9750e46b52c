/**
 * Small number and text formatters shared by the report writers. Nothing here ever prints "NaN":
 * non-finite numbers become a dash (text) or an empty cell (CSV).
 */

/** Escape text for XML/HTML content and attribute values. */
export function escapeXml(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number for machine-readable output (CSV): shortest form at 12 significant digits, '' if not finite. */
export function csvNum(x: number): string {
  if (!Number.isFinite(x)) return '';
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(12)));
}

/** A number for people: `digits` significant digits, scientific outside 1e-3..1e6, '—' if not finite. */
export function fmtNum(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) {
    return x
      .toExponential(Math.max(0, digits - 1))
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  }
  if (Number.isInteger(x) && a < 1e6) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/** A number with a unit ("12.3 nM"), or '—'. */
export function fmtUnit(x: number | null | undefined, unit: string, digits = 3): string {
  const s = fmtNum(x, digits);
  return s === '—' || unit === '' ? s : `${s} ${unit}`;
}

/** A fraction as a percentage ("1.2 %"), or '—'. */
export function fmtPct(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${fmtNum(x * 100, digits)} %`;
}

/** Seconds as "12.3 s" / "4 min 5 s" for durations shown to people. */
export function fmtSeconds(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) < 120) return `${fmtNum(x, 3)} s`;
  const m = Math.floor(x / 60);
  const s = Math.round(x - m * 60);
  return `${m} min ${s} s`;
}
