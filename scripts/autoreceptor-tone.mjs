// The drug-free 5-HT1A tone against what needs it (docs/model.md §6, S2): on the reduced model (each
// condition's well-mixed steady state, src/engines/cpu/steady-state.ts; WT, 9,000 cells, seed 1), for each
// K1A_nM x g1A_nS (the rest at the defaults): the drug-free rate and 5-HT, WAY-100635 10 nM alone and with the
// therapeutic fluoxetine dose (S2) as folds of the drug-free rate, the SSRI's rate ratio (F5, S1) and the
// 8-OH-DPAT IC50 of F7's Hill fit (NaN: the series never falls to half).
//
//   node scripts/autoreceptor-tone.mjs [--k1a 20,40,80] [--g1a 1.5,3,6] [--json FILE]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { importTs } from './import-ts.mjs';

const { values: v } = parseArgs({
  options: { k1a: { type: 'string', default: '20,40,80' }, g1a: { type: 'string', default: '1.5,3,6' }, json: { type: 'string' } },
});
const list = (s) => s.split(',').map(Number);
const { estimateSteadyState } = await importTs('src/engines/cpu/steady-state.ts');
const { buildModel } = await importTs('src/model/derive.ts');
const { defaultParams } = await importTs('src/model/params.ts');
const { DOSES } = await importTs('src/model/findings-conditions.ts');
const { ic50Fit } = await importTs('src/model/findings-data.ts');
const { ssri } = DOSES;
const way = { 'way-100635': DOSES.way_nM };
const rows = [];
console.log('| K1A (nM) | g1A (nS) | rate (Hz) | 5-HT (nM) | WAY alone | SSRI + WAY (S2) | SSRI rate ratio | 8-OH-DPAT IC50 (nM) |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const K1A_nM of list(v.k1a))
  for (const g1A_nS of list(v.g1a)) {
    const m = buildModel({ ...defaultParams(), K1A_nM, g1A_nS }, 'wt', 9000, 1);
    const e0 = estimateSteadyState(m, {});
    const fold = (doses) => estimateSteadyState(m, doses).rate_Hz / e0.rate_Hz;
    const row = {
      K1A_nM,
      g1A_nS,
      rateHz: e0.rate_Hz,
      c0Nm: e0.c0_nM,
      wayFold: fold(way),
      ssriWayFold: fold({ ...ssri, ...way }),
      ssriRatio: fold(ssri),
      dpatIc50Nm: ic50Fit(
        DOSES.dpat_nM,
        DOSES.dpat_nM.map((d) => fold({ '8-oh-dpat': d })),
      ),
    };
    rows.push(row);
    const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : 'NaN');
    console.log(
      `| ${K1A_nM} | ${g1A_nS} | ${f(row.rateHz, 2)} | ${f(row.c0Nm, 1)} | ${f(row.wayFold, 2)} | ${f(row.ssriWayFold, 2)} | ${f(row.ssriRatio, 2)} | ${f(row.dpatIc50Nm, 1)} |`,
    );
  }
if (v.json) writeFileSync(v.json, `${JSON.stringify({ neurons: 9000, seed: 1, rows }, null, 2)}\n`);
