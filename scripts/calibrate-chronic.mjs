// The recorded calibration of the slow 5-HT1A desensitisation d1A against C1-C2 (docs/model.md §7),
// reduced model first, then full runs (src/experiment/chronic-calibration.ts):
//   1. table:  full runs of the fast network at uniform d1A = delta (WT drug-free; WT and KO on
//              fluoxetine 10 nM; WT on fluoxetine + WAY-100635), each cell's mean 5-HT1A activation;
//   2. search: every candidate of SEARCH_GRID integrated on the reduced model, scored by its smallest
//              margin to a band edge of C1, C2, C3 and the drug-free check; the best printed;
//   3. full:   the best candidates run through the two-timescale driver on the full model
//              (raphe experiment chronic-ssri --quick without the 8-OH-DPAT curves), C1-C3 printed.
//
//   node scripts/calibrate-chronic.mjs [--neurons 2000] [--seed 1] [--table FILE] [--top 3] [--no-full]
//
// --table FILE reads the table from FILE when it exists, else writes it there. Needs the Node build
// (node esbuild.config.mjs --node-only): the entry is bundled next to the worker bundles in build/node/.
import { buildScript } from '../esbuild.config.mjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({
  options: {
    neurons: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    table: { type: 'string' },
    top: { type: 'string', default: '3' },
    'no-full': { type: 'boolean' },
    engine: { type: 'string', default: 'cpu' },
  },
});
const neurons = Number(v.neurons);
const seed = Number(v.seed);

const entry = `
export { resolveEngine } from './src/engines/create.js';
export { nodeCpuProvider } from './src/engines/node.js';
export * from './src/experiment/chronic-calibration.js';
export { runChronicSsri, CHRONIC_QUICK } from './src/experiment/chronic-ssri.js';
export { defaultParams } from './src/model/params.js';
`;
const cal = await buildScript('calibrate-chronic', entry);
const engine = await cal.resolveEngine(v.engine, (m) => console.error(m), {
  cpu: cal.nodeCpuProvider(),
  job: { cells: neurons, sims: 14 },
});
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(0);

// ---- 1. the table ----
let tables;
if (v.table && existsSync(v.table)) {
  const raw = JSON.parse(readFileSync(v.table, 'utf8'));
  tables = raw.tables.map((t) => ({ ...t, rows: t.rows.map((r) => Float64Array.from(r)) }));
  console.log(`1. table: read ${v.table} (${raw.neurons} neurons, seed ${raw.seed})`);
} else {
  console.log(`1. table: full runs at uniform d1A, ${neurons} neurons, seed ${seed}, engine ${engine.kind} ...`);
  tables = await cal.activationTables(engine, { neurons, seed, windowS: 3 });
  if (v.table)
    writeFileSync(
      v.table,
      JSON.stringify({ neurons, seed, tables: tables.map((t) => ({ ...t, rows: t.rows.map((r) => Array.from(r)) })) }),
    );
  console.log(`   done in ${secs()} s`);
}
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const sd = (a) => Math.sqrt(mean(a.map((x) => x * x)) - mean(a) ** 2);
for (const t of tables) {
  t.deltas.forEach((d, k) => {
    const r = Array.from(t.rows[k]);
    console.log(
      `   ${t.id.padEnd(18)} d1A ${d.toFixed(2)}: rate ${t.rateHz[k].toFixed(3)} Hz, probe ${t.probe5htNm[k].toFixed(1)} nM, ` +
        `abar mean ${mean(r).toFixed(3)} sd ${sd(r).toFixed(3)} (min ${Math.min(...r).toFixed(3)}, max ${Math.max(...r).toFixed(3)})`,
    );
  });
}

// ---- 2. the search on the reduced model ----
const stepH = 12;
const searchCells = 400;
const sub = cal.subsample(tables, searchCells);
const scored = [];
let n = 0;
for (const c of cal.gridCandidates()) {
  scored.push(cal.scoreCandidate(sub, c, seed, stepH));
  n++;
}
scored.sort((a, b) => b.margin - a.margin);
const passing = scored.filter((s) => s.margin > 0);
const grid = Object.entries(cal.SEARCH_GRID)
  .map(([k, vals]) => `${k} {${vals.join(', ')}}`)
  .join('; ');
console.log(`\n2. search: ${n} candidates (${grid}), slow step ${stepH} h, the first ${searchCells} cells, ${secs()} s`);
console.log(`   ${passing.length} pass C1, C2, C3 and the drug-free check (vehicle d1A < ${cal.VEHICLE_MAX_D1A}) on the reduced model`);
const fmtC = (c) => `tau ${c.tauD1A_h} h, d_max ${c.d1AMax}, A50 ${c.A50_1A}, sd ${c.A50Sd_1A}, n ${c.nD1A}, stages ${c.d1AStages}`;
const fmtT = (s) => {
  const at = (d) => s.wt.find((r) => r.day === d);
  const ko = (d) => s.ko.find((r) => r.day === d);
  return (
    `C1 ${(100 * at(3).fractionDesensitised).toFixed(0)}%/${(100 * at(21).fractionDesensitised).toFixed(0)}%, ` +
    `C2 ${at(2).meanD1A.toFixed(3)}/${at(14).meanD1A.toFixed(3)}, C3 ${s.way21.toFixed(3)}, vehicle ${s.vehicle.toFixed(3)}; ` +
    `KO d14 ${ko(14).meanD1A.toFixed(3)}, d21 ${ko(21).meanD1A.toFixed(3)}`
  );
};
for (const s of scored.slice(0, 15)) console.log(`   margin ${s.margin.toFixed(3)}: ${fmtC(s.c)} | ${fmtT(s)}`);
// how many pass per value of each parameter: where the passing set lies
for (const k of Object.keys(cal.SEARCH_GRID)) {
  const counts = cal.SEARCH_GRID[k].map((x) => `${x}: ${passing.filter((s) => s.c[k] === x).length}`);
  console.log(`   passing by ${k}: ${counts.join(', ')}`);
}

// the slow step of the reduced model: the best candidate at 24, 12, 6 and 3 h
{
  const best = scored[0];
  for (const h of [24, 12, 6, 3]) console.log(`   slow step ${h} h: ${fmtT(cal.scoreCandidate(sub, best.c, seed, h))}`);
}

// ---- 3. full runs of the best ----
if (!v['no-full']) {
  const top = Number(v.top);
  // the best few, distinct in (tau, stages, n) so the full runs test different shapes
  const pick = [];
  for (const s of scored) {
    if (pick.length >= top) break;
    if (!pick.some((p) => p.c.tauD1A_h === s.c.tauD1A_h && p.c.d1AStages === s.c.d1AStages && p.c.nD1A === s.c.nD1A)) pick.push(s);
  }
  console.log(`\n3. full runs (two-timescale driver, ${cal.CHRONIC_QUICK.neurons} neurons, slow step ${cal.CHRONIC_QUICK.slowStepH} h):`);
  for (const s of pick) {
    const t1 = performance.now();
    const res = await cal.runChronicSsri({
      engine,
      size: cal.CHRONIC_QUICK,
      neurons,
      seed,
      params: { ...cal.defaultParams(), ...s.c },
      dpat: false,
    });
    console.log(`   ${fmtC(s.c)} (${((performance.now() - t1) / 1000).toFixed(0)} s):`);
    for (const f of res.findings) console.log(`     ${f.id} ${f.pass ? 'pass' : 'FAIL'}: ${f.measured}`);
    const ko = res.days.filter((r) => r.condition === 'ko+fluoxetine').map((r) => `d${r.day} ${r.meanD1A.toFixed(3)}`);
    console.log(`     KO mean d1A: ${ko.join(', ')}`);
  }
}
console.log(`\ntotal ${secs()} s`);
process.exit(0);
