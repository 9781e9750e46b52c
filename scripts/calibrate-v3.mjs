// The recorded calibration of model v3's acute choices (docs/model.md §6), reduced model first:
// every candidate of a grid over the choices is scored on the reduced model (each condition of the Belmer
// experiment at its well-mixed steady state, src/engines/cpu/steady-state.ts), against F1-F7, the 8-OH-DPAT
// IC50 target (5-20 nM), the partial SERT + 5-HT1A loss (probe within 3x WT), one steady state at WT + SSRI,
// the SSRI targets S1-S2 (src/model/findings-ssri.ts: firing falls with the dose; SSRI + WAY-100635 back to
// about drug-free) and one steady state at the stability scan's corner (5-HT1A 2, 5-HT2B 2, SERT 0.25,
// therapeutic fluoxetine: the one point of the box with two, docs/model.md §6).
// The best are printed; full runs (`raphe experiment belmer2018`) confirm them.
//
//   node scripts/calibrate-v3.mjs [--grid FILE.json] [--top 5] [--neurons 9000] [--seed 1] [--json OUT]
//
// --grid: {"param": [values...], ...} over PARAM_SPECS keys; the product is searched. (8-OH-DPAT's K is
// DPAT_K_nM in src/model/drugs.ts: F7's dose series is built from it when the sources load.) Each candidate prints one line as it is scored, so a long search shows its progress.
import { buildScript } from '../esbuild.config.mjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({
  options: {
    grid: { type: 'string' },
    top: { type: 'string', default: '5' },
    neurons: { type: 'string', default: '9000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    'probe-factor': { type: 'string', default: '1' },
  },
});

const entry = `
export { buildModel } from './src/model/derive.js';
export { defaultParams } from './src/model/params.js';
export { belmerConditions, evaluateFindings } from './src/model/findings.js';
export { estimateSteadyState, steadyStates } from './src/engines/cpu/steady-state.js';
export { ssriConditions, evaluateSsriFindings } from './src/model/findings-ssri.js';
`;
const lib = await buildScript('calibrate-v3', entry);

const grid = v.grid ? JSON.parse(readFileSync(v.grid, 'utf8')) : {};
const keys = Object.keys(grid);
const candidates = keys.reduce((acc, k) => acc.flatMap((c) => grid[k].map((x) => ({ ...c, [k]: x }))), [{}]);
const N = Number(v.neurons);
const seed = Number(v.seed);
const probeFactor = Number(v['probe-factor']);

/** The reduced model's measures of every Belmer condition, and the extra targets. */
function score(cand) {
  const params = { ...lib.defaultParams(), ...cand };
  const models = new Map();
  const model = (genotype, p = params) => {
    const key = `${genotype}:${JSON.stringify(p)}`;
    if (!models.has(key)) models.set(key, lib.buildModel(p, genotype, N, seed));
    return models.get(key);
  };
  const m = {};
  const conditions = [...lib.belmerConditions(), ...lib.ssriConditions()];
  for (const c of conditions) {
    if (m[c.id]) continue;
    const e = lib.estimateSteadyState(model(c.genotype), c.doses, {
      localGrid: false,
      iterations: 16,
      sampleCells: Number(process.env.SAMPLE_CELLS ?? 64),
    });
    m[c.id] = { rateHz: e.rate_Hz, probeNm: e.c0_nM * probeFactor, medianCvIsi: 0.3, settled: true, drift: 0 };
  }
  const rows = [...lib.evaluateFindings(m), ...lib.evaluateSsriFindings(m)];
  const partial = model('wt', { ...params, sertExpression: 0.5, htr1aExpression: 0.5 });
  const part = lib.estimateSteadyState(
    partial,
    {},
    { localGrid: false, iterations: 16, sampleCells: Number(process.env.SAMPLE_CELLS ?? 64) },
  );
  const cs = Array.from({ length: 36 }, (_, i) => 10 ** (-1 + (5 * i) / 35));
  const branches = lib.steadyStates(model('wt'), lib.belmerConditions()[2].doses, cs).states.length;
  // the scan's corner, on the scan's levels (0.01 nM-100 µM, 48 points)
  const cs48 = Array.from({ length: 48 }, (_, i) => 10 ** (-2 + (7 * i) / 47));
  const corner = model('wt', { ...params, htr1aExpression: 2, htr2bExpression: 2, sertExpression: 0.25 });
  const cornerStates = lib.steadyStates(corner, lib.belmerConditions()[2].doses, cs48).states;
  return {
    ...cand,
    pass: rows.filter((r) => r.pass).map((r) => r.id),
    fail: rows.filter((r) => !r.pass).map((r) => `${r.id}: ${r.measured}`),
    measured: Object.fromEntries(rows.map((r) => [r.id, r.measured])),
    wtRate: m.wt.rateHz,
    wtProbe: m.wt.probeNm,
    partialRatio: part.c0_nM / m.wt.probeNm,
    ssriBranches: branches,
    cornerStates: cornerStates.map((x) => [Number(x.c_nM.toPrecision(3)), Number(x.rate_Hz.toFixed(2))]),
    ssri: {
      r10: m['wt+ssri10'].rateHz / m.wt.rateHz,
      r100: m['wt+ssri100'].rateHz / m.wt.rateHz,
      way: m['wt+ssri+way'].rateHz / m.wt.rateHz,
    },
  };
}

const t0 = performance.now();
const results = [];
for (const [i, c] of candidates.entries()) {
  const r = score(c);
  results.push(r);
  const ok = r.fail.length === 0 && r.partialRatio <= 3 && r.ssriBranches === 1 && r.cornerStates.length === 1;
  process.stdout.write(
    `${i + 1}/${candidates.length} ${JSON.stringify(c)}: ${ok ? 'ALL' : r.fail.join(' | ') || '-'}; WT ${r.wtRate.toFixed(2)} Hz ` +
      `${r.wtProbe.toFixed(1)} nM; partial x${r.partialRatio.toFixed(2)}; SSRI branches ${r.ssriBranches}; corner ` +
      `${r.cornerStates.map(([c, hz]) => `${c} nM ${hz} Hz`).join(' / ')} ` +
      `(${((performance.now() - t0) / 1000).toFixed(0)} s)\n    F3 ${r.measured.F3}; F4 ${r.measured.F4}; F5 ${r.measured.F5}; F7 ${r.measured.F7}; F6 ${r.measured.F6}; S1 ${r.measured.S1}; S2 ${r.measured.S2}\n`,
  );
}
if (v.json) writeFileSync(v.json, `${JSON.stringify({ grid, neurons: N, seed, results }, null, 1)}\n`);
