/**
 * raphe's GPU vs CPU benchmark (run by `npm run bench`, which bundles this file with bench/run.mjs).
 *
 * The default DRN model (region, grid and parameters of defaultParams(), WT, no drug) at several cell
 * counts on each engine: `cpu` (CpuEngine, one thread), `cpu-mt` (ParallelCpuEngine, all cores),
 * `webgpu:<driver>` (WebGpuEngine; driver lavapipe | swiftshader | default). Every (size, engine) runs in
 * its own child process (child.ts; the child measures with measure.ts), so peak memory does not mix and a
 * software Vulkan driver is chosen before Dawn loads; children run one after the other, engines
 * interleaved per size, so ratios are taken close in time. Peers (--peers brian2, peers/brian2.ts) run
 * after raphe's engines at each size; the raphe/Brian2 ratio per size is raphe's median neuron-updates/s
 * over Brian2's. The report (report.ts) is written as results.json, results.md (markdown.ts) and
 * throughput.svg (plot.ts); the roofline's bytes and bandwidth are in roofline.ts.
 *
 * Usage: bench [--sizes 1000,10000,100000] [--large] [--engines cpu,cpu-mt,webgpu:lavapipe,webgpu:swiftshader]
 *              [--repeats 5] [--seconds 1] [--threads N] [--chunk 1024] [--peers brian2] [--peer-seconds 2] [--out DIR] [--json] [--no-write]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/model/errors.js';
import { USAGE, defaultEngines, parseBenchArgs, type BenchArgs } from './args.js';
import { runChildProcess } from './child.js';
import { fmt, fmtRate, markdown } from './markdown.js';
import { measure } from './measure.js';
import { runBrian2Peer } from './peers/brian2.js';
import { throughputSvg } from './plot.js';
import { buildReport } from './report.js';
import { failedResult, type BenchResult } from './result.js';
import { measureBandwidth } from './roofline.js';

const log = (s: string) => process.stderr.write(s + '\n');

function logResult(r: BenchResult): void {
  log(
    r.ok
      ? `bench:   ${fmtRate(r.neuronUpdatesPerSecond)} neuron-updates/s, wall/bio ${fmt(r.realTimeFactor, 2)}, first step ${fmt(r.timeToFirstStepSeconds, 2)} s, peak RSS ${fmt(r.peakRssMiB, 0)} MiB (${r.adapter})`
      : `bench:   failed: ${r.error}`,
  );
}

/** The child's work: one (size, engine), its result as one JSON line on stdout. */
async function child(a: BenchArgs): Promise<void> {
  let r: BenchResult;
  try {
    r = await measure(a);
  } catch (e) {
    r = failedResult(a.engines[0], a.sizes[0], e instanceof Error ? e.message : String(e));
  }
  process.stdout.write(JSON.stringify(r) + '\n');
}

/** The parent's work: bandwidth, every (size, engine) in a child, the peers, the report. */
async function parent(a: BenchArgs): Promise<void> {
  if (!a.engines.length) a.engines = defaultEngines();
  const loadBefore = loadavg();
  if (loadBefore[0] > 1.5)
    log(`bench: load average ${loadBefore[0].toFixed(2)} > 1.5: other work is running, figures will be low and noisy`);
  const bandwidth = measureBandwidth();
  log(
    `bench: memory bandwidth ${(bandwidth / 1e9).toFixed(1)} GB/s; sizes ${a.sizes.join(', ')}; engines ${a.engines.join(', ')}; ${a.repeats} repeats of ~${a.seconds} s`,
  );
  const script = fileURLToPath(import.meta.url);
  const results: BenchResult[] = [];
  for (const n of a.sizes) {
    for (const id of a.engines) {
      log(`bench: ${n.toLocaleString('en-US')} neurons on ${id} ...`);
      const r = await runChildProcess(script, a, id, n, bandwidth);
      results.push(r);
      logResult(r);
    }
    for (const peer of a.peers) {
      log(`bench: ${n.toLocaleString('en-US')} neurons on ${peer} (export, build, run) ...`);
      const r = await runBrian2Peer(a, n, bandwidth);
      results.push(r);
      logResult(r);
    }
  }
  const rep = buildReport(a, results, bandwidth, loadBefore);
  const md = markdown(rep);
  if (a.write) {
    mkdirSync(a.out, { recursive: true });
    writeFileSync(join(a.out, 'results.json'), JSON.stringify(rep, null, 2) + '\n');
    writeFileSync(join(a.out, 'results.md'), md);
    writeFileSync(join(a.out, 'throughput.svg'), throughputSvg(rep));
    log(`bench: wrote ${join(a.out, 'results.json')}, results.md, throughput.svg`);
  }
  process.stdout.write(a.json ? JSON.stringify(rep) + '\n' : md);
}

async function main(): Promise<void> {
  let a: BenchArgs;
  try {
    a = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
  if (a.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (a.child) {
    await child(a);
    process.exit(0);
  }
  await parent(a);
}

await main();
