/**
 * The reduced model (src/engines/cpu/steady-state.ts): the release-uptake balance B(c), its roots (the
 * stability scan's steadyStates) and the well-mixed estimate the runs start from.
 */
import { describe, expect, test } from 'vitest';
import { estimateSteadyState, openLoop, releaseBalance, steadyStates } from '../src/engines/cpu/steady-state.js';
import { buildModel } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { RELEASE_QUANTA } from '../src/model/release-quanta.js';

const levels = Array.from({ length: 30 }, (_, i) => 10 ** (-2 + (6 * i) / 29)); // 0.01 nM .. 10 µM
const wt = buildModel(defaultParams(), 'wt', 2000, 1);

describe('the reduced model', () => {
  test('the open loop counts at most a full pool of quanta a spike, fewer as pools run down', () => {
    const o = openLoop(wt, {}, 5);
    expect(o.rate_Hz).toBeGreaterThan(0.3);
    expect(o.quanta_Hz).toBeLessThan(RELEASE_QUANTA * o.rate_Hz);
    expect(o.quanta_Hz).toBeGreaterThan(0.2 * RELEASE_QUANTA * o.rate_Hz);
  });

  test('the wild type has one steady state, stable, where the well-mixed estimate puts it', () => {
    const { states } = steadyStates(wt, {}, levels);
    expect(states).toHaveLength(1);
    expect(states[0].stable).toBe(true);
    const e = estimateSteadyState(wt, {});
    expect(Math.abs(states[0].c_nM - e.c0_nM) / e.c0_nM).toBeLessThan(0.1);
    // B falls through zero there: release outruns uptake below it, uptake wins above
    const { balance } = releaseBalance(wt, {});
    expect(balance(states[0].c_nM / 3)).toBeGreaterThan(0);
    expect(balance(states[0].c_nM * 3)).toBeLessThan(0);
  });

  test('an SSRI moves the one steady state up', () => {
    const base = steadyStates(wt, {}, levels).states;
    const ssri = steadyStates(wt, { fluoxetine: 3.2 }, levels).states;
    expect(ssri).toHaveLength(1);
    expect(ssri[0].c_nM).toBeGreaterThan(2 * base[0].c_nM);
  });

  test('a tissue without uptake or clearance has no steady state: release always wins', () => {
    const m = buildModel({ ...defaultParams(), kClear_perH: 0 }, 'sert-ko', 2000, 1);
    expect(steadyStates(m, {}, levels).states).toEqual([]);
  });

  test('a silenced tissue rests at zero', () => {
    const { states } = steadyStates(wt, { '8-oh-dpat': 1e5 }, levels);
    expect(states[0]).toMatchObject({ c_nM: 0, stable: true });
    expect(states[0].rate_Hz).toBeLessThan(0.01);
  });
});
