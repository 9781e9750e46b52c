/**
 * The WebAssembly kernels (src/engines/cpu/wasm/) against the plain specification
 * (src/engines/reference/neurons.ts, grid.ts), bit for bit: every state word, every spike sub-step, every
 * voxel and the float64 mass sums after every grid step of a full engine loop, with spikes, refractory
 * periods, multi-event background steps, desensitised cells (5-HT1A and 5-HT2B), releasable pools being
 * depleted and refilled, the release quanta of every voxel, and an SSRI, release fields of half-width
 * r = 0, 2 and 4 voxels, tonic release and a scaled SERT, over cell, voxel and box-plane ranges (those
 * of cells and voxels ending mid SIMD block). (The WGSL kernels are checked against the CPU engine by the engine conformance suite.)
 * And the committed binaries are what scripts/build-wasm.mjs makes of the sources.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffuse, fieldSums, releaseUptake, type MassAccumulator } from '../src/engines/reference/grid.js';
import { stepNeurons } from '../src/engines/reference/neurons.js';
import { wasmLayoutSource } from '../src/engines/cpu/wasm-header.js';
import { modelMemory, WasmKernels } from '../src/engines/cpu/wasm-kernels.js';
import { initialState } from '../src/engines/initial-state.js';
import { buildModel, deriveConstants } from '../src/model/derive.js';
import { copyState, STATE_FIELDS } from '../src/model/layout.js';
import { defaultParams } from '../src/model/params.js';

const bits = (a: Float32Array | Uint32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const zeroMass = (): MassAccumulator => ({ released: 0, uptaken: 0, cleared: 0 });

/** A tissue's release field and its non-spike terms. */
interface Field {
  releaseField_um: number;
  tonicRelease_molps: number;
  sertScale: number;
}

function setup(n: number, bgRate_Hz: number, seed: number, shared: boolean, region_um: [number, number, number], field: Field) {
  const [regionX_um, regionY_um, regionZ_um] = region_um;
  const { releaseField_um, tonicRelease_molps, sertScale } = field;
  const p = { ...defaultParams(), regionX_um, regionY_um, regionZ_um, bgRate_Hz, releaseField_um, tonicRelease_molps };
  const m = buildModel(p, 'wt', n, seed);
  const k = deriveConstants(m, { fluoxetine: 10 }, { sertScale });
  const s0 = initialState(m, k, 40, 3);
  // every fifth cell desensitised, as the chronic driver leaves them
  for (let i = 0; i < n; i += 5) s0.d1A[i] = 0.1 + (0.5 * i) / n;
  for (let i = 2; i < n; i += 3) s0.d2B[i] = 0.2 + (0.7 * i) / n;
  // pools full, empty and in between
  for (let i = 0; i < n; i++) s0.pool[i] = [1, 0, s0.pool[i]][i % 3];
  const { memory, layout, views } = modelMemory(m, s0, 1, shared);
  const ref = {
    state: copyState(views.state),
    spikeSub: new Uint8Array(n),
    grids: [s0.grid.slice(), s0.grid.slice()],
    counts: new Uint32Array(s0.grid.length),
  };
  return { m, k, views, kernels: new WasmKernels(memory, layout), ref };
}

/** Split [0, n) at the given interior points. */
const ranges = (n: number, cuts: number[]) => [0, ...cuts, n].slice(0, -1).map((a, i, arr) => [a, i + 1 < arr.length ? arr[i + 1] : n]);

describe('the WebAssembly kernels', () => {
  // the last region is large enough for runs of four interior voxels along x (diffusion's SIMD path)
  const r0: Field = { releaseField_um: 0, tonicRelease_molps: 0, sertScale: 1 };
  const r2: Field = { releaseField_um: 40, tonicRelease_molps: 2e3, sertScale: 0.6 };
  const r4: Field = { releaseField_um: 80, tonicRelease_molps: 5e2, sertScale: 1 };
  for (const [n, bgRate, cellCuts, shared, region, field] of [
    [37, 25, [], false, [120, 100, 80], r0],
    [61, 900, [13, 14, 40], false, [120, 100, 80], r2],
    [64, 300, [32], true, [120, 100, 80], r2],
    [203, 300, [100], false, [400, 300, 260], r4],
  ] as [number, number, number[], boolean, [number, number, number], Field][]) {
    it(`give the plain specification's bits for ${n} cells, background ${bgRate} Hz, cell ranges cut at [${cellCuts}]${shared ? ', shared memory' : ''}, region ${region.join(' x ')} µm, release field ${field.releaseField_um} µm`, () => {
      const { m, k, views, kernels, ref } = setup(n, bgRate, 7 + n, shared, region, field);
      const g = m.geometry;
      expect(k.fieldR).toBe(field.releaseField_um / 20);
      const planeRanges = ranges(g.nz, [1, Math.floor(g.nz / 2)]);
      const cells = { Idrive: m.Idrive, vox: m.vox, bgGap: m.bgGap };
      const voxelRanges = ranges(g.inside.length, [5, Math.floor(g.inside.length / 2)]);
      const runs4 = g.inside.filter(
        (v, i) => i + 3 < g.inside.length && g.inside[i + 3] === v + 3 && [0, 1, 2, 3].every((d) => g.nbrMask[v + d] === 127),
      ).length;
      if (region[0] >= 400) expect(runs4).toBeGreaterThan(100);
      let spikes = 0;
      let multi = 0;
      let depleted = 0;
      let refilled = 0;
      let cur = 0;
      // small tissues run longer, so that enough of their few cells spike
      for (let step = 0; step < (n < 100 ? 700 : 400); step++) {
        for (const [i0, i1] of ranges(n, cellCuts)) {
          const before = ref.state.gbg.slice();
          const pool = ref.state.pool.slice();
          const a = stepNeurons(k, ref.state, cells, ref.grids[cur], step, i0, i1, ref);
          expect(kernels.step(k, cur, step, i0, i1)).toBe(a);
          spikes += a;
          for (let i = i0; i < i1; i++) {
            if (ref.state.gbg[i] - before[i] * k.eBg ** k.subSteps > 1.5 * k.bgStep) multi++;
            if (ref.state.pool[i] < pool[i]) depleted++;
            else if (ref.state.pool[i] > pool[i]) refilled++;
          }
        }
        expect(views.spikeSub).toEqual(ref.spikeSub);
        expect(views.counts, `release quanta after step ${step}`).toEqual(ref.counts);
        // the hosts flag the box rows that hold a spiking cell, for the x pass
        for (let i = 0; i < n; i++) if (ref.spikeSub[i] !== 255) views.rowQuanta[Math.floor(m.vox[i] / g.nx)] = 1;
        const sums = fieldSums(k, g, ref.counts);
        for (const [z0, z1] of planeRanges) kernels.spread(k, z0, z1);
        expect(views.counts.every((q) => q === 0)).toBe(true);
        const mJs = zeroMass();
        const mWasm = zeroMass();
        for (const [m0, m1] of voxelRanges) {
          const part = { ...g, inside: g.inside.subarray(m0, m1) };
          releaseUptake(k, part, m.vmaxDt, m.tonicDt, sums, ref.grids[cur], mJs);
          kernels.releaseUptake(k, cur, m0, m1, mWasm);
        }
        expect(mWasm).toEqual(mJs);
        for (const [m0, m1] of voxelRanges) {
          diffuse(k, { ...g, inside: g.inside.subarray(m0, m1) }, ref.grids[cur], ref.grids[1 - cur]);
          kernels.diffuse(k, cur, m0, m1);
        }
        cur = 1 - cur;
        expect(bits(views.grids[cur]), `grid after step ${step}`).toEqual(bits(ref.grids[cur]));
        for (const f of STATE_FIELDS) expect(bits(views.state[f.name]), `${f.name} after step ${step}`).toEqual(bits(ref.state[f.name]));
      }
      expect(spikes).toBeGreaterThan(5);
      expect(depleted).toBeGreaterThan(5);
      expect(refilled).toBeGreaterThan(n);
      if (bgRate >= 300) expect(multi).toBeGreaterThan(0);
    });
  }

  it('are what scripts/build-wasm.mjs compiles from the sources (layout.ts generated from model/layout.ts)', async () => {
    expect(readFileSync('src/engines/cpu/wasm/layout.ts', 'utf8')).toBe(wasmLayoutSource());
    // @ts-expect-error: a plain .mjs script
    const { buildWasm } = await import('../scripts/build-wasm.mjs');
    expect(await buildWasm({ check: true })).toEqual({ 'layout.ts': true, 'kernels.wasm': true, 'kernels-shared.wasm': true });
  });
});
