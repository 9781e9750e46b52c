/**
 * Mean and 95% interval of a readout over seeds: the Student t interval mean ± t_{0.975, K-1} · sd / √K,
 * sd the sample standard deviation (K - 1 in the denominator). The t quantile is found by bisection on
 * the t distribution's two-sided probability, which for whole degrees of freedom is a finite sum of
 * powers of cos θ, θ = atan(t / √ν) (Abramowitz and Stegun 26.7.3-4), so no special function is needed.
 */

/** P(|T| <= t) for Student's t with `df` (a whole number >= 1) degrees of freedom. */
export function tTwoSided(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`intervals: degrees of freedom must be a whole number >= 1, got ${df}`);
  if (!(t > 0)) return 0;
  if (t === Infinity) return 1;
  const theta = Math.atan(t / Math.sqrt(df));
  const s = Math.sin(theta);
  const c2 = Math.cos(theta) ** 2;
  if (df % 2 === 1) {
    // (2/π)(θ + sinθ cosθ (1 + 2/3 cos²θ + 2·4/(3·5) cos⁴θ + ... up to cos^(ν-3)θ))
    let term = 1;
    let sum = df > 1 ? 1 : 0;
    for (let k = 1; 2 * k + 1 <= df - 2; k++) {
      term *= (c2 * (2 * k)) / (2 * k + 1);
      sum += term;
    }
    return (2 / Math.PI) * (theta + s * Math.cos(theta) * sum);
  }
  // sinθ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + ... up to cos^(ν-2)θ)
  let term = 1;
  let sum = 1;
  for (let k = 1; 2 * k <= df - 2; k++) {
    term *= (c2 * (2 * k - 1)) / (2 * k);
    sum += term;
  }
  return s * sum;
}

/** The quantile t_{p, df} of Student's t (p in (0.5, 1)): the t with P(T <= t) = p. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0.5 && p < 1)) throw new Error(`intervals: the quantile's probability must lie in (0.5, 1), got ${p}`);
  const target = 2 * p - 1;
  let lo = 0;
  let hi = 1;
  while (tTwoSided(hi, df) < target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSided(mid, df) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MeanInterval {
  /** Number of values (seeds). */
  n: number;
  mean: number;
  /** Sample standard deviation (NaN for one value). */
  sd: number;
  /** t_{0.975, n-1} · sd / √n (NaN for one value). */
  halfWidth: number;
  lo: number;
  hi: number;
}

/** The mean of `values` and its 95% t interval (any non-finite value makes every field NaN but n). */
export function meanInterval(values: readonly number[]): MeanInterval {
  const n = values.length;
  if (n === 0) throw new Error('intervals: no values');
  const mean = values.reduce((a, x) => a + x, 0) / n;
  if (n === 1) return { n, mean, sd: NaN, halfWidth: NaN, lo: NaN, hi: NaN };
  const sd = Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const halfWidth = Number.isFinite(sd) ? (tQuantile(0.975, n - 1) * sd) / Math.sqrt(n) : NaN;
  return { n, mean, sd, halfWidth, lo: mean - halfWidth, hi: mean + halfWidth };
}
