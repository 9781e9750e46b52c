/**
 * The initial state both engines start from (MODEL.md §3): a uniform c0 over the region, receptor
 * filters at equilibrium with c0, background conductance and AHP currents at their running means
 * for the expected rate, membrane potentials spread between reset and threshold.
 */
import { occupancy } from '../model/drugs.js';
import type { Constants, Model } from '../model/derive.js';
import { HostStream, STREAM, seedKey } from '../rng/philox.js';
import type { StateSnapshot } from './engine.js';

export function initialState(m: Model, k: Constants, c0_nM: number, rate0_Hz: number): StateSnapshot {
  const n = m.nCells;
  const p = m.params;
  const a1 = occupancy(c0_nM, p.K1A_nM, { num: k.num1A, den: k.den1A });
  const a2 = occupancy(c0_nM, p.K2B_nM, { num: k.num2B, den: k.den2B });
  const r = rate0_Hz / 1000; // per ms
  const rng = new HostStream(seedKey(m.seed), STREAM.initialV, 0);
  const V = new Float32Array(n);
  for (let i = 0; i < n; i++) V[i] = p.Vreset_mV + (p.Vth_mV - p.Vreset_mV) * rng.uniform();
  const grid = new Float32Array(m.geometry.nx * m.geometry.ny * m.geometry.nz);
  for (const v of m.geometry.inside) grid[v] = c0_nM;
  return {
    step: 0,
    V,
    gbg: new Float32Array(n).fill((p.bgRate_Hz / 1000) * p.bgStep_nS * p.tauBg_ms),
    ahp1: new Float32Array(n).fill(r * p.dAhp1_pA * p.tauAhp1_ms),
    ahp2: new Float32Array(n).fill(r * p.dAhp2_pA * p.tauAhp2_ms),
    ahp3: new Float32Array(n).fill(r * p.dAhp3_pA * p.tauAhp3_ms),
    r1A: new Float32Array(n).fill(a1),
    s1A: new Float32Array(n).fill(a1),
    s2B: new Float32Array(n).fill(a2),
    ref: new Uint32Array(n),
    grid,
  };
}
