/**
 * `--seeds K` on the Belmer 2018 experiment, run for real on a small tissue (CPU engine): each seed's
 * conditions give the values a run at that seed alone gives, and the findings over the seeds read
 * their means and intervals from exactly those values.
 */
import { describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { nodeCpuProvider } from '../src/engines/node.js';
import { type ExperimentResult, runBelmer2018 } from '../src/experiment/belmer2018.js';
import { FINDINGS } from '../src/model/findings.js';
import { isSeedRow } from '../src/model/findings-seeds.js';
import { meanInterval } from '../src/model/intervals.js';
import { defaultParams } from '../src/model/params.js';

/** A tissue 0.24 x 0.2 x 0.16 mm at the model's density, 100 cells, 2 s phases: a quarter of tests/chronic.test.ts's. */
const SMALL = { ...defaultParams(), regionX_um: 240, regionY_um: 200, regionZ_um: 160, refCells_n: 144, probeRadius_um: 60 };

async function experiment(seed: number, seeds?: number): Promise<ExperimentResult> {
  const engine = await resolveEngine('cpu', undefined, { cpu: nodeCpuProvider(2) });
  return runBelmer2018({ engine, neurons: 100, seed, seeds, params: SMALL, durationScale: 0.01, timecourse: false });
}

describe('the experiment over three seeds (small tissue)', async () => {
  const [one, three] = [await experiment(8), await experiment(7, 3)];

  test('one seed gives the findings rows of a run without --seeds (no interval, no per-seed record)', () => {
    expect(one.findings.some(isSeedRow)).toBe(false);
    expect(one.perSeed).toBeUndefined();
    expect(one.conditions.every((c) => c.seeds === undefined)).toBe(true);
  });

  test('the second of seeds 7, 8, 9 gives the same conditions and findings as seed 8 run alone', () => {
    expect(three.perSeed!.map((s) => s.seed)).toEqual([7, 8, 9]);
    expect(three.perSeed![1]!.findings).toEqual(one.findings);
    three.conditions.forEach((c, i) => {
      const alone = one.conditions[i]!.result.summary;
      const s = c.seeds![1]!.result.summary;
      expect([s.seed, s.meanRateHz, s.probe5htNm, s.medianCvIsi, s.settled]).toEqual([
        8,
        alone.meanRateHz,
        alone.probe5htNm,
        alone.medianCvIsi,
        alone.settled,
      ]);
    });
  });

  test("each finding's readouts are read at each seed, and their mean and 95% interval are those of the three values", () => {
    const rows = three.findings.filter(isSeedRow);
    expect(rows.map((r) => r.id)).toEqual(FINDINGS.map((f) => f.id));
    const f1 = rows[0]!;
    const wtRates = three.conditions.find((c) => c.name === 'wt')!.seeds!.map((s) => s.result.summary.meanRateHz);
    const rate = f1.readouts.find((r) => r.readout === 'rate')!;
    expect(rate.perSeed).toEqual(wtRates);
    const m = meanInterval(wtRates);
    expect([rate.mean, rate.lo, rate.hi]).toEqual([m.mean, m.lo, m.hi]);
    expect(rate.hi - rate.lo).toBeGreaterThan(0); // the seeds differ: a tissue drawn anew at each
    expect(f1.interval).toContain(`rate ${Number(m.mean.toPrecision(3))} ± ${Number(m.halfWidth.toPrecision(3))}`);
    expect(f1.perSeedPass).toEqual(three.perSeed!.map((s) => s.findings[0]!.pass));
  });
});
