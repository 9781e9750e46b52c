// Engine start-up at a size (issue 23, the warm-up of a built start): the wall time of creating a CPU
// engine of N cells (its built start and, where the engine has one, its warm-up) and of its first
// advance(1), and the longest stretch of that time in which the main thread's event loop took no turn
// (a signal's handler waits that long), from a 1 ms interval timer, and the CPU time of all the process's
// threads while creating (a share of the cores the machine's other work leaves does not change it). The
// model is built before the clock.
//
//   node scripts/warm-up-probe.mjs [--neurons 1000000] [--engine cpu-mt|cpu] [--threads N]
//
// cpu-mt: ParallelCpuEngine (what raphe run uses on the CPU); cpu: CpuEngine, one thread, warmed up in
// slices (CpuEngine.warmUp where it has one). A measurement: run it alone on the machine.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { buildScript } from '../esbuild.config.mjs';

const { values: v } = parseArgs({
  options: {
    neurons: { type: 'string', default: '1000000' },
    engine: { type: 'string', default: 'cpu-mt' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});

const lib = await buildScript(
  'warm-up-probe',
  `export { CpuEngine } from './src/engines/cpu/cpu-engine.js';
export { ParallelCpuEngine } from './src/engines/cpu/parallel-engine.js';
export { buildModel } from './src/model/derive.js';
export { defaultParams } from './src/model/params.js';`,
);

const n = Number(v.neurons);
const tb = performance.now();
const model = lib.buildModel(lib.defaultParams(), 'wt', n, 1);
const buildS = (performance.now() - tb) / 1000;
const opts = { model, doses: {}, c0_nM: 30, rate0_Hz: 1, recordSpikes: false, sampleSteps: 10 };

const cpu0 = process.cpuUsage();
let last = performance.now();
let worst = 0;
let worstAt = 0;
const t0 = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  if (now - last > worst) {
    worst = now - last;
    worstAt = last - t0;
  }
  last = now;
}, 1);

let e;
if (v.engine === 'cpu') {
  e = new lib.CpuEngine(opts);
  await e.warmUp?.();
} else {
  e = await lib.ParallelCpuEngine.create(opts, Number(v.threads));
}
const t1 = performance.now();
const cpu1 = process.cpuUsage(cpu0);
await e.advance(1);
const t2 = performance.now();
// one more turn, so that a stall that ends with the advance is seen
await new Promise((r) => setTimeout(r, 5));
clearInterval(timer);
e.dispose();
console.log(
  JSON.stringify({
    neurons: n,
    engine: e.info.adapter,
    modelBuildS: +buildS.toFixed(2),
    createS: +((t1 - t0) / 1000).toFixed(2),
    // CPU time of every thread of the process while creating (the machine's load does not change it)
    createCpuS: +((cpu1.user + cpu1.system) / 1e6).toFixed(2),
    firstAdvanceS: +((t2 - t1) / 1000).toFixed(3),
    longestStallS: +(worst / 1000).toFixed(3),
    stallStartsAtS: +(worstAt / 1000).toFixed(2),
  }),
);
