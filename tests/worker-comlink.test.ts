/**
 * The simulation worker, driven from Node through comlink (a worker_threads Worker and comlink's Node
 * adapter), as the demo drives it from the page: init, layout, start/pause, frames (traces, raster
 * spikes, per-cell activity, grid slices) at most at display rate, drugs, neuron count, genotype,
 * reset, summary, and refusals of bad commands. CPU engine, small coarse model (fast and the same on
 * every machine).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as esbuild from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openNodeSimulation, type NodeSimulation } from '../src/worker/node-client.js';
import type { Frame, Layout, SimInfo } from '../src/worker/protocol.js';

const N = 500;
const MIN_FRAME_MS = 40;
let h: NodeSimulation;
let info: SimInfo;
let layout: Layout;
let outfile = '';

beforeAll(async () => {
  // Our own bundle of the Node worker entry (as esbuild.config.mjs builds build/node/sim-worker.mjs),
  // inside build/ so that bare imports resolve from the repository's node_modules.
  const dir = join(process.cwd(), 'build', 'test-worker');
  mkdirSync(dir, { recursive: true });
  outfile = join(dir, `sim-worker-${process.pid}.mjs`);
  await esbuild.build({
    entryPoints: ['src/worker/node-worker.ts'],
    bundle: true,
    outfile,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['webgpu'],
    loader: { '.wgsl': 'text' },
    logLevel: 'error',
    banner: { js: "import { createRequire as __raphe_cr } from 'node:module'; const require = __raphe_cr(import.meta.url);" },
  });
  h = openNodeSimulation(outfile);
  info = await h.sim.init({
    engine: 'cpu',
    neurons: N,
    voxelUm: 40,
    maxSpeed: 0,
    minFrameMs: MIN_FRAME_MS,
    rasterCells: 100,
    activityCells: 400,
  });
  layout = await h.sim.layout();
});

afterAll(async () => {
  await h?.close();
  for (const f of [outfile, `${outfile}.map`]) rmSync(f, { force: true });
});

/** Pulls frames until simulated time reaches tS (the worker keeps running meanwhile). */
async function framesUntil(tS: number, out: { frame: Frame; wall: number }[] = []) {
  for (;;) {
    const frame = await h.sim.nextFrame();
    out.push({ frame, wall: performance.now() });
    if (frame.tS >= tS) return out;
  }
}

describe('simulation worker through comlink (Node worker_threads)', () => {
  test('init describes the engine, genotypes and drugs; layout the tissue', () => {
    expect(info.engine).toBe('cpu');
    expect(info.adapter).toMatch(/JavaScript/);
    expect(info.genotypes.map((g) => g.name)).toContain('htr2b-ko');
    expect(info.drugs.map((d) => d.name)).toContain('fluoxetine');
    expect(layout.neurons).toBe(N);
    expect(layout.voxelUm).toBe(40);
    expect(layout.pos).toBeInstanceOf(Float32Array);
    expect(layout.pos.length).toBe(3 * 400);
    expect(layout.rasterCells).toBe(100);
    expect(layout.nx * layout.ny * layout.nz).toBeGreaterThan(1000);
    expect(layout.sampleDtS).toBeCloseTo(0.05, 9);
    expect(layout.c0Nm).toBeGreaterThan(1);
  });

  test('frames stream traces, raster spikes, activity and slices, at most at display rate', async () => {
    await h.sim.start();
    const got = await framesUntil(2);
    await h.sim.pause();
    const frames = got.map((g) => g.frame);
    expect(frames.length).toBeGreaterThan(2);
    // ordered, no sample lost or repeated across frames
    const t = frames.flatMap((f) => Array.from(f.sampleT));
    expect(t.length).toBeGreaterThan(30);
    for (let i = 1; i < t.length; i++) expect(t[i] - t[i - 1]).toBeCloseTo(0.05, 6);
    expect(t[0]).toBeCloseTo(0.05, 6);
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i].seq).toBeGreaterThan(frames[i - 1].seq);
      expect(frames[i].tS).toBeGreaterThanOrEqual(frames[i - 1].tS);
      // display rate: frames are never closer than minFrameMs (small slack for timers)
      expect(got[i].wall - got[i - 1].wall).toBeGreaterThan(MIN_FRAME_MS - 10);
    }
    for (const f of frames) {
      expect(f.rateHz).toBeInstanceOf(Float32Array);
      expect(f.sampleT).toBeInstanceOf(Float64Array);
      expect(f.rateHz.length).toBe(f.sampleT.length);
      expect(f.probeNm.length).toBe(f.sampleT.length);
      expect(f.spikeCell.length).toBe(f.spikeT.length);
      expect(f.activity.length).toBe(400);
      for (const c of f.spikeCell) expect(c).toBeLessThan(100);
      expect(f.droppedSpikes).toBe(0);
    }
    // raster spikes of the subset fall inside the frames' time spans
    let prev = 0;
    for (const f of frames) {
      for (const s of f.spikeT) {
        expect(s).toBeGreaterThanOrEqual(prev - 1e-9);
        expect(s).toBeLessThanOrEqual(f.tS + 1e-9);
      }
      prev = f.tS;
    }
    const spikes = frames.reduce((a, f) => a + f.spikeCell.length, 0);
    const tEnd = frames[frames.length - 1].tS;
    const rasterRate = spikes / 100 / tEnd;
    expect(rasterRate).toBeGreaterThan(0.3);
    expect(rasterRate).toBeLessThan(5);
    // population rate and probe are physiological (F1 band for the rate)
    const rate = frames.flatMap((f) => Array.from(f.rateHz));
    const meanRate = rate.reduce((a, b) => a + b, 0) / rate.length;
    expect(meanRate).toBeGreaterThan(0.5);
    expect(meanRate).toBeLessThan(3);
    for (const f of frames) for (const p of f.probeNm) expect(p).toBeGreaterThan(1);
    // activity: a rate-like quantity with spread over cells
    const last = frames[frames.length - 1].activity;
    const meanAct = last.reduce((a, b) => a + b, 0) / last.length;
    expect(meanAct).toBeGreaterThan(0.3);
    expect(meanAct).toBeLessThan(5);
    expect(Math.max(...last)).toBeGreaterThan(meanAct);
    // slices: at least the first frame carries one; inside voxels hold 5-HT, outside are 0
    const sl = frames.find((f) => f.slice)!.slice!;
    expect(sl.data.length).toBe(layout.nx * layout.ny);
    expect(sl.z).toBe(Math.floor(layout.nz / 2));
    let inside = 0;
    for (let i = 0; i < sl.data.length; i++) {
      if (sl.inside[i]) {
        inside++;
        expect(sl.data[i]).toBeGreaterThan(0);
      } else expect(sl.data[i]).toBe(0);
    }
    expect(inside).toBeGreaterThan(10);
    const s = await h.sim.summary(1);
    expect(s.running).toBe(false);
    expect(s.tS).toBeGreaterThanOrEqual(2);
    expect(s.meanRateHz).toBeGreaterThan(0.5);
    expect(s.meanRateHz).toBeLessThan(3);
  });

  test('paused: step advances and emits; slice depth is selectable', async () => {
    const t0 = (await h.sim.summary()).tS;
    await h.sim.setSliceZ(2);
    await h.sim.step(0.5);
    const f = await h.sim.nextFrame();
    expect(f.running).toBe(false);
    expect(f.tS).toBeCloseTo(t0 + 0.5, 6);
    expect(f.slice?.z).toBe(2);
    expect((await h.sim.summary()).tS).toBeCloseTo(t0 + 0.5, 6);
  });

  test('an SSRI raises the probe 5-HT (WT)', async () => {
    const base = await h.sim.summary(1);
    await h.sim.setDrug('fluoxetine', 10);
    await h.sim.step(1.5);
    const after = await h.sim.summary(0.5);
    expect(after.doses).toEqual({ fluoxetine: 10 });
    expect(after.lastDoseChangeS).toBeCloseTo(base.tS, 6);
    expect(after.probeNm).toBeGreaterThan(1.2 * base.probeNm);
    await h.sim.setDrug('fluoxetine', 0);
    expect((await h.sim.summary()).doses).toEqual({});
  });

  test('neuron count, genotype and reset rebuild the model (new version, time back to 0)', async () => {
    const v0 = (await h.sim.summary()).version;
    await h.sim.setNeurons(300);
    let s = await h.sim.summary();
    expect(s.neurons).toBe(300);
    expect(s.version).toBe(v0 + 1);
    expect(s.tS).toBe(0);
    const lay = await h.sim.layout();
    expect(lay.neurons).toBe(300);
    expect(lay.pos.length).toBe(900);
    await h.sim.setGenotype('htr2b-ko');
    s = await h.sim.summary();
    expect(s.genotype).toBe('htr2b-ko');
    expect(s.version).toBe(v0 + 2);
    await h.sim.step(0.2);
    await h.sim.reset();
    s = await h.sim.summary();
    expect(s.tS).toBe(0);
    expect(s.version).toBe(v0 + 3);
    const f = await h.sim.nextFrame();
    expect(f.version).toBe(v0 + 3);
  });

  test('bad commands are refused with a message, and the worker goes on', async () => {
    await expect(h.sim.setDrug('aspirin', 1)).rejects.toThrow(/unknown drug "aspirin"/);
    await expect(h.sim.setDrug('fluoxetine', -1)).rejects.toThrow(/>= 0/);
    await expect(h.sim.setDrug('constructor', 1)).rejects.toThrow(/unknown drug "constructor"/);
    await expect(h.sim.setGenotype('mutant')).rejects.toThrow(/unknown genotype/);
    await expect(h.sim.setGenotype('__proto__')).rejects.toThrow(/unknown genotype/);
    await expect(h.sim.setNeurons(0)).rejects.toThrow(/neurons/);
    await h.sim.step(0.1);
    expect((await h.sim.summary()).tS).toBeCloseTo(0.1, 6);
  });
});
