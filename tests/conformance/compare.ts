/** How the conformance suite compares a subject's records and state with the reference's. */
import { expect } from 'vitest';
import type { RecordBatch, StateSnapshot } from '../../src/engines/engine.js';
import { SAMPLE_FIELDS } from '../../src/model/layout.js';
import type { Run } from './drive.js';
import type { Agreement } from './subjects.js';

import { bitDiff } from '../helpers/gpu.js';

/** Where samples are not bit-identical: the largest absolute difference of each float field too. */
const SAMPLE_ABS: Record<string, number> = { probe: 5e-4, meanC: 5e-4, s1A: 5e-6, s2B: 5e-6 };

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-30);

/** `got` (the subject's) agrees with `want` (the reference's) as `agreement` says; spikes and counts exactly. */
export function expectSameRecords(got: RecordBatch, want: RecordBatch, agreement: Agreement, label: string): void {
  expect(got.firstStep, label).toBe(want.firstStep);
  expect(got.steps, label).toBe(want.steps);
  expect(got.spikeCount, label).toBe(want.spikeCount);
  if (want.spikes) {
    expect(Array.from(got.spikes!.cells), `${label}: spike cells`).toEqual(Array.from(want.spikes.cells));
    expect(Array.from(got.spikes!.steps), `${label}: spike steps`).toEqual(Array.from(want.spikes.steps));
  } else expect(got.spikes, label).toBeUndefined();
  for (const { name, type } of SAMPLE_FIELDS) {
    const a = Array.from(got.samples[name]);
    const b = Array.from(want.samples[name]);
    expect(a.length, `${label}: samples.${name}`).toBe(b.length);
    if (type === 'u32' || agreement.samples === 'bits') expect(a, `${label}: samples.${name}`).toEqual(b);
    else {
      const tol = agreement.samples;
      a.forEach((x, j) => {
        if (!(relDiff(x, b[j]) <= tol && Math.abs(x - b[j]) < SAMPLE_ABS[name]))
          expect.fail(`${label}: samples.${name}[${j}] ${x} vs reference ${b[j]}`);
      });
    }
  }
  for (const key of ['gridStart', 'gridEnd'] as const) {
    if (agreement.gridTotals === 'bits') expect(got.mass[key], `${label}: mass.${key}`).toBe(want.mass[key]);
    else if (!(relDiff(got.mass[key], want.mass[key]) <= agreement.gridTotals))
      expect.fail(`${label}: mass.${key} ${got.mass[key]} vs reference ${want.mass[key]}`);
  }
  for (const key of ['released', 'uptaken', 'cleared'] as const) {
    if (!(relDiff(got.mass[key], want.mass[key]) <= agreement.mass))
      expect.fail(`${label}: mass.${key} ${got.mass[key]} vs reference ${want.mass[key]}`);
  }
}

/** The snapshots agree bit for bit, at the same step. */
export function expectSameState(got: StateSnapshot, want: StateSnapshot, label: string): void {
  expect(got.step, label).toBe(want.step);
  expect(bitDiff(got, want), label).toEqual({});
}

/** Every sim of `got` agrees with the same sim of `want`: state bit for bit, records as `agreement` says. */
export function expectSameRun(got: Run, want: Run, agreement: Agreement): void {
  expect(got.snaps.length).toBe(want.snaps.length);
  for (let s = 0; s < want.snaps.length; s++) {
    expectSameState(got.snaps[s], want.snaps[s], `sim ${s}`);
    for (let p = 0; p < want.batches[s].length; p++)
      expectSameRecords(got.batches[s][p], want.batches[s][p], agreement, `sim ${s} advance ${p}`);
  }
}
