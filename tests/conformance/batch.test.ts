/**
 * Conformance, every engine: a batch of K simulations of one tissue, each with its own genotype, drugs,
 * starting state, a dose change and a d1A change between advances, gives for every sim what a run of
 * it alone gives (the reference), its own samples and its own mass balance: no crossed wires.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { expectSameRun } from './compare.js';
import { driveBoth, options, tissue } from './drive.js';
import { ensureWorkerBundle, subjects, testOptions } from './subjects.js';

beforeAll(ensureWorkerBundle);

const SIMS = () => [
  options(tissue(500, 7, 'wt')),
  options(tissue(500, 7, 'htr2b-ko'), { doses: { fluoxetine: 10 }, c0_nM: 10, rate0_Hz: 0.3 }),
  options(tissue(500, 7, 'wt'), { doses: { '8-oh-dpat': 3, bw723c86: 100 }, c0_nM: 20, rate0_Hz: 1.5 }),
];
const d1A = Float32Array.from({ length: 500 }, (_, c) => (c % 5) * 0.1);
const PHASES = [
  { steps: 110 },
  { steps: 95, doses: [{ fluoxetine: 10 }, null, { '8-oh-dpat': 0.3, 'way-100635': 10 }], d1A: [d1A, d1A, null] },
];

for (const subject of await subjects()) {
  describe.skipIf(subject.skip)(`${subject.name}: a batch of 3 simulations`, testOptions(subject), () => {
    test('each sim is what a run of it alone gives, with its own mass balance', async () => {
      const { got, want } = await driveBoth(subject, SIMS(), PHASES);
      expect(got.adapter).toMatch(subject.adapter);
      expect(got.steps ?? 205).toBe(205);
      expectSameRun(got, want, subject.agreement);
      const spikeTotals: number[] = [];
      for (let s = 0; s < 3; s++) {
        expect(got.snaps[s].step).toBe(205);
        const [a, b] = got.batches[s];
        expect(b.mass.gridStart, `sim ${s}: the batches chain`).toBeCloseTo(a.mass.gridEnd, 6);
        const net = [a, b].reduce((x, r) => x + r.mass.released - r.mass.uptaken - r.mass.cleared, 0);
        const err = Math.abs(b.mass.gridEnd - a.mass.gridStart - net) / (a.mass.released + b.mass.released);
        expect(err, `sim ${s} mass balance`).toBeLessThan(1e-5);
        spikeTotals.push(a.spikeCount + b.spikeCount);
      }
      // the sims really differ (else crossed wires would go unseen), and they fire
      expect(spikeTotals[0]).toBeGreaterThan(10);
      expect(want.batches.reduce((x, r) => x + r[1].spikeCount, 0)).toBeGreaterThan(20);
      expect(new Set(spikeTotals).size).toBe(3);
    });
  });
}
