/**
 * NWB's typed objects as h5wasm writes them: every group or dataset of a neurodata type carries the
 * attributes namespace, neurodata_type and object_id; tables are hdmf-common DynamicTables (VectorData
 * columns, ElementIdentifiers ids, a colnames attribute); TimeSeries keep their time base as NWB asks:
 * starting_time + rate where the samples are evenly spaced, timestamps otherwise.
 */
import { randomUUID } from 'node:crypto';
import type * as H5 from 'h5wasm';

export type Group = H5.Group;

export const HDMF = 'hdmf-common';

export function typed(o: Group | H5.Dataset, ns: string, type: string, extra: Record<string, string> = {}): void {
  o.create_attribute('namespace', ns);
  o.create_attribute('neurodata_type', type);
  o.create_attribute('object_id', randomUUID());
  for (const [k, v] of Object.entries(extra)) o.create_attribute(k, v);
}

export function text(g: Group, name: string, value: string): H5.Dataset {
  return g.create_dataset({ name, data: value });
}

/** A 1-d text dataset (NWB's lists: keywords, related_publications). */
export function textList(g: Group, name: string, values: readonly string[]): H5.Dataset {
  return g.create_dataset({ name, data: [...values], shape: [values.length] });
}

export function vectorData(g: Group, name: string, data: H5.GuessableDataTypes, description: string, dtype?: string): H5.Dataset {
  const d = g.create_dataset({ name, data, dtype: dtype ?? null });
  typed(d, HDMF, 'VectorData', { description });
  return d;
}

export function ids(g: Group, n: number): void {
  const d = g.create_dataset({ name: 'id', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) });
  typed(d, HDMF, 'ElementIdentifiers');
}

export function colnames(g: Group, names: string[]): void {
  g.create_attribute('colnames', names, [names.length]);
}

/**
 * The sampling of times `t` when they are evenly spaced: the first time and the rate (Hz), such that
 * t[i] = start + i / rate to 12 significant digits (as the CSV files print them); undefined for fewer
 * than two samples or uneven spacing.
 */
export function regularSampling(t: Float64Array): { start: number; rate: number } | undefined {
  const n = t.length;
  if (n < 2) return undefined;
  const period = (t[n - 1]! - t[0]!) / (n - 1);
  if (!(period > 0)) return undefined;
  const tol = 1e-12 * Math.max(Math.abs(t[0]!), Math.abs(t[n - 1]!));
  const fits = (rate: number) => t.every((x, i) => Math.abs(x - (t[0]! + i / rate)) <= tol);
  // the rate as people write it (100, not 100.00000000000001) where that keeps every sample time
  const tidy = Number((1 / period).toPrecision(12));
  if (fits(tidy)) return { start: t[0]!, rate: tidy };
  return fits(1 / period) ? { start: t[0]!, rate: 1 / period } : undefined;
}

/** A core TimeSeries `name` in `g`: `data` in `unit`, at times `t` (s). */
export function timeSeries(g: Group, name: string, t: Float64Array, data: Float64Array, unit: string, description: string): void {
  const ts = g.create_group(name);
  typed(ts, 'core', 'TimeSeries', { description, comments: 'no comments' });
  const d = ts.create_dataset({ name: 'data', data });
  d.create_attribute('unit', unit);
  d.create_attribute('conversion', 1, null, '<f');
  d.create_attribute('offset', 0, null, '<f');
  d.create_attribute('resolution', -1, null, '<f');
  const regular = regularSampling(t);
  if (regular) {
    const st = ts.create_dataset({ name: 'starting_time', data: regular.start, dtype: '<d' });
    // the schema's float32 is a minimum: a float64 rate keeps start + i / rate equal to the sample times
    st.create_attribute('rate', regular.rate, null, '<d');
    st.create_attribute('unit', 'seconds');
  } else {
    const tsd = ts.create_dataset({ name: 'timestamps', data: t });
    tsd.create_attribute('interval', 1, null, '<i');
    tsd.create_attribute('unit', 'seconds');
  }
}
