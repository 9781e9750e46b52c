// The stability scan of docs/model.md §6 (issue 22): on the reduced model (src/engines/cpu/steady-state.ts),
// for every point of the expression box (htr1aExpression, htr2bExpression, sertExpression on a grid over
// [0.25, 2]) and every SSRI dose, the release-uptake balance B(c) is evaluated on a log grid of uniform
// 5-HT levels c and its steady states counted (sign changes of B). One steady state everywhere means no
// second branch for a run to jump to; the script prints the points with more than one, and the highest
// steady state found, and writes every point to --json.
//
//   node scripts/stability-scan.mjs [--levels 0.25,0.5,1,1.5,2] [--doses 0,80%,10,100] [--points 48]
//                                   [--neurons 9000] [--seed 1] [--set key=value,...] [--json FILE]
//
// --set: parameters other than the defaults (PARAM_SPECS keys), for scanning a calibration candidate.
// Doses are fluoxetine, free nM, or a SERT occupancy ("80%"). Needs nothing but the sources (bundled here).
import { buildScript } from '../esbuild.config.mjs';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({
  options: {
    levels: { type: 'string', default: '0.25,0.5,1,1.5,2' },
    doses: { type: 'string', default: '0,80%,10,100' },
    points: { type: 'string', default: '48' },
    neurons: { type: 'string', default: '9000' },
    seed: { type: 'string', default: '1' },
    set: { type: 'string', default: '' },
    json: { type: 'string' },
  },
});

const entry = `
export { buildModel } from './src/model/derive.js';
export { defaultParams } from './src/model/params.js';
export { doseForOccupancy } from './src/model/drugs.js';
export { steadyStates } from './src/engines/cpu/steady-state.js';
`;
const lib = await buildScript('stability-scan', entry);

const levels = v.levels.split(',').map(Number);
const overrides = Object.fromEntries(
  v.set
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const [k, x] = kv.split('=');
      if (!(k in lib.defaultParams())) throw new Error(`--set: no parameter ${k}`);
      return [k, Number(x)];
    }),
);
const doses = v.doses
  .split(',')
  .map((d) => (d.endsWith('%') ? lib.doseForOccupancy('fluoxetine', Number(d.slice(0, -1)) / 100) : Number(d)));
const nPts = Number(v.points);
const cs = Array.from({ length: nPts }, (_, i) => 10 ** (-2 + (7 * i) / (nPts - 1))); // 0.01 nM .. 100 µM

const t0 = performance.now();
const rows = [];
for (const e1 of levels)
  for (const e2 of levels)
    for (const es of levels) {
      const params = { ...lib.defaultParams(), ...overrides, htr1aExpression: e1, htr2bExpression: e2, sertExpression: es };
      const m = lib.buildModel(params, 'wt', Number(v.neurons), Number(v.seed));
      for (const dose of doses) {
        const drugs = dose > 0 ? { fluoxetine: dose } : {};
        const s = lib.steadyStates(m, drugs, cs);
        rows.push({ htr1aExpression: e1, htr2bExpression: e2, sertExpression: es, fluoxetine_nM: dose, ...s });
      }
    }
const wall = (performance.now() - t0) / 1000;
const multi = rows.filter((r) => r.states.length > 1);
const highest = rows.reduce((a, r) => (Math.max(...r.states.map((s) => s.c_nM), 0) > Math.max(...a.states.map((s) => s.c_nM), 0) ? r : a));
const fmt = (r) =>
  `1A ${r.htr1aExpression} 2B ${r.htr2bExpression} SERT ${r.sertExpression} fluoxetine ${r.fluoxetine_nM.toFixed(2)} nM: ` +
  r.states.map((s) => `${s.c_nM.toPrecision(3)} nM at ${s.rate_Hz.toFixed(2)} Hz (${s.stable ? 'stable' : 'unstable'})`).join('; ');
process.stdout.write(
  `${rows.length} points (${levels.length}^3 expression levels x ${doses.length} doses), B(c) on ${nPts} levels 0.01 nM-100 µM, ${wall.toFixed(0)} s\n` +
    `points with more than one steady state: ${multi.length}\n` +
    multi.map((r) => `  ${fmt(r)}\n`).join('') +
    `highest steady state: ${fmt(highest)}\n`,
);
if (v.json) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  writeFileSync(
    v.json,
    `${JSON.stringify({ commit, overrides, neurons: Number(v.neurons), seed: Number(v.seed), levels, doses, cs, rows }, null, 1)}\n`,
  );
}
