/**
 * What each tissue has run since its build, filled from the engine's record batches: its doses and
 * phase marks, its samples of the last HISTORY_S seconds (for summaries), what the next frame will carry
 * (trace samples, raster spikes of the first cells) and every shown cell's recent activity (an
 * exponentially weighted rate). Pure bookkeeping: no engine, no timing.
 */
import type { RecordBatch } from '../engines/engine.js';
import type { Model } from '../model/derive.js';
import type { DrugDoses } from '../model/drugs.js';
import type { PhaseMark, TissueFrame } from './protocol.js';

/** Raster spikes kept per tissue for one frame before the oldest are dropped (the caller is not pulling). */
const MAX_PENDING_SPIKES = 200_000;
/** Simulated seconds of history kept for summaries. */
const HISTORY_S = 120;

interface History {
  t: number[];
  rate: number[];
  probe: number[];
  meanC: number[];
  s1A: number[];
  s2B: number[];
}

interface Pending {
  rate: number[];
  probe: number[];
  meanC: number[];
  spikeCell: number[];
  spikeT: number[];
  dropped: number;
}

export interface TissueRun {
  doses: DrugDoses;
  /** The steady-state estimate the run started from: 5-HT (nM) and rate (Hz). */
  c0: number;
  rate0: number;
  /** Time of the last drug change, s (NaN: none since the build). */
  lastDoseChangeS: number;
  phases: PhaseMark[];
  totalSpikes: number;
  hist: History;
  pend: Pending;
  activity: Float32Array;
}

const emptyPending = (): Pending => ({ rate: [], probe: [], meanC: [], spikeCell: [], spikeT: [], dropped: 0 });

/** Tissue `tissue`'s run at its build: its start is its first phase mark; every shown cell at the estimated rate. */
export function newRun(
  tissue: number,
  start: { doses: DrugDoses; name: string },
  est: { c0_nM: number; rate_Hz: number },
  activityCells: number,
): TissueRun {
  const mark: PhaseMark = { tissue, tS: 0, name: start.name, doses: { ...start.doses } as Record<string, number> };
  return {
    doses: { ...start.doses },
    c0: est.c0_nM,
    rate0: est.rate_Hz,
    lastDoseChangeS: NaN,
    phases: [mark],
    totalSpikes: 0,
    hist: { t: [], rate: [], probe: [], meanC: [], s1A: [], s2B: [] },
    pend: emptyPending(),
    activity: new Float32Array(activityCells).fill(est.rate_Hz),
  };
}

export interface RecordOptions {
  sampleSteps: number;
  rasterCells: number;
  activityTauS: number;
}

/** Takes one chunk's record batches (one per tissue, in order) into the tissues' runs. */
export function recordChunk(runs: TissueRun[], out: RecordBatch[], m: Model, o: RecordOptions): void {
  const dt = m.dtGrid_s;
  const dtFine = dt / m.params.subSteps;
  const n = m.nCells;
  const sDt = o.sampleSteps * dt;
  const tEnd = (out[0].firstStep + out[0].steps) * dt;
  const tau = o.activityTauS;
  const decay = Math.exp(-(out[0].steps * dt) / tau);
  const nRaster = Math.min(n, o.rasterCells);
  out.forEach((b, k) => {
    const r = runs[k];
    const p = r.pend;
    const h = r.hist;
    const sm = b.samples;
    for (let i = 0; i < sm.step.length; i++) {
      const t = sm.step[i] * dt;
      const rate = sm.spikes[i] / n / sDt;
      p.rate.push(rate);
      p.probe.push(sm.probe[i]);
      p.meanC.push(sm.meanC[i]);
      h.t.push(t);
      h.rate.push(rate);
      h.probe.push(sm.probe[i]);
      h.meanC.push(sm.meanC[i]);
      h.s1A.push(sm.s1A[i]);
      h.s2B.push(sm.s2B[i]);
    }
    if (h.t.length && h.t[h.t.length - 1] - h.t[0] > HISTORY_S * 1.25) {
      const t0 = h.t[h.t.length - 1] - HISTORY_S;
      let j = 0;
      while (j < h.t.length && h.t[j] < t0) j++;
      for (const a of Object.values(h)) a.splice(0, j);
    }
    r.totalSpikes += b.spikeCount;
    const act = r.activity;
    for (let i = 0; i < act.length; i++) act[i] *= decay;
    const sp = b.spikes;
    if (!sp) return;
    for (let i = 0; i < sp.cells.length; i++) {
      const c = sp.cells[i];
      const t = sp.steps[i] * dtFine;
      if (c < act.length) act[c] += Math.exp(-(tEnd - t) / tau) / tau;
      if (c < nRaster) {
        if (p.spikeCell.length >= MAX_PENDING_SPIKES) {
          p.dropped++;
          continue;
        }
        p.spikeCell.push(c);
        p.spikeT.push(t);
      }
    }
  });
}

/** The tissue's part of the next frame (no slice), taken: the next one starts empty. */
export function takePending(r: TissueRun): TissueFrame {
  const p = r.pend;
  r.pend = emptyPending();
  return {
    rateHz: Float32Array.from(p.rate),
    probeNm: Float32Array.from(p.probe),
    meanCNm: Float32Array.from(p.meanC),
    spikeCell: Uint32Array.from(p.spikeCell),
    spikeT: Float64Array.from(p.spikeT),
    activity: r.activity.slice(),
    droppedSpikes: p.dropped,
  };
}

export interface WindowStats {
  /** Samples in the window, and the time they span, s. */
  n: number;
  span: number;
  rate: number;
  probe: number;
  meanC: number;
  s1A: number;
  s2B: number;
}

/** Means over the last `windowS` simulated seconds of the run's history (NaN: no samples yet). */
export function windowStats(r: TissueRun | undefined, windowS: number, sampleDtS: number): WindowStats {
  const h = r?.hist;
  const n = h?.t.length ?? 0;
  if (!h || !n) return { n: 0, span: 0, rate: NaN, probe: NaN, meanC: NaN, s1A: NaN, s2B: NaN };
  const t0 = h.t[n - 1] - windowS;
  let j = n;
  while (j > 0 && h.t[j - 1] > t0) j--;
  const avg = (a: number[]) => {
    let s = 0;
    for (let i = j; i < n; i++) s += a[i];
    return s / (n - j);
  };
  return {
    n: n - j,
    span: (n - j) * sampleDtS,
    rate: avg(h.rate),
    probe: avg(h.probe),
    meanC: avg(h.meanC),
    s1A: avg(h.s1A),
    s2B: avg(h.s2B),
  };
}
