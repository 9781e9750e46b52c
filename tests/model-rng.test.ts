/**
 * Philox4x32-10: Random123 known-answer vectors, the 16-bit-split mulhi32 against BigInt, and the copy of
 * Philox inlined in the CPU neuron kernel checked against philox4x32 through the background conductance
 * it produces (V frozen by a huge refractory count, so only g_bg moves).
 */
import { describe, expect, it } from 'vitest';
import { buildModel, deriveConstants, type Constants } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { stepNeurons, type NeuronState } from '../src/engines/reference/neurons.js';
import { allocState } from '../src/model/layout.js';
import { HostStream, STREAM, mulhi32, philox4x32, seedKey } from '../src/rng/philox.js';
import { BG_GAP_MAX, BG_NULL, afterGap, drawGap, firstBackgroundEvent } from '../src/model/background.js';

const hex = (a: ArrayLike<number>) => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, '0')).join(' ');

function philox(c: number[], k: number[]): string {
  const out = new Uint32Array(4);
  philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
  return hex(out);
}

describe('philox4x32 known-answer vectors (Random123 kat_vectors, philox4x32_10)', () => {
  it('counter 0, key 0', () => {
    expect(philox([0, 0, 0, 0], [0, 0])).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  });
  it('counter and key all ones', () => {
    const F = 0xffffffff;
    expect(philox([F, F, F, F], [F, F])).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
  });
  it('pi digits', () => {
    expect(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
  it('writes into a plain array as well as a Uint32Array, as unsigned words', () => {
    const out: number[] = [0, 0, 0, 0];
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    expect(out).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    for (const w of out) expect(w).toBeGreaterThanOrEqual(0);
  });
});

describe('mulhi32', () => {
  const ref = (a: number, b: number) => Number((BigInt(a >>> 0) * BigInt(b >>> 0)) >> 32n);
  it('matches BigInt on edge values', () => {
    const edge = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57];
    for (const a of edge) for (const b of edge) expect(mulhi32(a, b), `${a} * ${b}`).toBe(ref(a, b));
  });
  it('matches BigInt on 20000 random pairs', () => {
    // a simple LCG independent of the code under test
    let s = 12345n;
    const next = () => {
      s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      return Number(s >> 32n);
    };
    let mismatches = 0;
    for (let n = 0; n < 20000; n++) {
      const a = next();
      const b = next();
      if (mulhi32(a, b) !== ref(a, b)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('seedKey and HostStream', () => {
  it('splits a 53-bit seed into (lo, hi) words', () => {
    expect(seedKey(7)).toEqual([7, 0]);
    expect(seedKey(2 ** 32 + 5)).toEqual([5, 1]);
    expect(seedKey(2 ** 53 - 1)).toEqual([0xffffffff, 0x1fffff]);
  });
  it('draws philox4x32(index, block, 0, stream) words in order', () => {
    const key = seedKey(99);
    const hs = new HostStream(key, STREAM.placement, 3);
    const out = new Uint32Array(4);
    for (let block = 0; block < 3; block++) {
      philox4x32(3, block, 0, STREAM.placement, key[0], key[1], out);
      for (let w = 0; w < 4; w++) expect(hs.nextU32()).toBe(out[w]);
    }
  });
  it('uniforms lie strictly in (0, 1) with mean 1/2 and normals have mean 0, SD 1', () => {
    const hs = new HostStream(seedKey(1), STREAM.cellParams, 0);
    let su = 0;
    for (let i = 0; i < 20000; i++) {
      const u = hs.uniform();
      expect(u > 0 && u < 1).toBe(true);
      su += u;
    }
    expect(Math.abs(su / 20000 - 0.5)).toBeLessThan(0.01); // SE 0.002
    let s1 = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const z = hs.normal();
      s1 += z;
      s2 += z * z;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(0.03); // SE 0.007
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05); // SE 0.01
  });
});

/**
 * The inlined Philox in stepNeurons and the event-by-event background drive (model/background.ts): with
 * every cell held refractory (V frozen) and g_bg = 0, a cell at its event step leaves g_bg = the sum
 * over that step's events of bgStep * eBg^(S-1-j), and its next event step and draw counter move on.
 * The events are computed here from philox4x32(cell, draw, 0, STREAM.background), the conditional
 * Poisson thresholds and the gap table.
 */
describe('background drive in stepNeurons draws the philox4x32 stream, one draw per event step', () => {
  function setup(bgRate_Hz: number, seed: number, n: number) {
    const p = { ...defaultParams(), regionX_um: 100, regionY_um: 100, regionZ_um: 100, bgRate_Hz };
    const m = buildModel(p, 'wt', n, seed);
    const k = deriveConstants(m, {});
    // every field zero (allocState), then the ones this test starts elsewhere
    const state: NeuronState = allocState(n);
    state.V.fill(-60);
    state.ref.fill(0x7fffffff);
    const cells = { Idrive: new Float32Array(n).fill(500), vox: new Uint32Array(n), bgGap: m.bgGap };
    const c = new Float32Array(m.geometry.nx * m.geometry.ny * m.geometry.nz);
    return { m, k, state, cells, c, out: { spikeSub: new Uint8Array(n), counts: new Uint32Array(c.length) } };
  }

  function expected(k: Constants, table: Uint32Array, cell: number, step: number, idx: number) {
    const w = new Uint32Array(4);
    philox4x32(cell, idx & 0x7fffffff, 0, STREAM.background, k.seedLo, k.seedHi, w);
    const isNull = idx >= BG_NULL;
    const nEv = isNull ? 0 : 1 + (w[0] < k.bgC2 ? 1 : 0) + (w[0] < k.bgC3 ? 1 : 0);
    const S = k.subSteps;
    const evSub = [w[1] % S, w[2] % S, (w[1] >>> 16) % S].slice(0, nEv);
    // float64 reference of the float32 recurrence g <- g eBg + bgStep n_j
    let g = 0;
    for (let j = 0; j < S; j++) {
      const nj = evSub.filter((e) => e === j).length;
      g = g * k.eBg + k.bgStep * nj;
    }
    const gap = drawGap(table, w[3]);
    return { g, nEv, ...afterGap(table, gap, step + 1, idx & 0x7fffffff) };
  }

  for (const [rate, seed] of [
    [1000, 1],
    [300, 2 ** 40 + 17],
    [0.001, 9], // gap table capped: null steps
  ] as const) {
    it(`matches event for event (rate ${rate} Hz, seed ${seed})`, () => {
      const n = 64;
      const { m, k, state, cells, c, out } = setup(rate, seed, n);
      expect(k.seedLo).toBe(seedKey(seed)[0]);
      expect(k.seedHi).toBe(seedKey(seed)[1]);
      const hist = [0, 0, 0, 0];
      let compared = 0;
      for (const step of [0, 1, 2, 7, 1000, 123456, 0xfffffff0]) {
        state.gbg.fill(0);
        // every other cell is at its event step, with assorted draw counters (some null steps)
        for (let i = 0; i < n; i++) {
          state.bgNext[i] = i % 2 ? step : step + 5;
          state.bgIdx[i] = ((i * 977 + step) % 100000) | (rate < 1 && i % 4 === 1 ? BG_NULL : 0);
        }
        const before = { next: state.bgNext.slice(), idx: state.bgIdx.slice() };
        const V0 = state.V.slice();
        const sp = stepNeurons(k, state, cells, c, step, 0, n, out);
        expect(sp).toBe(0);
        expect(state.V).toEqual(V0); // V frozen: the check isolates g_bg
        for (let i = 0; i < n; i++) {
          if (i % 2 === 0) {
            // not its event step: no draw, no event
            expect(state.gbg[i]).toBe(0);
            expect(state.bgNext[i]).toBe(before.next[i]);
            expect(state.bgIdx[i]).toBe(before.idx[i]);
            continue;
          }
          const e = expected(k, m.bgGap, i, step, before.idx[i]);
          hist[e.nEv]++;
          compared++;
          if (e.g === 0) expect(state.gbg[i]).toBe(0);
          else expect(Math.abs(state.gbg[i] - e.g) / e.g, `cell ${i} step ${step}`).toBeLessThan(1e-5);
          expect(state.bgNext[i]).toBe(e.bgNext);
          expect(state.bgIdx[i]).toBe(e.bgIdx >>> 0);
        }
      }
      expect(compared).toBe((7 * n) / 2);
      // the check exercised 1, 2 and 3 events per event step (and null steps at the capped rate)
      if (rate === 1000) for (const h of hist.slice(1)) expect(h).toBeGreaterThan(0);
      if (rate < 1) expect(hist[0]).toBeGreaterThan(0);
    });
  }

  /** Per-grid-step event counts of n cells over T steps, by drawing event step after event step. */
  function countsOverRun(k: Constants, table: Uint32Array, n: number, T: number): number[] {
    const hist = [0, 0, 0, 0];
    const w = new Uint32Array(4);
    for (let i = 0; i < n; i++) {
      let { bgNext, bgIdx } = firstBackgroundEvent(k.seedLo, k.seedHi, table, i);
      while (bgNext < T) {
        philox4x32(i, bgIdx & 0x7fffffff, 0, STREAM.background, k.seedLo, k.seedHi, w);
        if (bgIdx < BG_NULL) hist[1 + (w[0] < k.bgC2 ? 1 : 0) + (w[0] < k.bgC3 ? 1 : 0)]++;
        ({ bgNext, bgIdx } = afterGap(table, drawGap(table, w[3]), bgNext + 1, bgIdx & 0x7fffffff));
      }
    }
    hist[0] = n * T - hist[1] - hist[2] - hist[3];
    return hist;
  }

  it('event counts per grid step follow Poisson(rate x dt_grid) truncated at 3', () => {
    const n = 2000;
    const T = 10;
    const { m, k } = setup(1000, 5, 1); // lambda = 1 per grid step
    const hist = countsOverRun(k, m.bgGap, n, T);
    const N = n * T;
    const e = Math.exp(-1);
    const p = [e, e, e / 2, 1 - 2.5 * e];
    for (let j = 0; j < 4; j++) expect(Math.abs(hist[j] / N - p[j])).toBeLessThan(0.015);
  });

  it('at 25 Hz an event step comes every 1 / (1 - e^-lambda) grid steps, and at 0.001 Hz almost never', () => {
    const { m, k } = setup(25, 3, 1);
    const hist = countsOverRun(k, m.bgGap, 500, 2000);
    const steps = hist[1] + hist[2] + hist[3];
    const expectSteps = 500 * 2000 * (1 - Math.exp(-0.025)); // 24,690, SD ~155
    expect(Math.abs(steps - expectSteps)).toBeLessThan(5 * 155);
    const low = setup(0.001, 3, 1);
    expect(low.m.bgGap.length).toBe(BG_GAP_MAX); // capped: null steps carry the gap beyond it
    const lowHist = countsOverRun(low.k, low.m.bgGap, 500, 20000);
    expect(lowHist[1] + lowHist[2] + lowHist[3]).toBeLessThan(40); // expected 10
  });
});
