/**
 * Statistics read from recorded spikes and traces. The probe's mean and drift and the settling rule
 * read from them live in model/settling.ts; meanOver is re-exported for readers of traces.
 */
export { meanOver } from '../model/settling.js';

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
