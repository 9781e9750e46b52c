/**
 * The neuron kernel as the plain specification: one grid step of cells [i0, i1) written as directly as
 * the model reads (docs/model.md §2-§4), for people and tests; no engine runs it. Its twins are
 * shaders/neurons.wgsl (WebGPU) and src/engines/cpu/wasm/neurons.ts (the CPU engines, WebAssembly),
 * section for section under the same headings (tests/kernel-sections.test.ts) and the same float32
 * operations in the same order, so the three agree bit for bit (tests/wasm-kernels.test.ts). Every
 * float32 result is rounded with Math.fround, as WGSL and WebAssembly round each f32 operation.
 *
 * Per cell: receptor activations from the frozen local 5-HT and their exact filters over the grid
 * step; the background drive's events this step (Philox4x32-10, model/background.ts); then `subSteps`
 * sub-steps of the membrane
 *
 *   C dV/dt = -gL (V-EL) - I_AHP - g1A (1-d1A) s1A (V-EK) - g2B (1-d2B) s2B (V-E2B) - g_bg (V-E_exc) + I_drive
 *
 * V uses exponential Euler with phi1(x) = (1 - e^-x)/x taken to its 3-term series (x = G dt/C < 0.02
 * here, truncation < 1e-7 relative): V += dt/C * (1 - x/2 + x²/6) * (I - G V) -- only + and x, so it
 * is exact in float32 on every adapter.
 *
 * Release (docs/model.md §3): each cell's releasable pool P refills toward 1 once a grid step,
 * P = 1 - (1 - P) ePool; a spike adds round(P (1 - rel1A s1A) x quanta) release quanta to its soma
 * voxel's count (integers: exact in any order) and keeps P keepU.
 */
import type { Constants } from '../../model/derive.js';
import { philox4x32, STREAM } from '../../rng/philox.js';
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
 * `counts` (one per box voxel) gains each spike's release quanta at its cell's voxel.
 */
export interface SpikeOut {
  spikeSub: Uint8Array;
  counts: Uint32Array;
}

/** spikeSub of a cell that did not spike this grid step. */
export const NO_SPIKE = 255;
/** bgIdx's flag bit: the event step bgNext points at is a null step (model/background.ts BG_NULL). */
const NULL_STEP = 0x80000000;
/** A sub-step no event falls on. */
const NO_EVENT = -1;

const f32 = Math.fround;

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
  const draw = new Uint32Array(4);
  let spikes = 0;
  for (let i = i0; i < i1; i++) {
    // ---- receptors: activations from the frozen local 5-HT, exact filters over the grid step ----
    const cLocal = c[cells.vox[i]];
    const x1 = f32(cLocal * k.invK1A);
    const a1 = f32(f32(x1 + k.num1A) / f32(k.den1A + x1));
    const x2 = f32(cLocal * k.invK2B);
    const a2 = f32(f32(x2 + k.num2B) / f32(k.den2B + x2));
    const r1Old = s.r1A[i];
    const s1 = f32(f32(a1 + f32(f32(s.s1A[i] - a1) * k.e1Decay)) + f32(f32(r1Old - a1) * k.c1Cross));
    s.r1A[i] = f32(a1 + f32(f32(r1Old - a1) * k.e1Rise));
    const s2 = f32(a2 + f32(f32(s.s2B[i] - a2) * k.e2B));
    s.s1A[i] = s1;
    s.s2B[i] = s2;
    // desensitised 5-HT1A coupling (docs/model.md §7): d1A = 0 gives g1A x 1 = g1A exactly
    s.a1Sum[i] = f32(s.a1Sum[i] + s1);
    const G1 = f32(f32(k.g1A * f32(1 - s.d1A[i])) * s1);
    // desensitised 5-HT2B coupling, frozen like d1A: d2B = 0 gives g2B x 1 = g2B exactly
    s.a2Sum[i] = f32(s.a2Sum[i] + s2);
    const G2 = f32(f32(k.g2B * f32(1 - s.d2B[i])) * s2);
    const Gsyn = f32(f32(k.gL + G1) + G2);
    const Isyn = f32(f32(f32(k.gLEL + f32(G1 * k.EK)) + f32(G2 * k.E2B)) + cells.Idrive[i]);

    // ---- releasable pool: refill toward 1 over the grid step, ePool = exp(-dt_grid / tauRefill) ----
    let P = f32(1 - f32(f32(1 - s.pool[i]) * k.ePool));

    // ---- background drive: at the cell's next event step, draw bgIdx of Philox4x32-10 of
    // (cell, bgIdx, 0, 0) keyed by the seed (src/model/background.ts): the events of this step and the
    // gap to the next event step ----
    let ev0 = NO_EVENT;
    let ev1 = NO_EVENT;
    let ev2 = NO_EVENT;
    if (s.bgNext[i] === step) {
      const idx = s.bgIdx[i];
      const drawIdx = idx & ~NULL_STEP;
      philox4x32(i, drawIdx, 0, STREAM.background, k.seedLo, k.seedHi, draw);
      // N given N >= 1 (none at a null step), each event at a uniform sub-step
      if ((idx & NULL_STEP) === 0) {
        const nEv = 1 + (draw[0] < k.bgC2 ? 1 : 0) + (draw[0] < k.bgC3 ? 1 : 0);
        ev0 = draw[1] % k.subSteps;
        if (nEv > 1) ev1 = draw[2] % k.subSteps;
        if (nEv > 2) ev2 = (draw[1] >>> 16) % k.subSteps;
      }
      // G = #{k : word 3 < bgGap[k-1]}: empty grid steps before the next event step (null step at G = L)
      const gap = gapSteps(draw[3], cells.bgGap, k.bgGapLen);
      s.bgNext[i] = step + 1 + gap;
      s.bgIdx[i] = (drawIdx + 1) | (gap === k.bgGapLen ? NULL_STEP : 0);
    }

    // ---- sub-steps ----
    let V = s.V[i];
    let g = s.gbg[i];
    let h1 = s.ahp1[i];
    let h2 = s.ahp2[i];
    let h3 = s.ahp3[i];
    let ref = s.ref[i];
    let spikeAt = NO_SPIKE;
    for (let j = 0; j < k.subSteps; j++) {
      const events = (j === ev0 ? 1 : 0) + (j === ev1 ? 1 : 0) + (j === ev2 ? 1 : 0);
      g = f32(f32(g * k.eBg) + f32(k.bgStep * events));
      h1 = f32(h1 * k.eAhp1);
      h2 = f32(h2 * k.eAhp2);
      h3 = f32(h3 * k.eAhp3);
      if (ref > 0) {
        ref = ref - 1;
      } else {
        const G = f32(Gsyn + g);
        const I = f32(f32(f32(Isyn + f32(g * k.Eexc)) - f32(f32(h1 + h2) + h3)) - f32(G * V));
        const x = f32(G * k.dtC);
        const phi = f32(1 - f32(x * f32(0.5 - f32(x * k.c6))));
        V = f32(V + f32(f32(k.dtC * phi) * I));
        if (V < k.Vfloor) V = k.Vfloor;
        if (V >= k.Vth) {
          V = k.Vreset;
          ref = k.refSteps;
          h1 = f32(h1 + k.dAhp1);
          h2 = f32(h2 + k.dAhp2);
          h3 = f32(h3 + k.dAhp3);
          spikeAt = j;
          spikes++;
        }
      }
    }
    // ---- flush: what decayed below `tiny` is 0 (derive.ts FLUSH_BELOW: no float32 subnormals) ----
    s.V[i] = V;
    s.gbg[i] = g < k.tiny ? 0 : g;
    s.ahp1[i] = h1 < k.tiny ? 0 : h1;
    s.ahp2[i] = h2 < k.tiny ? 0 : h2;
    s.ahp3[i] = h3 < k.tiny ? 0 : h3;
    s.ref[i] = ref;
    out.spikeSub[i] = spikeAt;
    // ---- release: a spike adds P (1 - rel1A s1) of a full pool's quanta to its voxel's count, rounded, and keeps P keepU ----
    if (spikeAt !== NO_SPIKE) {
      const amt = f32(P * f32(1 - f32(k.rel1A * s1)));
      out.counts[cells.vox[i]] += Math.trunc(f32(f32(amt * k.quanta) + 0.5));
      P = f32(P * k.keepU);
    }
    s.pool[i] = P;
  }
  return spikes;
}

/** #{k in 1..L : u < gap[k-1]} of a descending table, by binary search (integer compares only). */
function gapSteps(u: number, gap: Uint32Array, L: number): number {
  let lo = 0;
  let hi = L;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (u < gap[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
