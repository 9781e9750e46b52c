/**
 * Conformance, every engine: the 5-HT mass balance. Over every advance and over the whole run,
 * gridEnd - gridStart = released - uptaken - cleared, to 1e-4 of what was released in an advance and
 * 1e-5 over the run; the advances chain; with every spike from a full pool the release is each spike's
 * RELEASE_QUANTA times dC_rel on every region voxel of its cell's release cube (dC_spike times the share
 * of the cube inside the region), and less when pools run down; an SSRI slows uptake and fills the grid,
 * from the start or switched on mid-run.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { BatchEngine, RecordBatch } from '../../src/engines/engine.js';
import { buildModel, deriveConstants, type Model } from '../../src/model/derive.js';
import type { DrugDoses } from '../../src/model/drugs.js';
import { defaultParams } from '../../src/model/params.js';
import { regionVoxelsInCube } from '../../src/model/release-field.js';
import { RELEASE_QUANTA } from '../../src/model/release-quanta.js';
import { options } from './drive.js';
import { ensureWorkerBundle, type Subject, subjects, testOptions } from './subjects.js';

beforeAll(ensureWorkerBundle);

const tissue = { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 180 };
const model = buildModel(tissue, 'wt', 400, 3);
/** The same tissue with pools that never run down: a spike keeps its whole pool and 5-HT1A does not cut release. */
const fullPools = buildModel({ ...tissue, releaseFraction: 0, rel1AMax: 0 }, 'wt', 400, 3);

/** 2000 grid steps in advances of 500, the doses changed where a phase says so. */
async function run(
  subject: Subject,
  doses: DrugDoses,
  phases: { steps: number; doses?: DrugDoses }[],
  recordSpikes = true,
  m: Model = model,
) {
  const b: BatchEngine = await subject.batch([options(m, { doses, c0_nM: 30, rate0_Hz: 1.2, recordSpikes })]);
  const batches: RecordBatch[] = [];
  try {
    for (const ph of phases) {
      if (ph.doses) b.setDoses(0, ph.doses);
      for (let s = 0; s < ph.steps; s += 500) batches.push((await b.advance(Math.min(500, ph.steps - s)))[0]);
    }
  } finally {
    b.dispose();
  }
  return batches;
}

function checkBalance(subject: Subject, batches: RecordBatch[]) {
  let released = 0;
  let uptaken = 0;
  let cleared = 0;
  for (let b = 0; b < batches.length; b++) {
    const m = batches[b].mass;
    expect(m.released).toBeGreaterThan(0);
    expect(m.uptaken).toBeGreaterThan(0);
    expect(m.cleared).toBeGreaterThan(0);
    const err = Math.abs(m.gridEnd - m.gridStart - (m.released - m.uptaken - m.cleared)) / m.released;
    expect(err, `advance ${b}`).toBeLessThan(1e-4);
    const previous = batches[b - 1]?.mass.gridEnd;
    if (b > 0 && subject.agreement.gridTotals === 'bits') expect(m.gridStart, 'the advances chain').toBe(previous);
    else if (b > 0) expect(m.gridStart, 'the advances chain').toBeCloseTo(previous, 6);
    released += m.released;
    uptaken += m.uptaken;
    cleared += m.cleared;
  }
  const start = batches[0].mass.gridStart;
  const end = batches[batches.length - 1].mass.gridEnd;
  const err = Math.abs(end - start - (released - uptaken - cleared)) / released;
  expect(err).toBeLessThan(1e-5);
  return { released, uptaken, cleared, start, end };
}

for (const subject of await subjects()) {
  describe.skipIf(subject.skip)(`${subject.name}: 5-HT mass balance`, testOptions(subject), () => {
    test('WT baseline, 2000 grid steps, pools always full: released = spikes x a full pool x the share of their cubes inside, from 30 nM everywhere', async () => {
      const batches = await run(subject, {}, [{ steps: 2000 }], true, fullPools);
      const r = checkBalance(subject, batches);
      const spikes = batches.reduce((a, b) => a + b.spikeCount, 0);
      expect(spikes).toBeGreaterThan(0);
      const inCube = regionVoxelsInCube(fullPools.geometry, fullPools.fieldR);
      const dCrel = deriveConstants(fullPools, {}).dCrel;
      let want = 0;
      for (const b of batches) for (const cell of b.spikes!.cells) want += RELEASE_QUANTA * dCrel * inCube[fullPools.vox[cell]];
      expect(want).toBeLessThan(spikes * fullPools.dCspike_nM);
      expect(Math.abs(r.released - want) / r.released).toBeLessThan(1e-6);
      expect(r.start).toBeCloseTo(30 * model.geometry.inside.length, 0);
      // spike records agree with the counts
      expect(batches.reduce((a, b) => a + b.spikes!.cells.length, 0)).toBe(spikes);
    });

    test('WT baseline, 2000 grid steps: pools that run down release less than a full pool a spike', async () => {
      const batches = await run(subject, {}, [{ steps: 2000 }], false);
      const r = checkBalance(subject, batches);
      const spikes = batches.reduce((a, b) => a + b.spikeCount, 0);
      expect(r.released).toBeLessThan(spikes * model.dCspike_nM);
    });

    test('with an SSRI from the start and switched on mid-run (recording off)', async () => {
      const a = checkBalance(subject, await run(subject, { fluoxetine: 10 }, [{ steps: 2000 }]));
      const midRun = await run(subject, {}, [{ steps: 1000 }, { steps: 1000, doses: { fluoxetine: 10 } }], false);
      for (const r of midRun) expect(r.spikes).toBeUndefined();
      const b = checkBalance(subject, midRun);
      const base = checkBalance(subject, await run(subject, {}, [{ steps: 2000 }]));
      // the SSRI slows uptake: less taken up per unit of 5-HT present than without it
      const perContent = (r: typeof a) => r.uptaken / (r.start + r.end);
      expect(perContent(a)).toBeLessThan(0.5 * perContent(base));
      expect(b.released).toBeGreaterThan(0);
      // the grid fills up under the SSRI
      expect(a.end).toBeGreaterThan(a.start);
    });
  });
}
