/**
 * Four-parameter Hill (logistic) fits by Levenberg-Marquardt, written here (about 200 lines, no
 * dependency): y = bottom + (top - bottom) / (1 + 10^((log10 EC50 - log10 x) * hill)). hill > 0 for a
 * rising curve, < 0 for a falling one (then EC50 is an IC50); bottom and top are the lower and upper
 * plateaus. x = 0 is allowed (the limit: the low-dose plateau). Intervals: from the fit's curvature,
 * s² (JᵀJ)⁻¹ with Student's t on n - 4 degrees of freedom (EC50's on the log scale), or over
 * replicate fits (one per seed). A fit that did not converge, or whose EC50 lies far outside the
 * values tested, is refused (converged false, with the reason), never reported as numbers.
 */

export interface HillParams {
  bottom: number;
  top: number;
  ec50: number;
  hill: number;
}

export type Interval = [number, number];

export interface HillFit extends Partial<HillParams> {
  converged: boolean;
  /** Why the fit is refused (converged false). */
  reason?: string;
  /** 95% intervals (null where not available: too few points or a singular curvature). */
  ci95: { ec50: Interval; hill: Interval; bottom: Interval; top: Interval } | null;
  /** How the intervals were made. */
  ciMethod?: 'curvature' | 'seeds';
  rss?: number;
  n: number;
  iterations?: number;
}

const LN10 = Math.LN10;
/** Steeper than this, the slope is not determined by the tested values (a step between two of them). */
export const MAX_HILL = 20;

/** Student's t, two-sided 95% (0.975 quantile), for df degrees of freedom. */
export function t975(df: number): number {
  const T = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093,
    2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
  ];
  if (!(df >= 1)) return NaN;
  if (df <= 30) return T[Math.round(df) - 1];
  return 1.96 + 2.4 / df;
}

/** The logistic fraction f = 1 / (1 + 10^z), z = (L - log10 x) h; and df/dz. */
function frac(x: number, L: number, h: number): { f: number; dfdz: number; X: number } {
  if (x <= 0) {
    const f = h > 0 ? 0 : h < 0 ? 1 : 0.5;
    return { f, dfdz: 0, X: 0 };
  }
  const X = Math.log10(x);
  const z = Math.max(-300, Math.min(300, (L - X) * h));
  const u = 10 ** z;
  const f = Number.isFinite(u) ? 1 / (1 + u) : 0;
  return { f, dfdz: -LN10 * f * (1 - f), X };
}

export function hillValue(x: number, p: HillParams): number {
  return p.bottom + (p.top - p.bottom) * frac(x, Math.log10(p.ec50), p.hill).f;
}

/** Solve A d = b (n x n, row-major) by Gaussian elimination with partial pivoting; null when singular. */
export function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    if (!(Math.abs(M[piv][c]) > 1e-300)) return null;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = c + 1; r < n; r++) {
      const k = M[r][c] / M[c][c];
      for (let j = c; j <= n; j++) M[r][j] -= k * M[c][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let j = r + 1; j < n; j++) s -= M[r][j] * x[j];
    x[r] = s / M[r][r];
  }
  return x.every(Number.isFinite) ? x : null;
}

/** Inverse of a small symmetric matrix (null when singular). */
function inverse(A: number[][]): number[][] | null {
  const n = A.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    e[j] = 1;
    const c = solve(A, e);
    if (!c) return null;
    cols.push(c);
  }
  return A.map((_, i) => cols.map((c) => c[i]));
}

interface LmResult {
  p: number[];
  rss: number;
  converged: boolean;
  iterations: number;
  JtJ: number[][];
}

/** Levenberg-Marquardt on theta = [bottom, top, log10 EC50, hill]. */
function lm(x: readonly number[], y: readonly number[], p0: number[], maxIter = 500): LmResult {
  const n = x.length;
  const evalAt = (p: number[]) => {
    const r = new Array<number>(n);
    const J: number[][] = [];
    let rss = 0;
    for (let i = 0; i < n; i++) {
      const { f, dfdz, X } = frac(x[i], p[2], p[3]);
      const d = p[1] - p[0];
      r[i] = y[i] - (p[0] + d * f);
      rss += r[i] * r[i];
      J.push([1 - f, f, x[i] > 0 ? d * dfdz * p[3] : 0, x[i] > 0 ? d * dfdz * (p[2] - X) : 0]);
    }
    return { r, J, rss };
  };
  const normal = (J: number[][], r: number[]) => {
    const A = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
    const g = [0, 0, 0, 0];
    for (let i = 0; i < J.length; i++) {
      for (let a = 0; a < 4; a++) {
        g[a] += J[i][a] * r[i];
        for (let b = 0; b < 4; b++) A[a][b] += J[i][a] * J[i][b];
      }
    }
    return { A, g };
  };
  let p = [...p0];
  let cur = evalAt(p);
  let lambda = 1e-3;
  const scaleY = Math.max(1e-30, ...y.map(Math.abs));
  for (let it = 1; it <= maxIter; it++) {
    const { A, g } = normal(cur.J, cur.r);
    const gmax = Math.max(...g.map(Math.abs));
    if (gmax <= 1e-12 * scaleY * scaleY || cur.rss <= 1e-28 * scaleY * scaleY * n)
      return { p, rss: cur.rss, converged: true, iterations: it, JtJ: A };
    let accepted = false;
    while (lambda < 1e12) {
      const D = A.map((row, i) => row.map((v, j) => (i === j ? v + lambda * Math.max(v, 1e-12) : v)));
      const d = solve(D, g);
      if (d) {
        const q = p.map((v, i) => v + d[i]);
        q[3] = Math.max(-100, Math.min(100, q[3]));
        q[2] = Math.max(-30, Math.min(30, q[2]));
        const next = evalAt(q);
        if (Number.isFinite(next.rss) && next.rss <= cur.rss) {
          const small = d.every((di, i) => Math.abs(di) <= 1e-9 * (Math.abs(p[i]) + 1e-9));
          const flat = cur.rss - next.rss <= 1e-14 * cur.rss;
          p = q;
          cur = next;
          lambda = Math.max(1e-12, lambda / 3);
          accepted = true;
          if (small || flat) return { p, rss: cur.rss, converged: true, iterations: it, JtJ: normal(cur.J, cur.r).A };
          break;
        }
      }
      lambda *= 4;
    }
    if (!accepted) {
      // no step lowers the sum of squares: a minimum if the gradient is (numerically) flat
      const ok = gmax <= 1e-6 * (cur.rss + 1e-30 * scaleY);
      return { p, rss: cur.rss, converged: ok, iterations: it, JtJ: A };
    }
  }
  return { p, rss: cur.rss, converged: false, iterations: maxIter, JtJ: normal(cur.J, cur.r).A };
}

/** Plateaus ordered: bottom <= top (swapping them flips the sign of hill; the curve is the same). */
function normalise(p: number[]): HillParams {
  let [bottom, top, L, hill] = p;
  if (bottom > top) {
    [bottom, top] = [top, bottom];
    hill = -hill;
  }
  return { bottom, top, ec50: 10 ** L, hill };
}

/**
 * Fit the four-parameter Hill curve to (x, y). x >= 0 (0 = no drug); at least 4 points at 3 or more
 * distinct positive x. Several starts (EC50 across the tested range, both signs of hill); the best
 * converged one is kept.
 */
export function fitHill(xIn: readonly number[], yIn: readonly number[]): HillFit {
  const pts = xIn.map((x, i) => [x, yIn[i]] as const).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const x = pts.map((p) => p[0]);
  const y = pts.map((p) => p[1]);
  const n = x.length;
  const refuse = (reason: string): HillFit => ({ converged: false, reason, ci95: null, n });
  if (x.some((v) => v < 0)) return refuse('negative values on the axis (a Hill curve needs x >= 0)');
  const pos = [...new Set(x.filter((v) => v > 0))].sort((a, b) => a - b);
  if (n < 4 || pos.length < 3) return refuse(`too few points (${n}, ${pos.length} above 0): need 4, 3 above 0`);
  const ymin = Math.min(...y);
  const ymax = Math.max(...y);
  if (!(ymax > ymin)) return refuse('the readout is flat');
  const lo = Math.log10(pos[0]);
  const hi = Math.log10(pos[pos.length - 1]);
  // trend: y at the lowest x vs the highest
  const yLow = y[x.indexOf(Math.min(...x))];
  const yHigh = y[x.indexOf(pos[pos.length - 1])];
  const rising = yHigh >= yLow;
  let best: LmResult | null = null;
  for (const sign of [rising ? 1 : -1, rising ? -1 : 1]) {
    for (const f of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      const L0 = lo + (hi - lo) * f;
      // p = [b, t, L, h] in the form b + (t - b) f: at low x, y -> b when h > 0, -> t when h < 0
      const p0 = sign > 0 ? [yLow, yHigh, L0, 1] : [yHigh, yLow, L0, -1];
      const r = lm(x, y, p0);
      if (r.converged && (!best || r.rss < best.rss)) best = r;
    }
  }
  if (!best) return refuse('did not converge');
  const p = normalise(best.p);
  if (!Number.isFinite(p.ec50) || Math.log10(p.ec50) < lo - 2 || Math.log10(p.ec50) > hi + 2) {
    return refuse(`did not converge to an EC50 within the tested range (got ${p.ec50.toPrecision(3)})`);
  }
  if (Math.abs(p.hill) > MAX_HILL) {
    return refuse(`did not converge to a finite slope (Hill ${p.hill.toPrecision(3)}: a step between two tested values)`);
  }
  let ci95: HillFit['ci95'] = null;
  if (n > 4) {
    const cov = inverse(best.JtJ);
    const s2 = best.rss / (n - 4);
    const t = t975(n - 4);
    if (cov?.every((r, i) => r[i] >= 0 && Number.isFinite(r[i]))) {
      const se = [0, 1, 2, 3].map((i) => Math.sqrt(s2 * cov[i][i]));
      const [b, tp, L, h] = best.p;
      const swapped = b > tp;
      const iv = (v: number, s: number): Interval => [v - t * s, v + t * s];
      const hillIv = iv(h, se[3]);
      ci95 = {
        ec50: [10 ** (L - t * se[2]), 10 ** (L + t * se[2])],
        hill: swapped ? [-hillIv[1], -hillIv[0]] : hillIv,
        bottom: swapped ? iv(tp, se[1]) : iv(b, se[0]),
        top: swapped ? iv(b, se[0]) : iv(tp, se[1]),
      };
    }
  }
  return { ...p, converged: true, ci95, ciMethod: ci95 ? 'curvature' : undefined, rss: best.rss, n, iterations: best.iterations };
}

/**
 * A fit of the mean over replicates (seeds), with 95% intervals over the replicates' own fits
 * (mean ± t sd / sqrt(k); EC50's on the log scale). Falls back to the curvature intervals of the
 * mean's fit when fewer than 2 replicate fits converge.
 */
export function fitHillReplicates(x: readonly number[], reps: readonly (readonly number[])[]): HillFit {
  const mean = x.map((_, i) => {
    const v = reps.map((r) => r[i]).filter(Number.isFinite);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  });
  const fit = fitHill(x, mean);
  if (!fit.converged || reps.length < 2) return fit;
  const each = reps.map((r) => fitHill(x, r)).filter((f) => f.converged);
  if (each.length < 2) return fit;
  const k = each.length;
  const t = t975(k - 1);
  const iv = (vals: number[], log = false): Interval => {
    const v = log ? vals.map(Math.log10) : vals;
    const m = v.reduce((a, b) => a + b, 0) / k;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (k - 1));
    const r: Interval = [m - (t * sd) / Math.sqrt(k), m + (t * sd) / Math.sqrt(k)];
    return log ? [10 ** r[0], 10 ** r[1]] : r;
  };
  return {
    ...fit,
    ci95: {
      ec50: iv(
        each.map((f) => f.ec50!),
        true,
      ),
      hill: iv(each.map((f) => f.hill!)),
      bottom: iv(each.map((f) => f.bottom!)),
      top: iv(each.map((f) => f.top!)),
    },
    ciMethod: 'seeds',
  };
}
