/**
 * The JavaScript reference of the neuron update for one grid step: receptor activations from the
 * frozen local 5-HT, exact receptor filters, then `subSteps` LIF sub-steps with AHP and Poisson
 * background drive. The CPU engines run its WebAssembly twin (wasm/neurons.ts); this readable version
 * is what tests/wasm-kernels.test.ts holds that kernel to, bit for bit. Twin of shaders/neurons.wgsl
 * too: same operations in the same order, every result rounded to float32 (Math.fround).
 *
 *   C dV/dt = -gL (V-EL) - I_AHP - g1A (1-d1A) s1A (V-EK) - g2B s2B (V-E2B) - g_bg (V-E_exc) + I_drive
 *
 * V uses exponential Euler with phi1(x) = (1 - e^-x)/x taken to its 3-term series (x = G dt/C < 0.02
 * here, truncation < 1e-7 relative): V += dt/C * (1 - x/2 + x²/6) * (I - G V) -- only + and x, so it
 * is exact in float32 on every adapter.
 */
import type { Constants } from '../../model/derive.js';
import type { NeuronState } from '../engine.js';

export type { NeuronState };

export interface NeuronInputs {
  Idrive: Float32Array;
  vox: Uint32Array;
  /** The model's background gap table (Model.bgGap). */
  bgGap: Uint32Array;
}

/**
 * Where spikes go. `spikeSub[i]` is set to the sub-step (0..subSteps-1) of cell i's spike this grid
 * step or 255 (at most one spike per grid step: the refractory period is at least one grid step).
 */
export interface SpikeOut {
  spikeSub: Uint8Array;
}

const f = Math.fround;
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
// Philox's 32x32 -> 64 products: lo32 = Math.imul (exact); hi32 = round((a*M - lo32) / 2^32). a*M < 2^64
// is off by at most 2^10 in float64 and the subtraction adds at most 2^10 more, far below the 2^31 that
// would change the rounding, so hi32 is exact (checked against BigInt over 2^22 edge and 5e6 random
// values). One multiply and one round instead of two 16-bit halves, two divisions and two floors.
const TWO_M32 = 2 ** -32;
/** Philox round keys of the current seed (q0, q1 of rounds 0..9), filled once per stepNeurons call. */
const KEYS0 = new Uint32Array(10);
const KEYS1 = new Uint32Array(10);
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** Advance cells [i0, i1) by one grid step `step` against grid `c`. Returns the number of spikes. */
export function stepNeurons(
  k: Constants,
  s: NeuronState,
  cells: NeuronInputs,
  c: Float32Array,
  step: number,
  i0: number,
  i1: number,
  out: SpikeOut,
): number {
  const {
    V: Va,
    gbg: Ga,
    ahp1: H1,
    ahp2: H2,
    ahp3: H3,
    r1A: R1,
    s1A: S1,
    s2B: S2,
    d1A: D1,
    a1Sum: A1S,
    ref: REF,
    bgNext: NEXT,
    bgIdx: IDX,
  } = s;
  const { Idrive, vox, bgGap } = cells;
  const spikeSub = out.spikeSub;
  const S = k.subSteps;
  const invK1A = k.invK1A,
    num1A = k.num1A,
    den1A = k.den1A;
  const invK2B = k.invK2B,
    num2B = k.num2B,
    den2B = k.den2B;
  const e1D = k.e1Decay,
    e1R = k.e1Rise,
    c1X = k.c1Cross,
    e2B = k.e2B;
  const g1A = k.g1A,
    g2B = k.g2B,
    gL = k.gL,
    gLEL = k.gLEL,
    EK = k.EK,
    E2B = k.E2B,
    Eexc = k.Eexc;
  const eBg = k.eBg,
    bgStep = k.bgStep,
    eA1 = k.eAhp1,
    eA2 = k.eAhp2,
    eA3 = k.eAhp3;
  const dA1 = k.dAhp1,
    dA2 = k.dAhp2,
    dA3 = k.dAhp3;
  const dtC = k.dtC,
    c6 = k.c6,
    Vth = k.Vth,
    Vreset = k.Vreset,
    Vfloor = k.Vfloor,
    refSteps = k.refSteps,
    tiny = k.tiny;
  const C2 = k.bgC2,
    C3 = k.bgC3,
    L = k.bgGapLen;
  const seedLo = k.seedLo >>> 0,
    seedHi = k.seedHi >>> 0;
  const stepU = step >>> 0;
  const K0 = KEYS0,
    K1 = KEYS1;
  for (let r = 0, a = seedLo, b = seedHi; r < 10; r++, a = (a + W0) >>> 0, b = (b + W1) >>> 0) {
    K0[r] = a;
    K1[r] = b;
  }
  let spikes = 0;
  for (let i = i0; i < i1; i++) {
    // ---- receptors: activations from the frozen local 5-HT, exact filters over the grid step ----
    const cl = c[vox[i]];
    const x1 = f(cl * invK1A);
    const a1 = f(f(x1 + num1A) / f(den1A + x1));
    const x2 = f(cl * invK2B);
    const a2 = f(f(x2 + num2B) / f(den2B + x2));
    const r1o = R1[i];
    const s1 = f(f(a1 + f(f(S1[i] - a1) * e1D)) + f(f(r1o - a1) * c1X));
    R1[i] = f(a1 + f(f(r1o - a1) * e1R));
    const s2 = f(a2 + f(f(S2[i] - a2) * e2B));
    S1[i] = s1;
    S2[i] = s2;
    // desensitised 5-HT1A coupling (docs/model.md §7): d1A = 0 gives g1A x 1 = g1A exactly
    A1S[i] = f(A1S[i] + s1);
    const G1 = f(f(g1A * f(1 - D1[i])) * s1);
    const G2 = f(g2B * s2);
    const Gsyn = f(f(gL + G1) + G2);
    const Isyn = f(f(f(gLEL + f(G1 * EK)) + f(G2 * E2B)) + Idrive[i]);

    // ---- background drive: at the cell's next event step, draw bgIdx of Philox4x32-10 of
    // (cell, bgIdx, 0, 0) keyed by the seed (model/background.ts): the events of this step and the gap
    // to the next event step (round 0 has p2 = p3 = 0: its M1 product is 0; round keys precomputed) ----
    let nEv = 0;
    let ev0 = -1,
      ev1 = -1,
      ev2 = -1;
    if (NEXT[i] === stepU) {
      const idx = IDX[i];
      const draw = idx & 0x7fffffff;
      let lo0 = Math.imul(M0, i) >>> 0;
      let hi0 = Math.round((i * M0 - lo0) * TWO_M32);
      let p0 = (draw ^ K0[0]) >>> 0,
        p1 = 0,
        p2 = (hi0 ^ K1[0]) >>> 0,
        p3 = lo0;
      for (let r = 1; r < 10; r++) {
        lo0 = Math.imul(M0, p0) >>> 0;
        hi0 = Math.round((p0 * M0 - lo0) * TWO_M32);
        const lo1 = Math.imul(M1, p2) >>> 0;
        const hi1 = Math.round((p2 * M1 - lo1) * TWO_M32);
        p0 = (hi1 ^ p1 ^ K0[r]) >>> 0;
        p1 = lo1;
        p2 = (hi0 ^ p3 ^ K1[r]) >>> 0;
        p3 = lo0;
      }
      // N given N >= 1 (none at a null step), each event at a uniform sub-step
      if (idx < 0x80000000) {
        nEv = 1 + (p0 < C2 ? 1 : 0) + (p0 < C3 ? 1 : 0);
        ev0 = p1 % S;
        ev1 = nEv > 1 ? p2 % S : -1;
        ev2 = nEv > 2 ? (p1 >>> 16) % S : -1;
      }
      // G = #{k : p3 < bgGap[k-1]}: empty grid steps before the next event step (null step at G = L)
      let glo = 0,
        ghi = L;
      while (glo < ghi) {
        const mid = (glo + ghi) >>> 1;
        if (p3 < bgGap[mid]) glo = mid + 1;
        else ghi = mid;
      }
      NEXT[i] = (stepU + 1 + glo) >>> 0;
      IDX[i] = ((draw + 1) | (glo === L ? 0x80000000 : 0)) >>> 0;
    }

    // ---- sub-steps ----
    let V = Va[i],
      g = Ga[i],
      h1 = H1[i],
      h2 = H2[i],
      h3 = H3[i],
      ref = REF[i];
    let sp = 255;
    for (let j = 0; j < S; j++) {
      // g = f(f(g eBg) + f(bgStep nj)); with no event (97% of cells at 25 Hz x 1 ms) nj = 0 and the
      // sum adds an exact +0 to g eBg >= 0: skipped, same bits
      g = f(g * eBg);
      if (nEv !== 0) {
        const nj = (j === ev0 ? 1 : 0) + (j === ev1 ? 1 : 0) + (j === ev2 ? 1 : 0);
        g = f(g + f(bgStep * nj));
      }
      h1 = f(h1 * eA1);
      h2 = f(h2 * eA2);
      h3 = f(h3 * eA3);
      if (ref > 0) {
        ref--;
      } else {
        const G = f(Gsyn + g);
        const I = f(f(f(Isyn + f(g * Eexc)) - f(f(h1 + h2) + h3)) - f(G * V));
        const x = f(G * dtC);
        const phi = f(1 - f(x * f(0.5 - f(x * c6))));
        V = f(V + f(f(dtC * phi) * I));
        if (V < Vfloor) V = Vfloor;
        if (V >= Vth) {
          V = Vreset;
          ref = refSteps;
          h1 = f(h1 + dA1);
          h2 = f(h2 + dA2);
          h3 = f(h3 + dA3);
          sp = j;
          spikes++;
        }
      }
    }
    // ---- flush: what decayed below `tiny` is 0 (derive.ts FLUSH_BELOW: no float32 subnormals) ----
    Va[i] = V;
    Ga[i] = g < tiny ? 0 : g;
    H1[i] = h1 < tiny ? 0 : h1;
    H2[i] = h2 < tiny ? 0 : h2;
    H3[i] = h3 < tiny ? 0 : h3;
    REF[i] = ref;
    spikeSub[i] = sp;
  }
  return spikes;
}
