/**
 * What a finding is, as data: named readouts computed from the measures of its conditions, and checks
 * that each hold a readout to a band. The pass test is evaluated from the bands and the `expected` text
 * is written from them, so the two cannot disagree; the F1-F7 data is findings-data.ts, C1-C3
 * findings-chronic.ts.
 */

/** A band edge that is another readout of the same finding (F5's "KO < WT"), with its name in the text. */
export interface ReadoutEdge {
  readout: string;
  label: string;
}

/**
 * The values a readout must take: lo and/or hi (inclusive unless marked open), or within centre ± tol.
 * `digits` and `percent` only shape the text (F2's "0.40-0.85", C1's "25-55%").
 */
export interface Band {
  lo?: number | ReadoutEdge;
  hi?: number | ReadoutEdge;
  loOpen?: boolean;
  hiOpen?: boolean;
  centre?: number;
  tol?: number;
  digits?: number;
  percent?: boolean;
}

/** One check: every readout named in `of` lies in `band`. */
export interface Check {
  of: string | readonly string[];
  band: Band;
  /** How `expected` states it, `{band}` standing for the band's text; null: left unstated (§5 states it). */
  say: string | null;
}

export type Readouts = Record<string, number>;

/** A finding: its conditions, its readouts (a named function of the measures), its checks, its source. */
export interface FindingSpec<M> {
  id: string;
  /** The condition as the findings table prints it. */
  condition: string;
  /** The condition in the README's words (doses spelled out). */
  title: string;
  /** What the finding shows, in words; the README prints it before the bands. */
  shows: string;
  /** Where the finding and its bands come from (docs/model.md §5, §7). */
  source: string;
  /** The conditions whose measures it reads. */
  conditions: readonly string[];
  /** Those of them that must have settled; `saySettled` states it in `expected`. */
  settled?: readonly string[];
  saySettled?: boolean;
  read: (m: M) => Readouts;
  checks: readonly Check[];
  /** How the stated checks are joined in `expected` (", " unless given). */
  join?: string;
  /** The measured values as the findings table prints them. */
  measured: (r: Readouts, m: M) => string;
}

/** One row of a findings table (the report prints these). */
export interface FindingRow {
  /** Finding id, e.g. "F3". */
  id: string;
  /** The condition or comparison it was measured in, e.g. "htr2b-ko vs wt". */
  condition: string;
  /** What the run measured, already formatted with units. */
  measured: string;
  /** What counts as a pass, written from the finding's bands. */
  expected: string;
  pass: boolean;
}

const edgeValue = (e: number | ReadoutEdge, r: Readouts) => (typeof e === 'number' ? e : r[e.readout]);

/** Whether x lies in the band (NaN never does); readout edges are read from `r`. */
export function inBand(x: number, b: Band, r: Readouts = {}): boolean {
  if (b.centre !== undefined) return Math.abs(x - b.centre) <= (b.tol ?? 0);
  if (b.lo !== undefined) {
    const lo = edgeValue(b.lo, r);
    if (!(b.loOpen ? x > lo : x >= lo)) return false;
  }
  if (b.hi !== undefined) {
    const hi = edgeValue(b.hi, r);
    if (!(b.hiOpen ? x < hi : x <= hi)) return false;
  }
  return true;
}

function edgeText(e: number | ReadoutEdge, b: Band): string {
  if (typeof e !== 'number') return e.label;
  if (b.percent) return String(Number((100 * e).toFixed(b.digits ?? 0)));
  return b.digits === undefined ? String(e) : e.toFixed(b.digits);
}

/** The band as `expected` writes it: "0.5-3", "< 0.5", ">= 2", "within 1 ± 0.05", "25-55%". */
export function bandText(b: Band): string {
  const unit = b.percent ? '%' : '';
  if (b.centre !== undefined) return `within ${edgeText(b.centre, b)} ± ${edgeText(b.tol ?? 0, b)}${unit}`;
  if (b.lo !== undefined && b.hi !== undefined) {
    if (b.loOpen || b.hiOpen) throw new Error('findings: a two-sided band is written lo-hi, both edges inclusive');
    return `${edgeText(b.lo, b)}-${edgeText(b.hi, b)}${unit}`;
  }
  if (b.hi !== undefined) return `${b.hiOpen ? '<' : '<='} ${edgeText(b.hi, b)}${unit}`;
  if (b.lo !== undefined) return `${b.loOpen ? '>' : '>='} ${edgeText(b.lo, b)}${unit}`;
  throw new Error('findings: a band needs lo, hi or centre');
}

/**
 * How far inside its band x lies, as a fraction of the band (> 0 inside): the nearer edge over the
 * width, or for a band with one numeric edge the distance over that edge. For the calibration search.
 */
export function bandMargin(x: number, b: Band): number {
  const num = (e: number | ReadoutEdge | undefined) => (typeof e === 'number' ? e : undefined);
  const lo = num(b.lo);
  const hi = num(b.hi);
  if (b.centre !== undefined) return ((b.tol ?? 0) - Math.abs(x - b.centre)) / (b.tol ?? 0);
  if (lo !== undefined && hi !== undefined) return Math.min(x - lo, hi - x) / (hi - lo);
  if (hi !== undefined) return (hi - x) / hi;
  if (lo !== undefined) return (x - lo) / lo;
  throw new Error('findings: a margin needs a numeric edge');
}

/** The readouts a check holds to its band. */
export const readoutsOf = (c: Check) => (typeof c.of === 'string' ? [c.of] : c.of);

/** `expected` of a finding: its stated checks, then "settled" where the finding says so. */
export function expectedText(f: Pick<FindingSpec<never>, 'checks' | 'saySettled' | 'join'>): string {
  const parts = f.checks.flatMap((c) => (c.say === null ? [] : [c.say.replace('{band}', bandText(c.band))]));
  if (f.saySettled) parts.push('settled');
  return parts.join(f.join ?? ', ');
}

/** Whether every check of the finding holds for readouts `r`. */
export function checksPass(f: Pick<FindingSpec<never>, 'checks'>, r: Readouts): boolean {
  return f.checks.every((c) => readoutsOf(c).every((name) => inBand(r[name], c.band, r)));
}

/** The margin (bandMargin) of every readout of every check, in order. */
export function checkMargins(f: Pick<FindingSpec<never>, 'checks'>, r: Readouts): number[] {
  return f.checks.flatMap((c) => readoutsOf(c).map((name) => bandMargin(r[name], c.band)));
}

/** The finding's row: readouts read, checks and settling tested, texts written. */
export function evaluateSpec<M>(f: FindingSpec<M>, m: M, settled: (id: string) => boolean = () => true): FindingRow {
  const r = f.read(m);
  return {
    id: f.id,
    condition: f.condition,
    measured: f.measured(r, m),
    expected: expectedText(f),
    pass: checksPass(f, r) && (f.settled ?? []).every(settled),
  };
}
