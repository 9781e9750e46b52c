/**
 * The initial state both engines start from (docs/model.md §3): a uniform c0 over the region, and each cell's
 * state from its STATE_FIELDS entry (model/layout.ts): receptor filters at equilibrium with c0,
 * background conductance and AHP currents at their running means for the expected rate, membrane
 * potentials spread between reset and threshold.
 */
import { firstBackgroundEvent } from '../model/background.js';
import { occupancy } from '../model/drugs.js';
import type { Constants, Model } from '../model/derive.js';
import { initialCellState } from '../model/layout.js';
import { HostStream, STREAM, seedKey } from '../rng/philox.js';
import type { StateSnapshot } from './engine.js';

/** `d1A`: per-cell 5-HT1A desensitisation to start from (docs/model.md §7; absent: 0 everywhere). */
export function initialState(m: Model, k: Constants, c0_nM: number, rate0_Hz: number, d1A?: ArrayLike<number>): StateSnapshot {
  const p = m.params;
  const rng = new HostStream(seedKey(m.seed), STREAM.initialV, 0);
  let bgCell = -1;
  let bg = { bgNext: 0, bgIdx: 0 };
  const cells = initialCellState(m.nCells, {
    p,
    a1: occupancy(c0_nM, p.K1A_nM, { num: k.num1A, den: k.den1A }),
    a2: occupancy(c0_nM, p.K2B_nM, { num: k.num2B, den: k.den2B }),
    ratePerMs: rate0_Hz / 1000,
    d1A,
    uniform: () => rng.uniform(),
    background: (cell) => {
      if (cell !== bgCell) {
        bgCell = cell;
        bg = firstBackgroundEvent(k.seedLo, k.seedHi, m.bgGap, cell);
      }
      return bg;
    },
  });
  const grid = new Float32Array(m.geometry.nx * m.geometry.ny * m.geometry.nz);
  for (const v of m.geometry.inside) grid[v] = c0_nM;
  return { step: 0, ...cells, grid };
}
