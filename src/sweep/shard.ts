/**
 * Shards of a sweep: N parts that together hold every point exactly once, dealt by a rule that depends
 * only on the sweep file: the points sorted by their id (their place in the product order, first axis
 * slowest), point id goes to shard id mod N (round-robin, so neighbouring doses, which cost alike, land
 * on different shards). The same on every machine and in every run order.
 */
import { ConfigError } from '../model/errors.js';
import type { SweepPoint } from './points.js';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** The shard a point belongs to. */
export function shardOf(id: number, count: number): number {
  return id % count;
}

/** The points of one shard, in id order. */
export function shardPoints(points: readonly SweepPoint[], s: Shard): SweepPoint[] {
  return [...points].sort((a, b) => a.id - b.id).filter((p) => shardOf(p.id, s.count) === s.index);
}

/** Most shards a sweep may be cut into (a SLURM array's usual MaxArraySize is 1001). */
export const MAX_SHARDS = 10000;

/** `--shard I/N`: 0 <= I < N, N at most the number of points. */
export function parseShard(field: string, text: string, points: number): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (!m) throw new ConfigError(field, `must be I/N (shard I of N, 0-based: 0 <= I < N), got ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  checkShardCount(field, count, points);
  if (index >= count) throw new ConfigError(field, `shard ${index} of ${count}: I must be below N (shards are 0-based: 0 to ${count - 1})`);
  return { index, count };
}

/** A shard count: 1 to the number of points (an empty shard would be a job with nothing to do). */
export function checkShardCount(field: string, count: number, points: number): void {
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(field, `the number of shards must be at least 1, got ${count}`);
  if (count > points)
    throw new ConfigError(field, `${count} shards for a sweep of ${points} points; at most ${points} (one point a shard)`);
  if (count > MAX_SHARDS) throw new ConfigError(field, `${count} shards; at most ${MAX_SHARDS}`);
}
