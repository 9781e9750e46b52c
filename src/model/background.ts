/**
 * The background Poisson drive drawn event by event (docs/model.md §2, §4). Events arrive at
 * bgRate_Hz; per grid step their number N is Poisson(lambda = bgRate x dt_grid), truncated at 3, each
 * event at a uniform sub-step. Instead of one Philox draw per cell per grid step (at 25 Hz and 1 ms,
 * 97.5% of them find no event), each cell keeps the grid step of its next event-bearing step (state
 * field bgNext) and a draw counter (bgIdx). Draw k of cell i is Philox4x32-10 of counter
 * (i, k, 0, STREAM.background) keyed by the seed:
 *   draw 0 (at set-up): word 3 gives the number G of empty grid steps before the first event step;
 *   draw k >= 1 (at event step k): word 0 gives N given N >= 1 (thresholds bgC2, bgC3), words 1 and 2
 *     the sub-steps of the first two events (word 1's high half the third's), word 3 the next gap G.
 * G is geometric, P(G >= k) = P(N = 0)^k, read from a table of u32 thresholds: G = #{k : u < gap[k-1]}
 * (a binary search; integer compares only, so both engines draw the same G). When the table is capped
 * (very low rates) and G reaches its length L, the step reached is a null step (bgIdx's top bit): no
 * event, the gap is drawn again -- exact, since the geometric law is memoryless.
 * One draw per event step instead of one per grid step: at 25 Hz and 1 ms, 40x fewer.
 */
import { philox4x32, STREAM } from '../rng/philox.js';

/** Longest gap table (entries); rates so low that q^L stays above 2^-33 use null steps beyond it. */
export const BG_GAP_MAX = 4096;
/** bgIdx's flag bit: the step bgNext points at is a null step (the gap table was capped). */
export const BG_NULL = 0x80000000;

/** P(N >= k) for N ~ Poisson(lam), as a u32 threshold on a uniform u32. */
export function poissonThreshold(lam: number, k: number): number {
  let pmf = Math.exp(-lam);
  let cdf = pmf;
  for (let i = 1; i < k; i++) {
    pmf *= lam / i;
    cdf += pmf;
  }
  const tail = Math.max(0, 1 - cdf);
  return Math.min(4294967295, Math.round(tail * 4294967296));
}

/** Mean background events per grid step. */
export function backgroundLambda(bgRate_Hz: number, dtGrid_ms: number): number {
  return (bgRate_Hz * dtGrid_ms) / 1000;
}

/**
 * The gap table: entry k-1 = round(P(no event)^k x 2^32) (clamped to u32), for k = 1..L, L the first k
 * whose threshold is 0 (or BG_GAP_MAX).
 */
export function gapTable(lam: number): Uint32Array {
  const q = Math.exp(-lam);
  const out: number[] = [];
  let qk = 1;
  for (let k = 1; k <= BG_GAP_MAX; k++) {
    qk *= q;
    const t = Math.min(4294967295, Math.round(qk * 4294967296));
    out.push(t);
    if (t === 0) break;
  }
  return Uint32Array.from(out);
}

/** G = #{k : u < table[k-1]} (the table decreases): the number of empty grid steps before the next event step. */
export function drawGap(table: Uint32Array, u: number): number {
  let lo = 0;
  let hi = table.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (u < table[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The state after draw `idx` at (or, for idx 0, before) grid step `from`: next event step and counter. */
export function afterGap(table: Uint32Array, gap: number, from: number, idx: number): { bgNext: number; bgIdx: number } {
  return { bgNext: (from + gap) >>> 0, bgIdx: ((idx + 1) | (gap === table.length ? BG_NULL : 0)) >>> 0 };
}

/** Draw 0 of cell `cell`: its first event step and counter (the initial bgNext, bgIdx). */
export function firstBackgroundEvent(seedLo: number, seedHi: number, table: Uint32Array, cell: number): { bgNext: number; bgIdx: number } {
  const w = new Uint32Array(4);
  philox4x32(cell, 0, 0, STREAM.background, seedLo, seedHi, w);
  return afterGap(table, drawGap(table, w[3]), 0, 0);
}
