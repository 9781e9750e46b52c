/**
 * A batched WebGPU sweep (all points of one tissue in the same dispatches, different constants) equals
 * the same points run one at a time, bit for bit on software Vulkan (spikes and every trace sample), and
 * the CPU engine's run of them (the same spikes).
 * `raphe sweep --engine auto` chooses as every other job: the CPU engine on software Vulkan, WebGPU on a
 * hardware adapter. Skips without a WebGPU adapter, fails under RAPHE_GPU_REQUIRED.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isSoftwareAdapter, resolveEngine } from '../src/engines/create.js';
import { runScenarios } from '../src/experiment/run-scenario.js';
import type { RunResult } from '../src/record/run-result.js';
import { sweepPoints } from '../src/sweep/points.js';
import { parseSweep } from '../src/sweep/spec.js';
import { ROOT, runRaphe } from './helpers/cli.js';
import { gpuOrSkip, gpuRequired } from './helpers/gpu.js';
import { SHARD_SWEEP } from './helpers/sweeps.js';

const ctx = await gpuOrSkip();
const d = ctx ? describe : describe.skip;

if (!ctx) {
  test('WebGPU adapter (skipped: none found; set RAPHE_GPU_REQUIRED=1 to fail instead)', () => {
    expect(gpuRequired).toBe(false);
  });
}

/** Bit for bit: spikes and every trace sample (tol 0); against the CPU engine the samples are reductions summed in another order (1e-5 relative). */
function same(a: RunResult, b: RunResult, label: string, tol = 0) {
  expect(a.summary.complete && b.summary.complete, label).toBe(true);
  expect(Array.from(a.spikes!.cells), label).toEqual(Array.from(b.spikes!.cells));
  expect(Array.from(a.spikes!.steps), label).toEqual(Array.from(b.spikes!.steps));
  for (const k of ['probeNm', 'meanCNm', 's1A', 's2B', 'rateHz'] as const) {
    if (tol === 0) expect(Array.from(a.traces[k]), `${label} ${k}`).toEqual(Array.from(b.traces[k]));
    else {
      a.traces[k].forEach((x, j) => {
        expect(Math.abs(x - b.traces[k][j]), `${label} ${k}[${j}]`).toBeLessThanOrEqual(tol * Math.max(Math.abs(x), 1e-30));
      });
    }
  }
}

d('batched WebGPU sweep', () => {
  test('6 points (fluoxetine x htr2bExpression) in one batch = one at a time = CPU', async () => {
    const spec = parseSweep({
      name: 'gpu-batch',
      base: { neurons: 250, seed: 5, c0_nM: 25, duration: 0.3, params: { regionX_um: 300, regionY_um: 240, regionZ_um: 200 } },
      axes: [
        { axis: 'fluoxetine', values: [0, 3, 30] },
        { axis: 'htr2bExpression', values: [0.25, 1] },
      ],
    });
    const scs = sweepPoints(spec).map((p) => p.scenario);
    const gpu = await resolveEngine('webgpu');
    let batches = 0;
    const batched = await runScenarios(scs, gpu, { onResult: () => void batches++ });
    expect(batches).toBe(1);
    const single = await runScenarios(scs, gpu, { maxBatch: 1 });
    const cpu = await runScenarios(scs, await resolveEngine('cpu'));
    scs.forEach((_, i) => {
      same(batched[i], single[i], `point ${i} batched vs single`);
      same(batched[i], cpu[i], `point ${i} webgpu vs cpu`, 1e-5);
    });
    // the points differ (the constants reached each sim)
    expect(batched[0].traces.probeNm[20]).not.toBe(batched[4].traces.probeNm[20]);
  }, 120_000);
});

d('raphe sweep --engine auto', () => {
  test('software Vulkan: the CPU engine, as for every other job; a hardware adapter: WebGPU', async () => {
    const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-sweep-auto-'));
    try {
      const file = path.join(tmp, 'tiny.json');
      fs.writeFileSync(file, JSON.stringify({ ...SHARD_SWEEP, axes: [{ axis: 'fluoxetine', values: [10] }] }));
      const r = await runRaphe(tmp, ['sweep', file, '--engine', 'auto', '--threads', '2']);
      expect(r.code, r.stderr).toBe(0);
      const kind = isSoftwareAdapter(ctx!.adapterName) ? 'cpu' : 'webgpu';
      expect(r.stdout).toMatch(new RegExp(`^sweep {7}tiny: 2 points \\(2 run now\\), ${kind} `));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
