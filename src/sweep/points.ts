/**
 * The points of a sweep: the cartesian product of its axis groups (zipped axes vary together, as one
 * group), each point a scenario validated by parseScenario. Point ids are stable: the index in the
 * product order (first axis slowest), so a resumed sweep finds the points it already has.
 */
import { ConfigError } from '../model/errors.js';
import { parseScenario, type Scenario } from '../model/scenario.js';
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

/** Index tuples of the product of the groups (first group slowest). */
function product(sizes: number[]): number[][] {
  let out: number[][] = [[]];
  for (const n of sizes) {
    const next: number[][] = [];
    for (const t of out) for (let i = 0; i < n; i++) next.push([...t, i]);
    out = next;
  }
  return out;
}

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

const JSON_KEY = (x: AxisValue) => JSON.stringify(x);

/** Every point of the sweep, with its validated scenario and its reference point. */
export function sweepPoints(spec: SweepSpec, where = 'sweep'): SweepPoint[] {
  // each axis value on its own first, so a bad value is named by its axis and index
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
  const sizes = spec.groups.map((g) => spec.axes[g[0]].values.length);
  const points: SweepPoint[] = product(sizes).map((t, id) => {
    const vals = new Array<AxisValue>(spec.axes.length);
    spec.groups.forEach((g, gi) => {
      for (const ai of g) vals[ai] = spec.axes[ai].values[t[gi]];
    });
    const axes: Record<string, AxisValue> = {};
    spec.axes.forEach((a, i) => {
      axes[a.name] = vals[i];
    });
    const scenario = parseScenario({ name: `${spec.name}#${id}`, ...applyAxes(spec, vals) }, `${where}.axes (point ${id})`);
    return { id, axes, scenario };
  });
  if (spec.readout === 'steady' && spec.foldAxis !== undefined) {
    const fa = spec.axes[spec.foldAxis];
    const keyOf = (p: SweepPoint, refValue?: AxisValue) =>
      spec.axes.map((a) => JSON_KEY(a === fa && refValue !== undefined ? refValue : p.axes[a.name])).join('|');
    const byKey = new Map<string, number>(points.map((p) => [keyOf(p), p.id]));
    for (const p of points) p.refId = byKey.get(keyOf(p, fa.reference));
  }
  return points;
}
