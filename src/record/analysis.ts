/** Statistics read from recorded spikes and traces. */

export function meanOver(t: Float64Array, y: Float64Array, fromS: number, toS: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] > fromS && t[i] <= toS + 1e-12) {
      s += y[i];
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Relative drift of y over (fromS, toS]: least-squares slope x window length / mean. */
/**
 * Probe changes below this are read as no change (nM): the detection limit of microdialysis is about
 * 0.1-0.5 nM, and a probe near zero (firing silenced by a 5-HT1A agonist) has a relative drift that says
 * nothing, so a run counts as settled when its relative drift is under the tolerance or its absolute
 * change across the window is under this.
 */
export const PROBE_FLOOR_NM = 0.1;

/** The settling rule: |relative drift| < tol, or the absolute change |drift x mean| under PROBE_FLOOR_NM. */
export function isSettled(drift: number, mean: number, tol: number): boolean {
  return Number.isFinite(drift) && (Math.abs(drift) < tol || Math.abs(drift * mean) < PROBE_FLOOR_NM);
}

export function relativeDrift(t: Float64Array, y: Float64Array, fromS: number, toS: number): number {
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] > fromS && t[i] <= toS + 1e-12) {
      n++;
      sx += t[i];
      sy += y[i];
      sxx += t[i] * t[i];
      sxy += t[i] * y[i];
    }
  }
  if (n < 3) return NaN;
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const mean = sy / n;
  return mean === 0 ? 0 : (slope * (toS - fromS)) / Math.abs(mean);
}

export interface IsiStats {
  medianCv: number;
  fractionRegular: number;
  cellsUsed: number;
}

/**
 * ISI coefficient of variation per cell over spikes with time in (fromStep, toStep], for cells with at
 * least 3 spikes there; median over those cells and the fraction with CV < 0.5.
 */
export function isiStats(nCells: number, cells: Uint32Array, steps: Uint32Array, fromStep: number, toStep: number): IsiStats {
  const last = new Float64Array(nCells).fill(-1);
  const n = new Uint32Array(nCells);
  const s1 = new Float64Array(nCells);
  const s2 = new Float64Array(nCells);
  for (let i = 0; i < cells.length; i++) {
    const st = steps[i];
    if (st <= fromStep || st > toStep) continue;
    const c = cells[i];
    if (last[c] >= 0) {
      const isi = st - last[c];
      n[c]++;
      s1[c] += isi;
      s2[c] += isi * isi;
    }
    last[c] = st;
  }
  const cvs: number[] = [];
  for (let c = 0; c < nCells; c++) {
    if (n[c] < 2) continue; // >= 3 spikes
    const mean = s1[c] / n[c];
    const v = Math.max(0, s2[c] / n[c] - mean * mean);
    cvs.push(Math.sqrt(v) / mean);
  }
  if (!cvs.length) return { medianCv: NaN, fractionRegular: NaN, cellsUsed: 0 };
  cvs.sort((a, b) => a - b);
  const mid = cvs.length >> 1;
  const median = cvs.length % 2 ? cvs[mid] : (cvs[mid - 1] + cvs[mid]) / 2;
  return { medianCv: median, fractionRegular: cvs.filter((x) => x < 0.5).length / cvs.length, cellsUsed: cvs.length };
}
