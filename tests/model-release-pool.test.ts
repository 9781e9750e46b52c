/**
 * The releasable pool, the 5-HT1A control of release and the 5-HT2B desensitisation in the plain
 * specification of the neuron kernel (src/engines/reference/neurons.ts), on cells held in one voxel
 * with no background drive: what one spike releases, how the pool refills, what d2B = 1 removes, and
 * where the initial state starts the pool.
 */
import { describe, expect, it } from 'vitest';
import { stepNeurons, type NeuronState } from '../src/engines/reference/neurons.js';
import { initialState } from '../src/engines/initial-state.js';
import { buildModel, deriveConstants, type Constants } from '../src/model/derive.js';
import { allocState } from '../src/model/layout.js';
import { defaultParams, type Params } from '../src/model/params.js';
import { RELEASE_QUANTA } from '../src/model/release-quanta.js';

const f32 = Math.fround;
const P: Params = { ...defaultParams(), bgRate_Hz: 0, regionX_um: 100, regionY_um: 100, regionZ_um: 100, releaseFraction: 0.3 };

/** n cells in one voxel of 5-HT c_nM, at reset with drive Idrive_pA, receptor filters at rest, no background events. */
function cells(n: number, c_nM: number, Idrive_pA: number, params = P) {
  const m = buildModel(params, 'wt', n, 1);
  const k = deriveConstants(m, {});
  const s: NeuronState = allocState(n);
  s.V.fill(params.Vreset_mV);
  s.bgNext.fill(0xffffffff);
  const inputs = { Idrive: new Float32Array(n).fill(Idrive_pA), vox: new Uint32Array(n), bgGap: m.bgGap };
  const c = Float32Array.of(c_nM);
  const out = { spikeSub: new Uint8Array(n), counts: new Uint32Array(1) };
  const step = (k2: Constants = k, t = 0) => stepNeurons(k2, s, inputs, c, t, 0, n, out);
  return { k, s, out, step };
}

describe('the releasable pool in the neuron kernel', () => {
  it('a spike from a full pool with no 5-HT1A activation adds exactly RELEASE_QUANTA quanta and leaves P = 1 - U', () => {
    const { k, s, out, step } = cells(1, 0, 1000);
    s.pool[0] = 1;
    s.V[0] = P.Vth_mV - 0.01;
    expect(step()).toBe(1);
    expect(s.s1A[0]).toBe(0);
    expect(out.counts[0]).toBe(RELEASE_QUANTA);
    expect(s.pool[0]).toBe(f32(1 - P.releaseFraction));
    expect(k.quanta).toBe(64);
  });

  it('full 5-HT1A activation cuts what a spike releases by rel1AMax (rounded to a quantum)', () => {
    const { s, out, step } = cells(1, 1e9, 1000);
    s.pool[0] = 1;
    s.r1A[0] = 1;
    s.s1A[0] = 1;
    s.V[0] = P.Vth_mV - 0.01;
    expect(step()).toBe(1);
    expect(s.s1A[0]).toBeCloseTo(1, 6);
    expect(out.counts[0]).toBe(Math.round(RELEASE_QUANTA * (1 - P.rel1AMax)));
  });

  it('a spike releases from what is left: a half-empty pool adds half the quanta, and spikes add up in the voxel', () => {
    const { k, s, out, step } = cells(2, 0, 1000);
    s.pool.fill(0.5);
    s.V.fill(P.Vth_mV - 0.01);
    expect(step()).toBe(2);
    // the pool refills over the grid step before the spike: 1 - 0.5 ePool, a little above one half
    const refilled = f32(1 - f32(0.5 * k.ePool));
    expect(refilled).toBeGreaterThan(0.5);
    expect(out.counts[0]).toBe(2 * (RELEASE_QUANTA / 2));
    expect(s.pool[0]).toBe(f32(refilled * k.keepU));
  });

  it('without spikes the pool refills as 1 - (1 - P) ePool each grid step, ePool = exp(-dt_grid / tauRefill)', () => {
    const { k, s, step } = cells(1, 0, 0);
    s.pool[0] = 0.25;
    expect(k.ePool).toBe(f32(Math.exp(-(P.dt_ms * P.subSteps) / 1000 / P.tauRefill_s)));
    step();
    expect(s.pool[0]).toBe(f32(1 - f32(f32(1 - 0.25) * k.ePool)));
    const steps = Math.round((P.tauRefill_s * 1000) / (P.dt_ms * P.subSteps));
    for (let t = 1; t < steps; t++) expect(step(k, t)).toBe(0);
    // one time constant: three quarters missing shrink to three quarters of 1/e (float32 over ~1,000 steps: 4 digits)
    expect(s.pool[0]).toBeCloseTo(1 - 0.75 * Math.exp(-1), 4);
  });

  it('starts at the steady state of the start rate, 1 / (1 + U r0 tauRefill), before the engine warms it up', () => {
    const m = buildModel(P, 'wt', 4, 1);
    const s0 = initialState(m, deriveConstants(m, {}), 10, 2);
    expect(s0.pool[0]).toBe(f32(1 / (1 + P.releaseFraction * 2 * P.tauRefill_s)));
    expect(Array.from(s0.d2B)).toEqual([0, 0, 0, 0]);
    expect(Array.from(s0.a2Sum)).toEqual([0, 0, 0, 0]);
  });
});

describe('5-HT2B desensitisation d2B in the neuron kernel', () => {
  /** Membrane potentials over 200 grid steps of a cell in 200 nM 5-HT, 5-HT2B filter at its equilibrium. */
  function trace(d2B: number, zeroG2B: boolean): Float32Array {
    const { k, s, step } = cells(1, 200, 0);
    const a2 = 200 / (200 + P.K2B_nM);
    s.s2B[0] = a2;
    s.d2B[0] = d2B;
    const kk = zeroG2B ? { ...k, g2B: 0 } : k;
    const V = new Float32Array(200);
    for (let t = 0; t < 200; t++) {
      step(kk, t);
      V[t] = s.V[0];
    }
    return V;
  }

  it('d2B = 1 removes the 5-HT2B current: the same bits as g2B = 0', () => {
    expect(trace(1, false)).toEqual(trace(0, true));
    expect(trace(0, false)).not.toEqual(trace(0, true));
  });

  it('a2Sum adds each grid step s2B', () => {
    const { s, step } = cells(1, 200, 0);
    let sum = 0;
    for (let t = 0; t < 5; t++) {
      step(undefined, t);
      sum = f32(sum + s.s2B[0]);
    }
    expect(s.a2Sum[0]).toBe(sum);
    expect(sum).toBeGreaterThan(0);
  });
});
