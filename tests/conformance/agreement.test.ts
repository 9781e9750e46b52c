/**
 * Conformance, every engine: the same tissue and protocol give the reference's state and spikes bit for
 * bit (the reference: the single-thread CPU engine, held to the plain specification by
 * tests/wasm-kernels.test.ts), and its samples and mass sums as closely as the subject's Agreement says.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { expectSameRun } from './compare.js';
import { driveBoth, options, type Phase, tissue } from './drive.js';
import { ensureWorkerBundle, subjects, testOptions } from './subjects.js';

beforeAll(ensureWorkerBundle);

for (const subject of await subjects()) {
  describe.skipIf(subject.skip)(`${subject.name} against the reference`, testOptions(subject), () => {
    async function agree(sim: ReturnType<typeof options>, phases: Phase[]) {
      const { got, want } = await driveBoth(subject, [sim], phases);
      expectSameRun(got, want, subject.agreement);
      return want;
    }

    test('500 cells, 200 grid steps: the same state, spikes and samples', async () => {
      const want = await agree(options(tissue(500, 7)), [{ steps: 200 }]);
      expect(want.batches[0][0].spikeCount).toBeGreaterThan(10);
      expect(want.snaps[0].step).toBe(200);
    });

    test('700 cells, fluoxetine + BW723C86, then 8-OH-DPAT from grid step 137', async () => {
      const want = await agree(options(tissue(700, 11), { doses: { fluoxetine: 10, bw723c86: 100 } }), [
        { steps: 137 },
        { steps: 163, doses: [{ '8-oh-dpat': 1 }] },
      ]);
      expect(want.batches[0][0].spikeCount + want.batches[0][1].spikeCount).toBeGreaterThan(50);
      expect(want.snaps[0].step).toBe(300);
    });

    test('400 cells, a release field of 40 µm and tonic release: the same state, spikes and samples', async () => {
      const want = await agree(options(tissue(400, 9, 'wt', { releaseField_um: 40, tonicRelease_molps: 3e3 })), [{ steps: 150 }]);
      expect(want.batches[0][0].spikeCount).toBeGreaterThan(10);
    });

    test('301 cells, advances of 1, 49, 0, 150 and 101 grid steps, fluoxetine from the fourth, recording off, a sample every 7 steps', async () => {
      await agree(options(tissue(301, 5), { recordSpikes: false, sampleSteps: 7 }), [
        { steps: 1 },
        { steps: 49 },
        { steps: 0 },
        { steps: 150, doses: [{ fluoxetine: 10 }] },
        { steps: 101 },
      ]);
    });
  });
}
