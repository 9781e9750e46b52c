/** The settling rule (model/settling.ts): the one definition the clock, the summaries and the exports read. */
import { expect, test } from 'vitest';
import {
  isSettled,
  lastQuarterDrift,
  PROBE_CEILING_NM,
  PROBE_FLOOR_NM,
  SETTLE_TOLERANCE,
  samplesSettled,
  settledOver,
  settleWindowStart,
} from '../src/model/settling.js';

/** Samples every 10 ms over (0, seconds] of probe(t). */
function series(seconds: number, probe: (t: number) => number) {
  const n = Math.round(seconds / 0.01);
  const tS = Float64Array.from({ length: n }, (_, i) => (i + 1) * 0.01);
  return { tS, probe: tS.map(probe) };
}

test('a relative drift under the tolerance is settled, one over it is not', () => {
  expect(SETTLE_TOLERANCE).toBe(0.02);
  expect(isSettled(0.019, 50)).toBe(true);
  expect(isSettled(-0.019, 50)).toBe(true);
  expect(isSettled(0.021, 50)).toBe(false);
  expect(isSettled(0.021, 50, 0.05)).toBe(true);
});

test('a flat probe above the physiological ceiling (2 µM) is never settled: a runaway is no steady state', () => {
  expect(PROBE_CEILING_NM).toBe(2000);
  expect(isSettled(0, PROBE_CEILING_NM)).toBe(true);
  expect(isSettled(0, PROBE_CEILING_NM + 1)).toBe(false);
  const flat = series(4, () => 2500);
  expect(samplesSettled(flat.tS, flat.probe)).toBe(false);
  const low = series(4, () => 25);
  expect(samplesSettled(low.tS, low.probe)).toBe(true);
});

test('a change under the probe floor is settled whatever its relative size (a silenced probe near zero)', () => {
  expect(PROBE_FLOOR_NM).toBe(0.1);
  expect(isSettled(0.5, 0.1)).toBe(true); // 0.05 nM across the window
  expect(isSettled(0.5, 1)).toBe(false); // 0.5 nM
});

test('no drift (too few samples) is never settled', () => {
  expect(isSettled(Number.NaN, 20)).toBe(false);
  const { tS, probe } = series(0.03, () => 20);
  expect(samplesSettled(tS, probe)).toBe(false);
});

test('the window is the last quarter: a rise in the first three quarters does not count, one in the last does', () => {
  expect(settleWindowStart(2, 6)).toBe(5);
  const early = series(4, (t) => (t < 2.9 ? 20 + 10 * t : 49));
  expect(settledOver(early.tS, early.probe, 0, 4)).toBe(true);
  const late = series(4, (t) => (t < 3.5 ? 20 : 20 + 10 * (t - 3.5)));
  expect(settledOver(late.tS, late.probe, 0, 4)).toBe(false);
  expect(lastQuarterDrift(late.tS, late.probe, 0, 4)).toBeGreaterThan(SETTLE_TOLERANCE);
});

test("samplesSettled reads the samples' own span, settledOver the span it is given", () => {
  // a rise that ends at 1.75 s: the last quarter of (0, 2] starts at 1.5, of (1.2, 2] at 1.8
  const { tS, probe } = series(2, (t) => 20 + 20 * Math.min(t, 1.75));
  expect(settledOver(tS, probe, 0, 2)).toBe(false);
  expect(settledOver(tS, probe, 1.2, 2)).toBe(true);
  expect(samplesSettled(tS, probe)).toBe(false);
  expect(samplesSettled(tS.subarray(120), probe.subarray(120))).toBe(true);
});
