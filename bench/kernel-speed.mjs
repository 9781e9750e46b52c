// node bench/kernel-speed.mjs [N] [STEPS]: the CPU engine on one thread (CpuEngine, the WebAssembly
// kernels), N cells (default 9000) at the defaults, drug-free, from its built start: wall time of STEPS
// grid steps (default 3000) after 500 unmeasured ones, per grid step and per cell-step; and the neuron
// kernel alone (WasmKernels.step over every cell, the grid held) per cell-step. Run with nothing else running.
import { importTs } from '../scripts/import-ts.mjs';

const N = Number(process.argv[2] ?? 9000);
const STEPS = Number(process.argv[3] ?? 3000);
const { CpuEngine } = await importTs('src/engines/cpu/cpu-engine.ts');
const { buildModel } = await importTs('src/model/derive.ts');
const { defaultParams } = await importTs('src/model/params.ts');
const m = buildModel(defaultParams(), 'wt', N, 1);
const eng = new CpuEngine({ model: m, doses: {}, c0_nM: 6.5, rate0_Hz: 1.15, recordSpikes: false, sampleSteps: 10 });
await eng.advance(500);
let t0 = performance.now();
await eng.advance(STEPS);
const full = (performance.now() - t0) / STEPS;
// the neuron kernel alone: the engine's own kernel object, stepped over every cell against its grid
const k = eng.constants;
const kernel = eng.kernel;
let t = 500 + STEPS;
t0 = performance.now();
for (let i = 0; i < STEPS; i++) kernel.step(k, 0, t++, 0, N);
const neurons = (performance.now() - t0) / STEPS;
// the grid kernels alone, each over the whole region (what the engine calls after the neurons)
const nz = m.geometry.nz;
const nIn = m.geometry.inside.length;
const mass = { released: 0, uptaken: 0, cleared: 0 };
const timed = (f) => {
  const t1 = performance.now();
  for (let i = 0; i < STEPS; i++) f();
  return +((performance.now() - t1) / STEPS).toFixed(4);
};
const grid = {
  spreadMs: timed(() => kernel.spread(k, 0, nz)),
  releaseUptakeMs: timed(() => kernel.releaseUptake(k, 0, 0, nIn, mass)),
  diffuseMs: timed(() => kernel.diffuse(k, 0, 0, nIn)),
};
console.log(
  JSON.stringify({
    cells: N,
    voxels: m.geometry.inside.length,
    msPerStep: +full.toFixed(4),
    nsPerCellStep: +((full * 1e6) / N).toFixed(1),
    neuronMsPerStep: +neurons.toFixed(4),
    neuronNsPerCellStep: +((neurons * 1e6) / N).toFixed(1),
    ...grid,
  }),
);
