/**
 * Running a sweep: its points through runScenarios, on the one clock (src/clock/): points of one
 * tissue advance as one batch, on WebGPU in the same dispatches, on the CPU engine one point per worker
 * thread; each finished point handed to `onPoint` at once (runSweep appends it to points.jsonl), points
 * already done (a resumed sweep) skipped. Then the readouts of every point (probeFold and rateRatio against the
 * reference point, or within the protocol) and the Hill fits along each numeric axis.
 */
import type { ResolvedEngine } from '../engines/create.js';
import { runScenarios } from '../experiment/run-scenario.js';
import { meanOver } from '../record/analysis.js';
import type { RunResult } from '../record/run-result.js';
import { fitHill, fitHillReplicates, type HillFit } from './fit.js';
import type { SweepPoint } from './points.js';
import type { AxisValue, SweepSpec } from './spec.js';

/** What one point measured (the journal's record; folds are computed when the sweep is assembled). */
export interface PointMeasure {
  id: number;
  axes: Record<string, AxisValue>;
  seed: number;
  /** Readouts of the measured phase (steady: the run's last half; protocol: the last phase's last half). */
  rateHz: number;
  medianCvIsi: number;
  probe5htNm: number;
  s1A: number;
  s2B: number;
  settled: boolean;
  /** Protocol readout: the baseline (first) phase. */
  baselineRateHz?: number;
  baselineProbe5htNm?: number;
  complete: boolean;
  error?: string;
  wallSeconds: number;
}

export interface PointRow extends PointMeasure {
  probeFold: number;
  rateRatio: number;
}

export type FitReadout = 'probeFold' | 'rateRatio' | 'rateHz' | 'probe5htNm';
export const FIT_READOUTS: FitReadout[] = ['probeFold', 'rateRatio', 'rateHz', 'probe5htNm'];

export interface SweepFit extends HillFit {
  axis: string;
  readout: FitReadout;
  /** The values of the other axes (seed left out when the fit is over seeds). */
  others: Record<string, AxisValue>;
  /** The points fitted: x and y (the mean over seeds). */
  x: number[];
  y: number[];
}

export interface SweepResult {
  sweep: string;
  readout: SweepSpec['readout'];
  axes: { name: string; kind: string; values: AxisValue[]; reference?: number; log: boolean }[];
  points: PointRow[];
  fits: SweepFit[];
}

/** A point's measures from its run. */
export function measurePoint(p: SweepPoint, r: RunResult, readout: SweepSpec['readout']): PointMeasure {
  const s = r.summary;
  const last = r.phases[r.phases.length - 1];
  const first = r.phases[0];
  const [from, to] = readout === 'protocol' ? [(last.startS + last.endS) / 2, last.endS] : [s.durationS / 2, s.durationS];
  const tr = r.traces;
  return {
    id: p.id,
    axes: p.axes,
    seed: p.scenario.seed,
    rateHz: readout === 'protocol' ? (last.meanRateHz ?? NaN) : s.meanRateHz,
    medianCvIsi: s.medianCvIsi,
    probe5htNm: readout === 'protocol' ? (last.probe5htNm ?? NaN) : s.probe5htNm,
    s1A: meanOver(tr.tS, tr.s1A, from, to),
    s2B: meanOver(tr.tS, tr.s2B, from, to),
    settled: readout === 'protocol' ? !!last.settled : s.settled,
    ...(readout === 'protocol' ? { baselineRateHz: first.meanRateHz ?? NaN, baselineProbe5htNm: first.probe5htNm ?? NaN } : {}),
    complete: s.complete,
    ...(s.error !== undefined ? { error: s.error } : {}),
    wallSeconds: s.wallSeconds,
  };
}

export interface SweepRunOptions {
  /** Points already measured (a resumed sweep): not run again. */
  done?: ReadonlyMap<number, PointMeasure>;
  /** Each point as its batch finishes (awaited), with its run and the point itself. */
  onPoint?: (m: PointMeasure, r: RunResult, p: SweepPoint) => void | Promise<void>;
  /** Fraction of the remaining simulation done, points done (including earlier ones) and total. */
  onProgress?: (fraction: number, pointsDone: number, total: number) => void;
  /** The points' steady-state starts as they are estimated (before the runs): done and total. */
  onEstimate?: (done: number, total: number) => void;
  /** Most points per batch (default: the engine's limit; the CLI gives the CPU engine one per thread). */
  maxBatch?: number;
}

/** Run the points not yet done; returns every point's measure, in point order. */
export async function runSweepPoints(
  spec: SweepSpec,
  points: SweepPoint[],
  engine: ResolvedEngine,
  o: SweepRunOptions = {},
): Promise<PointMeasure[]> {
  const done = new Map(o.done ?? []);
  const todo = points.filter((p) => !done.has(p.id));
  let finished = points.length - todo.length;
  if (todo.length) {
    await runScenarios(
      todo.map((p) => p.scenario),
      engine,
      {
        maxBatch: o.maxBatch,
        onProgress: (f) => o.onProgress?.(f, finished, points.length),
        onEstimate: o.onEstimate,
        onResult: async (idx, results) => {
          for (let k = 0; k < idx.length; k++) {
            const m = measurePoint(todo[idx[k]], results[k], spec.readout);
            done.set(m.id, m);
            finished++;
            await o.onPoint?.(m, results[k], todo[idx[k]]);
          }
        },
      },
    );
  }
  return points.map((p) => done.get(p.id)!);
}

const key = (v: Record<string, AxisValue>, names: readonly string[]) => names.map((n) => JSON.stringify(v[n])).join('|');

/** Readouts with folds, and the fits: the sweep's result. */
export function assembleSweep(spec: SweepSpec, points: SweepPoint[], measures: PointMeasure[]): SweepResult {
  const byId = new Map(measures.map((m) => [m.id, m]));
  const rows: PointRow[] = points.map((p) => {
    const m = byId.get(p.id)!;
    let probeFold = NaN;
    let rateRatio = NaN;
    if (spec.readout === 'protocol') {
      probeFold = m.probe5htNm / m.baselineProbe5htNm!;
      rateRatio = m.rateHz / m.baselineRateHz!;
    } else if (p.refId !== undefined) {
      const ref = byId.get(p.refId)!;
      probeFold = m.probe5htNm / ref.probe5htNm;
      rateRatio = m.rateHz / ref.rateHz;
    }
    return { ...m, probeFold, rateRatio };
  });
  return {
    sweep: spec.name,
    readout: spec.readout,
    axes: spec.axes.map((a) => ({
      name: a.name,
      kind: a.kind,
      values: a.values,
      ...(a.reference !== undefined ? { reference: a.reference } : {}),
      log: a.log,
    })),
    points: rows,
    fits: sweepFits(spec, rows),
  };
}

/**
 * A four-parameter Hill fit of each readout along every numeric axis with at least 4 values, one per
 * combination of the other axes; over seeds (intervals from the seeds' own fits) when a seed axis has
 * several values.
 */
export function sweepFits(spec: SweepSpec, rows: PointRow[]): SweepFit[] {
  const fits: SweepFit[] = [];
  const seedAxis = spec.axes.find((a) => a.kind === 'seed');
  const reps = seedAxis && seedAxis.values.length >= 2 ? seedAxis : undefined;
  const hasFold = spec.readout === 'protocol' || spec.foldAxis !== undefined;
  for (const axis of spec.axes) {
    if (axis.kind !== 'param' && axis.kind !== 'drug') continue;
    const xs = axis.values as number[];
    if (xs.length < 4) continue;
    // zipped partners vary with this axis: they are not "others"
    const group = spec.groups.find((g) => g.some((i) => spec.axes[i] === axis))!;
    const others = spec.axes.filter((a) => !group.some((i) => spec.axes[i] === a) && a !== reps).map((a) => a.name);
    const combos = new Map<string, PointRow[]>();
    for (const r of rows) {
      const k = key(r.axes, others);
      combos.set(k, [...(combos.get(k) ?? []), r]);
    }
    for (const readout of FIT_READOUTS) {
      if (!hasFold && (readout === 'probeFold' || readout === 'rateRatio')) continue;
      for (const members of combos.values()) {
        const o: Record<string, AxisValue> = {};
        for (const n of others) o[n] = members[0].axes[n];
        const yOf = (x: number, seed?: AxisValue) =>
          members.find((r) => r.axes[axis.name] === x && (seed === undefined || r.axes[reps!.name] === seed))?.[readout] ?? NaN;
        let fit: HillFit;
        let y: number[];
        if (reps) {
          const series = reps.values.map((sd) => xs.map((x) => yOf(x, sd)));
          y = xs.map((_, i) => {
            const v = series.map((s) => s[i]).filter(Number.isFinite);
            return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
          });
          fit = fitHillReplicates(xs, series);
        } else {
          y = xs.map((x) => yOf(x));
          fit = fitHill(xs, y);
        }
        fits.push({ axis: axis.name, readout, others: o, x: xs, y, ...fit });
      }
    }
  }
  return fits;
}

/** The --json object and sweep.json: points and fits as the issue specifies them (NaN -> null). */
export function sweepJson(r: SweepResult): unknown {
  const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);
  return {
    sweep: r.sweep,
    readout: r.readout,
    axes: r.axes,
    points: r.points.map((p) => ({
      axes: p.axes,
      rateHz: num(p.rateHz),
      medianCvIsi: num(p.medianCvIsi),
      probe5htNm: num(p.probe5htNm),
      probeFold: num(p.probeFold),
      rateRatio: num(p.rateRatio),
      s1A: num(p.s1A),
      s2B: num(p.s2B),
      settled: p.settled,
      seed: p.seed,
      ...(p.complete ? {} : { error: p.error ?? 'incomplete' }),
    })),
    fits: r.fits.map((f) => ({
      axis: f.axis,
      readout: f.readout,
      others: f.others,
      converged: f.converged,
      ...(f.converged
        ? { ec50: f.ec50, hill: f.hill, bottom: f.bottom, top: f.top, ci95: f.ci95, ciMethod: f.ciMethod ?? null }
        : { ec50: null, hill: null, bottom: null, top: null, ci95: null, reason: f.reason }),
      n: f.n,
    })),
  };
}
