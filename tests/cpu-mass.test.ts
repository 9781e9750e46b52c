/**
 * 5-HT mass balance of a full CpuEngine run: over every batch and over the whole run,
 * gridEnd - gridStart = released - uptaken - cleared, to 1e-4 of what was released.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import type { RecordBatch } from '../src/engines/engine.js';
import { buildModel } from '../src/model/derive.js';
import type { DrugDoses } from '../src/model/drugs.js';
import { defaultParams } from '../src/model/params.js';

function run(doses: DrugDoses, phases: { steps: number; doses?: DrugDoses }[]) {
  const p = { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 180 };
  const model = buildModel(p, 'wt', 400, 3);
  const e = new CpuEngine({ model, doses, c0_nM: 30, rate0_Hz: 1.2, recordSpikes: true, sampleSteps: 10 });
  const batches: RecordBatch[] = [];
  for (const ph of phases) {
    if (ph.doses) e.setDoses(ph.doses);
    for (let s = 0; s < ph.steps; s += 500) batches.push(e.advanceSync(Math.min(500, ph.steps - s)));
  }
  return { model, batches, engine: e };
}

function checkBalance(batches: RecordBatch[]) {
  let released = 0;
  let uptaken = 0;
  let cleared = 0;
  for (let b = 0; b < batches.length; b++) {
    const m = batches[b].mass;
    expect(m.released).toBeGreaterThan(0);
    expect(m.uptaken).toBeGreaterThan(0);
    expect(m.cleared).toBeGreaterThan(0);
    const err = Math.abs(m.gridEnd - m.gridStart - (m.released - m.uptaken - m.cleared)) / m.released;
    expect(err, `batch ${b}`).toBeLessThan(1e-4);
    if (b > 0) expect(m.gridStart).toBe(batches[b - 1].mass.gridEnd); // batches chain
    released += m.released;
    uptaken += m.uptaken;
    cleared += m.cleared;
  }
  const start = batches[0].mass.gridStart;
  const end = batches[batches.length - 1].mass.gridEnd;
  const err = Math.abs(end - start - (released - uptaken - cleared)) / released;
  expect(err).toBeLessThan(1e-4);
  return { released, uptaken, cleared, start, end, err };
}

describe('CpuEngine mass balance', () => {
  it('WT baseline, 2000 grid steps', () => {
    const { model, batches } = run({}, [{ steps: 2000 }]);
    const r = checkBalance(batches);
    // released = spikes x dC_spike (integer counts)
    const spikes = batches.reduce((a, b) => a + b.spikeCount, 0);
    expect(spikes).toBeGreaterThan(0);
    expect(Math.abs(r.released - spikes * Math.fround(model.dCspike_nM)) / r.released).toBeLessThan(1e-6);
    // the grid started at 30 nM everywhere in the region
    expect(r.start).toBeCloseTo(30 * model.geometry.inside.length, 0);
    // spike records agree with the counts
    expect(batches.reduce((a, b) => a + b.spikes!.cells.length, 0)).toBe(spikes);
  });

  it('with an SSRI from the start and switched on mid-run', () => {
    const a = run({ fluoxetine: 10 }, [{ steps: 2000 }]);
    const ra = checkBalance(a.batches);
    const b = run({}, [{ steps: 1000 }, { steps: 1000, doses: { fluoxetine: 10 } }]);
    const rb = checkBalance(b.batches);
    // the SSRI slows uptake: less taken up per unit of 5-HT present than without it
    const base = run({}, [{ steps: 2000 }]);
    const rbase = checkBalance(base.batches);
    const perContent = (r: typeof ra) => r.uptaken / (r.start + r.end);
    expect(perContent(ra)).toBeLessThan(0.5 * perContent(rbase));
    expect(rb.released).toBeGreaterThan(0);
    // the grid fills up under the SSRI
    expect(ra.end).toBeGreaterThan(ra.start);
  });
});
