/**
 * What the page keeps of the run: every trace sample of every tissue since the build (for the plots
 * over a protocol's whole length, the CSV and the baselines), and every tissue's phases. Pure.
 */
import type { Frame, PhaseMark } from '../src/worker/protocol.js';

/** Samples kept per tissue (at 50 ms: about 80 minutes of simulated time); the oldest go first. */
export const MAX_SAMPLES = 100_000;
/** The baseline is the mean over the last BASELINE_S seconds before the first drug change (at most its second half). */
export const BASELINE_S = 5;
/** A baseline needs at least this much drug-free time, s. */
export const MIN_BASELINE_S = 2;

export interface TissueTrace {
  rate: number[];
  probe: number[];
  meanC: number[];
  phases: PhaseMark[];
}

export interface Baseline {
  /** Time of the first drug change, s (the end of the baseline). */
  endS: number;
  fromS: number;
  probeNm: number;
  rateHz: number;
}

export class Store {
  t: number[] = [];
  tissues: TissueTrace[] = [];
  private cache = new Map<number, Baseline>();

  reset(nTissues: number): void {
    this.t = [];
    this.tissues = Array.from({ length: nTissues }, () => ({ rate: [], probe: [], meanC: [], phases: [] }));
    this.cache.clear();
  }

  push(f: Frame): void {
    for (const m of f.phases) this.tissues[m.tissue]?.phases.push(m);
    for (let i = 0; i < f.sampleT.length; i++) this.t.push(f.sampleT[i]);
    f.tissues.forEach((tf, k) => {
      const tr = this.tissues[k];
      if (!tr) return;
      for (let i = 0; i < tf.rateHz.length; i++) {
        tr.rate.push(tf.rateHz[i]);
        tr.probe.push(tf.probeNm[i]);
        tr.meanC.push(tf.meanCNm[i]);
      }
    });
    const drop = this.t.length - MAX_SAMPLES;
    if (drop > 1000) {
      this.t.splice(0, drop);
      for (const tr of this.tissues) for (const a of [tr.rate, tr.probe, tr.meanC]) a.splice(0, drop);
    }
  }

  get tNow(): number {
    return this.t.length ? this.t[this.t.length - 1] : 0;
  }

  /** Tissue k's phase at sample time t (a sample at t covers (t - dt, t]: a change at t is the next sample's). */
  phaseAt(k: number, t: number): PhaseMark | undefined {
    const ph = this.tissues[k]?.phases ?? [];
    let out: PhaseMark | undefined;
    for (const m of ph) if (m.tS < t || (m.tS === 0 && t >= 0)) out = m;
    return out;
  }

  /**
   * Tissue k's baseline: the mean over the last BASELINE_S (at most the second half) of the time before
   * its first drug change at `endS` (a protocol's first drug phase, known ahead, or the first change
   * seen); undefined until then, or when less than MIN_BASELINE_S ran drug-free.
   */
  baseline(k: number, endS?: number): Baseline | undefined {
    const tr = this.tissues[k];
    if (!tr) return undefined;
    const first = tr.phases[0];
    if (first && Object.keys(first.doses).length) return undefined; // started with a drug: no drug-free baseline
    const end = endS ?? tr.phases.find((m) => m.tS > 0)?.tS;
    if (end === undefined || end < MIN_BASELINE_S || this.tNow < end) return undefined;
    const hit = this.cache.get(k);
    if (hit && hit.endS === end) return hit;
    const from = Math.max(end / 2, end - BASELINE_S);
    let p = 0;
    let r = 0;
    let n = 0;
    for (let i = 0; i < this.t.length; i++) {
      if (this.t[i] <= from || this.t[i] > end) continue;
      p += tr.probe[i];
      r += tr.rate[i];
      n++;
    }
    if (!n) return undefined;
    const b = { endS: end, fromS: from, probeNm: p / n, rateHz: r / n };
    this.cache.set(k, b);
    return b;
  }

  /** Mean of tissue k's `what` over the last `span` seconds (NaN: none). */
  lastMean(k: number, what: 'rate' | 'probe' | 'meanC', span = 1): number {
    const a = this.tissues[k]?.[what];
    if (!a) return NaN;
    const t0 = this.tNow - span;
    let s = 0;
    let n = 0;
    for (let i = this.t.length - 1; i >= 0 && this.t[i] > t0; i--) {
      s += a[i];
      n++;
    }
    return n ? s / n : NaN;
  }
}
