/**
 * The check of the chronic driver's two-timescale scheme (tests): the full model with every slow
 * variable evolving along with the fast network, no separation of timescales assumed (docs/model.md §7).
 */
import { ssriPotency2B } from '../model/sert-2b.js';
import { Clock } from '../clock/clock.js';
import type { ResolvedEngine } from '../engines/create.js';
import { advanceChronic, cellA50, d1AStats, sertScaleOf, zeroChronicState } from '../model/chronic.js';
import { buildModelAsync } from '../model/derive.js';
import type { Scenario } from '../model/scenario.js';
import { FIRST_SETTLE_MAX_S, FIRST_SETTLE_S, constantsWithSert, fastPhase, resetA2Sum, setD2B, startOpts } from './chronic-fast.js';

/** One point of a brute-force run: fast time s, mean d1A, share desensitised, mean d2B, sertScale. */
export interface BrutePoint {
  timeS: number;
  meanD1A: number;
  fractionDesensitised: number;
  meanD2B: number;
  sertScale: number;
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

/**
 * The full model with d1A, d2B and sertDown evolving along with the fast network (the check of the
 * scheme at accelerated time constants): started from the drug's estimated steady state with every slow
 * variable at 0, every `updateS` the cells' mean s1A and s2B over that interval drive an exact advance of
 * d1A and d2B over it, and the drug's occupancy one of sertDown (updateS << every tau). Returns the
 * trajectory at every update, for `durationS` of fast time.
 */
export async function runBruteForce(
  sc: Scenario,
  engine: ResolvedEngine,
  o: { durationS: number; updateS: number },
): Promise<BrutePoint[]> {
  if (!sc.chronic) throw new Error(`chronic: scenario ${sc.name} has no chronic protocol`);
  const doses = sc.chronic.doses;
  const model = await buildModelAsync(sc.params, sc.genotype, sc.neurons, sc.seed);
  const dt = model.dtGrid_s;
  const upd = Math.max(1, Math.round(o.updateS / dt));
  const A50 = cellA50(sc.params, model.nCells, sc.seed);
  const batch = await engine.createBatch(await startOpts([sc], [model], engine, () => doses));
  const out: BrutePoint[] = [{ timeS: 0, meanD1A: 0, fractionDesensitised: 0, meanD2B: 0, sertScale: 1 }];
  try {
    // the drug-free start is the estimate; settle it once as runChronic does before its first slow step
    await fastPhase(batch, [model], Math.round(FIRST_SETTLE_S / dt), Math.round(FIRST_SETTLE_MAX_S / dt), upd, 1000);
    const slow = zeroChronicState(model.nCells);
    const zero = new Float32Array(model.nCells);
    const total = Math.round(o.durationS / dt);
    const clock = new Clock(batch, { dtS: dt, chunkSteps: upd });
    for (let t = 0; t < total; t += upd) {
      batch.setCellState(0, 'a1Sum', zero);
      resetA2Sum(batch, 0, model.nCells);
      await clock.advance(upd);
      const snap = await batch.snapshot(0);
      const abar = Float64Array.from(snap.a1Sum, (x) => x / upd);
      const a2 = (snap as { a2Sum?: Float32Array }).a2Sum;
      const abar2B = a2 ? Float64Array.from(a2, (x) => x / upd) : new Float64Array(model.nCells);
      const fd = { abar, abar2B };
      advanceChronic(sc.params, slow, A50, doses, fd, (upd * dt) / 3600, fd, ssriPotency2B(sc.params, sc.genotype));
      batch.setCellState(0, 'd1A', Float32Array.from(slow.d1A.d));
      setD2B(batch, 0, slow.d2B.d);
      batch.setConstants(0, constantsWithSert(model, doses, sertScaleOf(slow.sert)));
      const st = d1AStats(slow.d1A.d);
      out.push({
        timeS: (t + upd) * dt,
        meanD1A: st.mean,
        fractionDesensitised: st.fraction,
        meanD2B: mean(slow.d2B.d),
        sertScale: sertScaleOf(slow.sert),
      });
    }
  } finally {
    batch.dispose();
  }
  return out;
}
