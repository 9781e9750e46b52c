/**
 * What a sweep folder must match to be resumed or collected (sweep-file.json): the sweep file as
 * given and the flags that change its points (--neurons, --seed), plus the shard of a shard folder.
 * Read back as untrusted: a file that is not such a record is named.
 */
import * as fs from 'node:fs';
import { ConfigError } from '../model/errors.js';
import { sweepPoints } from './points.js';
import type { Shard } from './shard.js';
import { HARD_MAX_POINTS, parseSweep, type SweepParseOptions, type SweepSpec } from './spec.js';
import { jsonLine } from './journal.js';

export const SPEC_FILE = 'sweep-file.json';

export interface SweepIdentity {
  sweep: unknown;
  neurons: number | null;
  seed: number | null;
  /** A shard folder's shard. */
  shard?: Shard;
}

/** sweep-file.json's line. */
export const identityLine = (id: SweepIdentity): string =>
  jsonLine({ sweep: id.sweep, neurons: id.neurons, seed: id.seed, ...(id.shard ? { shard: id.shard } : {}) });

/** The sweep itself, without the shard: equal for every shard of one sweep and for its local run. */
export const sweepKey = (id: SweepIdentity): string => identityLine({ sweep: id.sweep, neurons: id.neurons, seed: id.seed });

/** The validated sweep of an identity, as the run that wrote it saw it (within the hard ceiling on points). */
export function sweepSpecOf(id: SweepIdentity, where: string, o: Omit<SweepParseOptions, 'neurons' | 'seed'> = {}): SweepSpec {
  return parseSweep(id.sweep, where, {
    maxPoints: HARD_MAX_POINTS,
    ...o,
    neurons: id.neurons ?? undefined,
    seed: id.seed ?? undefined,
  });
}

/** The validated sweep of an identity and its points. */
export function sweepOf(id: SweepIdentity, where: string) {
  const spec = sweepSpecOf(id, where);
  return { spec, points: sweepPoints(spec, where) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const okCount = (x: unknown) => x === null || x === undefined || (typeof x === 'number' && Number.isInteger(x));

/** A sweep identity read from a file (sweep-file.json, a cluster's manifest), or a ConfigError naming the file. */
export function readIdentity(file: string, field: string): SweepIdentity & Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(field, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
  }
  if (!isObject(v) || !isObject(v.sweep) || !okCount(v.neurons) || !okCount(v.seed)) {
    throw new ConfigError(field, `${file} is not a raphe sweep record`);
  }
  if (v.shard !== undefined) {
    const s = v.shard;
    if (
      !isObject(s) ||
      !Number.isInteger(s.index) ||
      !Number.isInteger(s.count) ||
      (s.index as number) < 0 ||
      (s.index as number) >= (s.count as number)
    )
      throw new ConfigError(field, `${file} is not a raphe sweep record (a bad shard)`);
  }
  return { ...v, sweep: v.sweep, neurons: (v.neurons as number | null) ?? null, seed: (v.seed as number | null) ?? null };
}
