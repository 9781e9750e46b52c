/**
 * A chronic course's checkpoint (docs/cli.md, "Checkpoints"): where its treatment stands at a slow time
 * (experiment/chronic.ts ChronicProgress) in the checkpoint format of format.ts: each sim's engine state
 * as a simulation of the batch (no records: a chronic course keeps its trajectory, not its fast traces),
 * and the driver's own state in the header's `meta` as JSON (float64 numbers read back exactly): the slow
 * time and step, each sim's slow state, release elasticity, day-0 outcome and last fast phase's scalars,
 * the trajectory so far and the d1A of the readout days reached. Read back as untrusted input: every
 * field checked for its type, length and range; the first problem is a CheckpointError naming it.
 */
import type { ChronicProgress, ChronicStep } from '../experiment/chronic.js';
import type { FastScalars } from '../experiment/chronic-fast.js';
import type { ChronicReadout, ChronicSlowState } from '../model/chronic.js';
import type { Checkpoint } from './format.js';
import { CheckpointError } from './validate.js';

export const CHRONIC_CHECKPOINT_KIND = 'raphe-chronic-course';

/** The checkpoint of a chronic course at `p` (`meta` the caller's own, kept beside the driver's). */
export function chronicCheckpoint(p: ChronicProgress, hash: string, meta: unknown = null): Checkpoint {
  const arr = (a: ArrayLike<number>) => Array.from(a);
  const slow = (x: ChronicSlowState) => ({
    d1A: { u: arr(x.d1A.u), d: arr(x.d1A.d) },
    d2B: { u: arr(x.d2B.u), d: arr(x.d2B.d) },
    sert: { u: arr(x.sert.u), d: arr(x.sert.d) },
  });
  return {
    scenarioHash: hash,
    meta: {
      kind: CHRONIC_CHECKPOINT_KIND,
      caller: meta,
      t: p.t,
      h: p.h,
      beta: p.beta,
      day0Rate: p.day0Rate,
      vehicle: p.vehicle,
      vehicle2B: p.vehicle2B,
      slow: p.slow.map(slow),
      drives: p.drives,
      steps: p.steps,
      readouts: p.readouts,
      d1AByDay: p.d1AByDay.map((m) => [...m].map(([day, d]) => [day, arr(d)])),
    },
    progress: {
      phase: 0,
      stepInPhase: 0,
      wallSeconds: 0,
      sims: p.states.map((state) => ({ est: { c0_nM: 0, rate_Hz: 0 }, estSeconds: 0, state, records: [] })),
    },
  };
}

type Obj = Record<string, unknown>;

/** Checks one field after another; the first problem throws, naming the field. */
class Check {
  constructor(private readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new CheckpointError(this.where, `chronic checkpoint: ${field} ${problem}`);
  }

  obj(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'is not an object');
    return v as Obj;
  }

  num(v: unknown, field: string, min = -Infinity, max = Infinity): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) this.fail(field, `is not a finite number in [${min}, ${max}]`);
    return v as number;
  }

  list(v: unknown, field: string, n: number): unknown[] {
    if (!Array.isArray(v) || v.length !== n) this.fail(field, `is not an array of ${n}`);
    return v as unknown[];
  }

  nums(v: unknown, field: string, n: number, min = -Infinity, max = Infinity): Float64Array {
    const a = this.list(v, field, n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.num(a[i], `${field}[${i}]`, min, max);
    return out;
  }
}

const STEP_KEYS = [
  'hours',
  'meanD1A',
  'fractionDesensitised',
  'rateHz',
  'probe5htNm',
  'meanA1A',
  'rateRel',
  'meanD2B',
  'sertScale',
] as const;
const READOUT_KEYS = [
  'day',
  'rateHz',
  'probe5htNm',
  'meanD1A',
  'fractionDesensitised',
  'meanA1A',
  'rateRel',
  'meanD2B',
  'sertScale',
] as const;

/**
 * The driver's state in checkpoint `c`, checked against the course it is to continue: `nCells` cells in
 * each of `names.length` sims (in order), a protocol of `days` days. A foreign or damaged one: CheckpointError.
 */
export function chronicProgressOf(
  c: Checkpoint,
  where: string,
  o: { names: readonly string[]; nCells: number; days: number },
): ChronicProgress {
  const k = new Check(where);
  const m = k.obj(c.meta, 'meta');
  if (m.kind !== CHRONIC_CHECKPOINT_KIND) k.fail('meta.kind', `is not ${CHRONIC_CHECKPOINT_KIND} (the checkpoint of another job)`);
  const K = o.names.length;
  const n = o.nCells;
  if (c.progress.sims.length !== K) k.fail('sims', `hold ${c.progress.sims.length} simulations, not the course's ${K}`);
  const end = o.days * 24;
  const t = k.num(m.t, 'meta.t', 0, end);
  const h = k.num(m.h, 'meta.h', 0, end);
  const perSim = <T>(field: string, fn: (v: unknown, f: string, s: number) => T): T[] =>
    k.list(m[field], `meta.${field}`, K).map((v, s) => fn(v, `meta.${field}[${s}]`, s));
  const slowOf = (v: unknown, f: string, key: string, len: number) => {
    const x = k.obj(k.obj(v, f)[key], `${f}.${key}`);
    return { u: k.nums(x.u, `${f}.${key}.u`, len, 0, 1), d: k.nums(x.d, `${f}.${key}.d`, len, 0, 1) };
  };
  const row = <T extends string>(v: unknown, f: string, keys: readonly T[]) => {
    const r = k.obj(v, f);
    const out: Record<string, number | boolean | string> = {};
    for (const key of keys) out[key] = k.num(r[key], `${f}.${key}`, -1e12, 1e12);
    return { r, out };
  };
  const steps = perSim('steps', (v, f) => {
    if (!Array.isArray(v) || v.length > 1_000_000) k.fail(f, 'is not an array of trajectory rows');
    return (v as unknown[]).map((x, i) => {
      const { r, out } = row(x, `${f}[${i}]`, STEP_KEYS);
      if (typeof r.settled !== 'boolean') k.fail(`${f}[${i}].settled`, 'is not true or false');
      return { ...out, settled: r.settled } as unknown as ChronicStep;
    });
  });
  const readouts = perSim('readouts', (v, f, s) => {
    if (!Array.isArray(v) || v.length > 1000) k.fail(f, 'is not an array of readouts');
    return (v as unknown[]).map((x, i) => {
      const { r, out } = row(x, `${f}[${i}]`, READOUT_KEYS);
      if (r.condition !== o.names[s]) k.fail(`${f}[${i}].condition`, 'is not this condition');
      return { ...out, condition: r.condition } as unknown as ChronicReadout;
    });
  });
  const d1AByDay = perSim('d1AByDay', (v, f) => {
    if (!Array.isArray(v) || v.length > 1000) k.fail(f, 'is not an array of [day, d1A] pairs');
    const map = new Map<number, Float32Array>();
    (v as unknown[]).forEach((x, i) => {
      const pair = k.list(x, `${f}[${i}]`, 2);
      map.set(k.num(pair[0], `${f}[${i}][0]`, 0, o.days), Float32Array.from(k.nums(pair[1], `${f}[${i}][1]`, n, 0, 1)));
    });
    return map;
  });
  const drives = perSim('drives', (v, f): FastScalars => {
    const d = k.obj(v, f);
    if (typeof d.settled !== 'boolean') k.fail(`${f}.settled`, 'is not true or false');
    return {
      rateHz: k.num(d.rateHz, `${f}.rateHz`, 0, 1e4),
      probe5htNm: k.num(d.probe5htNm, `${f}.probe5htNm`, 0, 1e9),
      settled: d.settled as boolean,
      releaseNmps: k.num(d.releaseNmps, `${f}.releaseNmps`, 0, 1e12),
    };
  });
  const slow = perSim('slow', (v, f) => ({ d1A: slowOf(v, f, 'd1A', n), d2B: slowOf(v, f, 'd2B', n), sert: slowOf(v, f, 'sert', 1) }));
  for (const [s, sim] of c.progress.sims.entries())
    if (sim.state.d1A.length !== n) k.fail(`sims[${s}]`, `hold ${sim.state.d1A.length} cells, not the course's ${n}`);
  return {
    t,
    h,
    beta: Array.from(k.nums(m.beta, 'meta.beta', K, -1e3, 1e3)),
    day0Rate: Array.from(k.nums(m.day0Rate, 'meta.day0Rate', K, 0, 1e4)),
    vehicle: Array.from(k.nums(m.vehicle, 'meta.vehicle', K, 0, 1)),
    vehicle2B: Array.from(k.nums(m.vehicle2B, 'meta.vehicle2B', K, 0, 1)),
    slow,
    drives,
    steps,
    readouts,
    d1AByDay,
    states: c.progress.sims.map((x) => x.state),
  };
}

/** Whether `c` is a chronic course's checkpoint (by its meta's kind). */
export function isChronicCheckpoint(c: Checkpoint): boolean {
  return (c.meta as Obj | null)?.kind === CHRONIC_CHECKPOINT_KIND;
}

/** What the caller kept beside the driver's state (chronicCheckpoint's `meta`). */
export function chronicCallerMeta(c: Checkpoint): unknown {
  return (c.meta as Obj | null)?.caller ?? null;
}
