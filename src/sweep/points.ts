/**
 * The points of a sweep: the cartesian product of its axis groups (zipped axes vary together, as one
 * group), each point a scenario validated by parseScenario. Point ids are stable: the index in the
 * product order (first axis slowest), so a resumed sweep finds the points it already has.
 */
import { ConfigError } from '../model/errors.js';
import { parseScenario, type Scenario } from '../model/scenario.js';
import { turn } from '../model/steps.js';
import type { Axis, AxisValue, SweepSpec } from './spec.js';

export interface SweepPoint {
  /** Index in product order. */
  id: number;
  /** Axis name -> value. */
  axes: Record<string, AxisValue>;
  scenario: Scenario;
  /** The point against which probeFold and rateRatio are computed (steady readout); itself for a reference point. */
  refId?: number;
}

/** The number of points: the product of the groups' sizes (counted, never built). */
export function pointCount(spec: SweepSpec): number {
  return spec.groups.reduce((a, g) => a * spec.axes[g[0]].values.length, 1);
}

/** Point `id`'s index in each group (mixed radix, first group slowest). */
function tupleOf(id: number, sizes: readonly number[]): number[] {
  const t = new Array<number>(sizes.length);
  for (let g = sizes.length - 1; g >= 0; g--) {
    t[g] = id % sizes[g];
    id = Math.floor(id / sizes[g]);
  }
  return t;
}

/** The id of an index tuple. */
const idOf = (t: readonly number[], sizes: readonly number[]) => t.reduce((a, x, g) => a * sizes[g] + x, 0);

/** Apply axis values to the raw base scenario (a scenario-file object). */
export function applyAxes(spec: SweepSpec, values: readonly AxisValue[]): Record<string, unknown> {
  const raw = structuredClone(spec.baseRaw) as Record<string, unknown>;
  const params = { ...((raw.params as Record<string, unknown> | undefined) ?? {}) };
  const protocol = (raw.protocol as Record<string, unknown>[]).map((ph) => ({ ...ph, drugs: { ...((ph.drugs as object) ?? {}) } }));
  spec.axes.forEach((a: Axis, i) => {
    const v = values[i];
    if (a.kind === 'genotype') raw.genotype = v;
    else if (a.kind === 'seed') raw.seed = v;
    else if (a.kind === 'param') params[a.param!] = v;
    else {
      // a drug: every phase (steady), or every phase after the baseline (protocol)
      protocol.forEach((ph, pi) => {
        if (spec.readout === 'protocol' && pi === 0) return;
        (ph.drugs as Record<string, unknown>)[a.drug!] = v;
      });
    }
  });
  raw.params = params;
  raw.protocol = protocol;
  return raw;
}

/**
 * Each axis value on its own in the base scenario (the other axes at their first value), so a bad
 * value is named by its axis and index; cheap, unlike building every point (a job script checks this only).
 */
export function checkAxisValues(spec: SweepSpec, where = 'sweep'): void {
  spec.axes.forEach((a, i) => {
    a.values.forEach((v, j) => {
      const vals = spec.axes.map((b, k) => (k === i ? v : b.values[0]));
      try {
        parseScenario({ name: spec.name, ...applyAxes(spec, vals) }, `${where}.base`);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`${where}.axes[${i}].values[${j}]`, `${a.name} = ${v}: ${e.message}`);
        throw e;
      }
    });
  });
}

/** The points `keep` takes, one by one, in id order (see sweepPoints). */
function* pointsOf(spec: SweepSpec, where: string, keep: (id: number) => boolean): Generator<SweepPoint> {
  const sizes = spec.groups.map((g) => spec.axes[g[0]].values.length);
  const count = pointCount(spec);
  // the fold axis is never zipped: its group is itself; a point's reference has the reference value there
  const fa = spec.readout === 'steady' && spec.foldAxis !== undefined ? spec.axes[spec.foldAxis] : undefined;
  const faGroup = fa ? spec.groups.findIndex((g) => g.length === 1 && g[0] === spec.foldAxis) : -1;
  const faRef = fa && fa.reference !== undefined ? fa.values.indexOf(fa.reference) : -1;
  for (let id = 0; id < count; id++) {
    if (!keep(id)) continue;
    const t = tupleOf(id, sizes);
    const vals = new Array<AxisValue>(spec.axes.length);
    spec.groups.forEach((g, gi) => {
      for (const ai of g) vals[ai] = spec.axes[ai].values[t[gi]];
    });
    const axes: Record<string, AxisValue> = {};
    spec.axes.forEach((a, i) => {
      axes[a.name] = vals[i];
    });
    const scenario = parseScenario({ name: `${spec.name}#${id}`, ...applyAxes(spec, vals) }, `${where}.axes (point ${id})`);
    const point: SweepPoint = { id, axes, scenario };
    if (faGroup >= 0 && faRef >= 0)
      point.refId = idOf(
        t.map((x, g) => (g === faGroup ? faRef : x)),
        sizes,
      );
    yield point;
  }
}

const all = () => true;

/**
 * The points of the sweep, with their validated scenarios and reference points: every point, or only
 * those `keep` takes (a shard builds its own points only).
 */
export function sweepPoints(spec: SweepSpec, where = 'sweep', keep: (id: number) => boolean = all): SweepPoint[] {
  checkAxisValues(spec, where);
  return [...pointsOf(spec, where, keep)];
}

/** Points built between two turns of the event loop in sweepPointsAsync (well under 0.1 s of work). */
const POINTS_PER_TURN = 200;

/** sweepPoints, letting the event loop turn as a large grid is built, so a signal is handled at once. */
export async function sweepPointsAsync(spec: SweepSpec, where = 'sweep', keep: (id: number) => boolean = all): Promise<SweepPoint[]> {
  checkAxisValues(spec, where);
  const out: SweepPoint[] = [];
  for (const p of pointsOf(spec, where, keep)) {
    if (out.push(p) % POINTS_PER_TURN === 0) await turn();
  }
  return out;
}
