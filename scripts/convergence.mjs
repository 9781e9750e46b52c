// Convergence in the cell count (issue 22, docs/model.md §3): the WT baseline rate, the baseline probe 5-HT
// and the fold of the probe under the therapeutic fluoxetine dose, at several N, each the mean over seeds,
// and each N's relative difference from the reference N (9,000: the mouse DRN's own count).
//
//   node scripts/convergence.mjs [--neurons 4500,9000,18000] [--seeds 1,2,3] [--duration 20]
//                                [--engine cpu] [--reference 9000] [--json FILE]
//
// Every run is `raphe run` (its own process, one after another: run it with nothing else running).
// The fold is the mean over seeds of each seed's fluoxetine probe / its baseline probe.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({
  options: {
    neurons: { type: 'string', default: '4500,9000,18000' },
    seeds: { type: 'string', default: '1,2,3' },
    duration: { type: 'string', default: '20' },
    engine: { type: 'string', default: 'cpu' },
    reference: { type: 'string', default: '9000' },
    dose: { type: 'string', default: '' },
    json: { type: 'string' },
  },
});
const list = (s) => s.split(',').map(Number);
const Ns = list(v.neurons);
const seeds = list(v.seeds);
const ref = Number(v.reference);

// the therapeutic dose: 80% SERT occupancy (drugs.ts), unless --dose gives the nM
const dose = v.dose || 'fluoxetine=80%';

function run(n, seed, drug) {
  const args = ['bin/raphe.mjs', 'run', '--neurons', String(n), '--seed', String(seed), '--duration', v.duration];
  args.push('--engine', v.engine, '--no-spikes', '--json');
  if (drug) args.push('--drug', drug);
  const out = execFileSync('node', args, { encoding: 'utf8', env: { ...process.env, RAPHE_CACHE: '0' } });
  const j = JSON.parse(out.trim().split('\n').pop());
  return { rate: j.meanRateHz, probe: j.probe5htNm, settled: j.settled, wall: j.wallSeconds };
}

const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
const rows = [];
for (const n of Ns) {
  const per = seeds.map((seed) => {
    const b = run(n, seed, null);
    const s = run(n, seed, dose);
    process.stderr.write(
      `N ${n} seed ${seed}: baseline ${b.rate.toFixed(3)} Hz ${b.probe.toFixed(2)} nM; ${dose} ${s.probe.toFixed(2)} nM (${b.wall.toFixed(0)} + ${s.wall.toFixed(0)} s)\n`,
    );
    return { seed, baseline: b, ssri: s, fold: s.probe / b.probe };
  });
  rows.push({
    neurons: n,
    rateHz: mean(per.map((p) => p.baseline.rate)),
    probeNm: mean(per.map((p) => p.baseline.probe)),
    fold: mean(per.map((p) => p.fold)),
    allSettled: per.every((p) => p.baseline.settled && p.ssri.settled),
    seeds: per,
  });
}
const r0 = rows.find((r) => r.neurons === ref) ?? rows[0];
const rel = (x, x0) => (100 * (x - x0)) / x0;
const lines = [
  `| N | baseline rate (Hz) | baseline probe (nM) | SSRI fold (${dose}) | rate vs ${r0.neurons} | probe vs ${r0.neurons} | fold vs ${r0.neurons} | settled |`,
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
  ...rows.map(
    (r) =>
      `| ${r.neurons.toLocaleString('en-US')} | ${r.rateHz.toFixed(3)} | ${r.probeNm.toFixed(2)} | ${r.fold.toFixed(2)} | ` +
      `${rel(r.rateHz, r0.rateHz).toFixed(1)}% | ${rel(r.probeNm, r0.probeNm).toFixed(1)}% | ${rel(r.fold, r0.fold).toFixed(1)}% | ${r.allSettled ? 'yes' : 'no'} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (v.json) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  writeFileSync(
    v.json,
    `${JSON.stringify({ commit, machine, date: new Date().toISOString().slice(0, 10), durationS: Number(v.duration), engine: v.engine, dose, seeds, rows }, null, 2)}\n`,
  );
}
