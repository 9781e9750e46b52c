/**
 * One neuron of the CPU kernel (stepNeurons, dt 0.1 ms, float32, exponential Euler) against an
 * independent float64 forward-Euler integration of the same membrane equation at dt 0.01 ms:
 *   C dV/dt = -gL (V-EL) - (h1+h2+h3) - g1A s1A (V-EK) - g2B s2B (V-E2B) + I_drive
 * with no background drive (bgRate 0) and constant receptor activations (constant 5-HT, filters
 * started at equilibrium). Firing rates over 10 s must agree within 2%.
 */
import { describe, expect, it } from 'vitest';
import { stepNeurons, type NeuronState } from '../src/engines/reference/neurons.js';
import { allocState } from '../src/model/layout.js';
import { buildModel, deriveConstants } from '../src/model/derive.js';
import { defaultParams, type Params } from '../src/model/params.js';

const P: Params = { ...defaultParams(), bgRate_Hz: 0, regionX_um: 100, regionY_um: 100, regionZ_um: 100 };
const DURATION_S = 10;

/** Spike times (ms) of each cell from stepNeurons, all cells in one voxel held at c_nM. */
function engineSpikes(Idrive: number[], c_nM: number): number[][] {
  const n = Idrive.length;
  const m = buildModel(P, 'wt', n, 1);
  const k = deriveConstants(m, {});
  const f = Math.fround;
  // receptor activations as the kernel computes them, filters at equilibrium
  const x1 = f(f(c_nM) * k.invK1A);
  const a1 = f(f(x1 + k.num1A) / f(k.den1A + x1));
  const x2 = f(f(c_nM) * k.invK2B);
  const a2 = f(f(x2 + k.num2B) / f(k.den2B + x2));
  // every field zero (allocState), then the ones this test starts elsewhere
  const s: NeuronState = allocState(n);
  s.V.fill(P.Vreset_mV);
  s.r1A.fill(a1);
  s.s1A.fill(a1);
  s.s2B.fill(a2);
  s.bgNext.fill(0xffffffff); // no background drive: the next event step is never reached
  const cells = { Idrive: Float32Array.from(Idrive), vox: new Uint32Array(n), bgGap: m.bgGap };
  const c = Float32Array.of(c_nM);
  const out = { spikeSub: new Uint8Array(n), counts: new Uint32Array(c.length) };
  const times: number[][] = Idrive.map(() => []);
  const steps = Math.round((DURATION_S * 1000) / (P.dt_ms * P.subSteps));
  for (let step = 0; step < steps; step++) {
    stepNeurons(k, s, cells, c, step, 0, n, out);
    for (let i = 0; i < n; i++) {
      const j = out.spikeSub[i];
      if (j !== 255) times[i].push((step * P.subSteps + j + 1) * P.dt_ms);
    }
    // activations stay constant
    if (step === steps - 1) {
      for (let i = 0; i < n; i++) {
        expect(Math.abs(s.s1A[i] - a1)).toBeLessThan(1e-6);
        expect(Math.abs(s.s2B[i] - a2)).toBeLessThan(1e-6);
        expect(s.gbg[i]).toBe(0);
      }
    }
  }
  return times;
}

/** Independent float64 forward Euler at dt = 0.01 ms; spike times in ms. */
function referenceSpikes(Idrive: number, c_nM: number): number[] {
  const dt = 0.01;
  const a1 = c_nM / P.K1A_nM / (1 + c_nM / P.K1A_nM);
  const a2 = c_nM / P.K2B_nM / (1 + c_nM / P.K2B_nM);
  const G1 = P.g1A_nS * a1;
  const G2 = P.g2B_nS * a2;
  const tau = [P.tauAhp1_ms, P.tauAhp2_ms, P.tauAhp3_ms];
  const inc = [P.dAhp1_pA, P.dAhp2_pA, P.dAhp3_pA];
  const h = [0, 0, 0];
  let V = P.Vreset_mV;
  let refLeft = 0;
  const spikes: number[] = [];
  const n = Math.round((DURATION_S * 1000) / dt);
  for (let s = 0; s < n; s++) {
    const t = (s + 1) * dt;
    const Iahp = h[0] + h[1] + h[2];
    const dV = (-P.gL_nS * (V - P.EL_mV) - Iahp - G1 * (V - P.EK_mV) - G2 * (V - P.E2B_mV) + Idrive) / P.C_pF;
    for (let q = 0; q < 3; q++) h[q] -= (h[q] / tau[q]) * dt;
    if (refLeft > 0) {
      refLeft--;
      continue;
    }
    V += dV * dt;
    if (V < P.Vfloor_mV) V = P.Vfloor_mV;
    if (V >= P.Vth_mV) {
      V = P.Vreset_mV;
      refLeft = Math.round(P.tRef_ms / dt);
      for (let q = 0; q < 3; q++) h[q] += inc[q];
      spikes.push(t);
    }
  }
  return spikes;
}

/** Mean rate over the last 5 s from the inter-spike intervals there (Hz). */
function steadyRate(times: number[]): number {
  const late = times.filter((t) => t >= 5000);
  if (late.length < 2) return 0;
  return (1000 * (late.length - 1)) / (late[late.length - 1] - late[0]);
}

describe('single LIF + 3 AHP neuron: stepNeurons vs float64 forward Euler', () => {
  const drives = [30, 40, 60, 100];
  it('no 5-HT: rates agree within 2% over 10 s', () => {
    const eng = engineSpikes(drives, 0);
    drives.forEach((I, i) => {
      const ref = referenceSpikes(I, 0);
      expect(ref.length, `reference at ${I} pA`).toBeGreaterThan(10);
      const rEng = eng[i].length / DURATION_S;
      const rRef = ref.length / DURATION_S;
      expect(Math.abs(rEng - rRef) / rRef, `rate at ${I} pA: engine ${rEng} ref ${rRef}`).toBeLessThan(0.02);
      const sE = steadyRate(eng[i]);
      const sR = steadyRate(ref);
      expect(Math.abs(sE - sR) / sR, `steady rate at ${I} pA: engine ${sE} ref ${sR}`).toBeLessThan(0.02);
      // first spike time (no AHP yet): within 2% too
      expect(Math.abs(eng[i][0] - ref[0]) / ref[0]).toBeLessThan(0.02);
    });
    // more drive, more firing
    for (let i = 1; i < drives.length; i++) expect(eng[i].length).toBeGreaterThan(eng[i - 1].length);
  });

  it('constant 5-HT (20 nM: a1A = 0.5, a2B = 2/7): rates agree within 2%', () => {
    const d = [60, 80, 120];
    const eng = engineSpikes(d, 20);
    d.forEach((I, i) => {
      const ref = referenceSpikes(I, 20);
      expect(ref.length).toBeGreaterThan(10);
      const rEng = eng[i].length / DURATION_S;
      const rRef = ref.length / DURATION_S;
      expect(Math.abs(rEng - rRef) / rRef, `rate at ${I} pA: engine ${rEng} ref ${rRef}`).toBeLessThan(0.02);
    });
    // 5-HT1A (net) slows the cell: fewer spikes than at c = 0 with the same drive
    const eng0 = engineSpikes([60], 0);
    expect(eng[0].length).toBeLessThan(eng0[0].length);
  });

  it('respects the refractory period: no ISI below t_ref even with a huge drive', () => {
    const [t] = engineSpikes([5000], 0);
    expect(t.length).toBeGreaterThan(100);
    let minIsi = Infinity;
    for (let i = 1; i < t.length; i++) minIsi = Math.min(minIsi, t[i] - t[i - 1]);
    expect(minIsi).toBeGreaterThanOrEqual(P.tRef_ms);
  });

  it('below rheobase (gL (Vth - EL) ≈ 22.0 pA) never fires', () => {
    const rheobase = P.gL_nS * (P.Vth_mV - P.EL_mV);
    expect(rheobase).toBeCloseTo(22.036, 2);
    const eng = engineSpikes([0, 10, 20, 21.5], 0);
    for (const t of eng) expect(t.length).toBe(0);
    expect(referenceSpikes(21.5, 0).length).toBe(0);
    // and just above it, it does
    expect(engineSpikes([23], 0)[0].length).toBeGreaterThan(0);
  });
});
