/**
 * The simulation worker, driven from Node through comlink (a worker_threads Worker and comlink's Node
 * adapter), as the demo drives it from the page: init, layout, start/pause, frames (traces, raster
 * spikes, per-cell activity, grid slices, per tissue) at most at display rate, two tissues on one clock
 * (drug changes for the linked tissues at the same step, an unlinked tissue on its own), protocols
 * (phases at their exact step, a pause at the end), neuron count, tissues, reset, summary, and refusals
 * of bad commands. CPU engine, small coarse model (fast and the same on every machine).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as esbuild from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openNodeSimulation, type NodeSimulation } from '../src/worker/node-client.js';
import type { Frame, Layout, SimInfo } from '../src/worker/protocol.js';
import { F1_RATE_BAND } from '../src/model/findings.js';

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
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
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
}, 60_000);

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

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;

describe('simulation worker through comlink (Node worker_threads)', () => {
  test('init describes the engine, genotypes, drugs and protocols; layout two tissues, WT and KO', () => {
    expect(info.engine).toBe('cpu');
    expect(info.adapter).toMatch(/WebAssembly/);
    expect(info.genotypes.map((g) => g.name)).toContain('htr2b-ko');
    expect(info.drugs.map((d) => d.name)).toContain('fluoxetine');
    expect(info.protocols.map((p) => p.id)).toEqual(['ssri', 'dpat', 'bw']);
    const ssri = info.protocols[0];
    expect(ssri.phases.map((p) => [p.name, p.startS, p.doses])).toEqual([
      ['baseline', 0, {}],
      ['fluoxetine 3.2 nM', 10, { fluoxetine: 3.2 }],
    ]);
    expect(info.maxTissues).toBe(2);
    expect(info.expression).toEqual({ min: 0, max: 4 });
    expect(info.rateBand).toEqual({ ...F1_RATE_BAND, label: 'F1 band' }); // the demo shades finding F1's band, read from the findings' data
    expect(layout.neurons).toBe(N);
    expect(layout.voxelUm).toBe(40);
    expect(layout.pos).toBeInstanceOf(Float32Array);
    expect(layout.pos.length).toBe(3 * 400);
    expect(layout.rasterCells).toBe(100);
    expect(layout.nx * layout.ny * layout.nz).toBeGreaterThan(1000);
    expect(layout.sampleDtS).toBeCloseTo(0.05, 9);
    expect(layout.tissues.map((t) => [t.label, t.genotype, t.linked])).toEqual([
      ['A', 'wt', true],
      ['B', 'htr2b-ko', true],
    ]);
    expect(layout.tissues[0].c0Nm).toBeGreaterThan(1);
    // the KO's 5-HT2B drive is missing: it starts lower
    expect(layout.tissues[1].rate0Hz).toBeLessThan(layout.tissues[0].rate0Hz);
    expect(layout.protocol).toBeNull();
  });

  test('frames stream both tissues on one clock: traces, raster spikes, activity and slices, at most at display rate', async () => {
    await h.sim.start();
    const got = await framesUntil(2);
    await h.sim.pause();
    const frames = got.map((g) => g.frame);
    expect(frames.length).toBeGreaterThan(2);
    // the start of each tissue is its first phase
    expect(frames[0].phases.map((p) => [p.tissue, p.tS, p.name])).toEqual([
      [0, 0, 'baseline'],
      [1, 0, 'baseline'],
    ]);
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
      expect(f.tissues.length).toBe(2);
      expect(f.sampleT).toBeInstanceOf(Float64Array);
      for (const tf of f.tissues) {
        expect(tf.rateHz).toBeInstanceOf(Float32Array);
        expect(tf.rateHz.length).toBe(f.sampleT.length);
        expect(tf.probeNm.length).toBe(f.sampleT.length);
        expect(tf.spikeCell.length).toBe(tf.spikeT.length);
        expect(tf.activity.length).toBe(400);
        for (const c of tf.spikeCell) expect(c).toBeLessThan(100);
        expect(tf.droppedSpikes).toBe(0);
      }
    }
    for (let k = 0; k < 2; k++) {
      // raster spikes of the subset fall inside the frames' time spans
      let prev = 0;
      for (const f of frames) {
        for (const s of f.tissues[k].spikeT) {
          expect(s).toBeGreaterThanOrEqual(prev - 1e-9);
          expect(s).toBeLessThanOrEqual(f.tS + 1e-9);
        }
        prev = f.tS;
      }
      const spikes = frames.reduce((a, f) => a + f.tissues[k].spikeCell.length, 0);
      const rasterRate = spikes / 100 / frames[frames.length - 1].tS;
      expect(rasterRate).toBeGreaterThan(0.2);
      expect(rasterRate).toBeLessThan(5);
      for (const f of frames) for (const p of f.tissues[k].probeNm) expect(p).toBeGreaterThan(1);
      // slices: at least the first frame carries one per tissue; inside voxels hold 5-HT, outside are 0
      const sl = frames.find((f) => f.tissues[k].slice)!.tissues[k].slice!;
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
    }
    // WT in the F1 band; the KO fires less (F2: KO/WT between 0.4 and 0.85)
    const rate = [0, 1].map((k) => mean(frames.flatMap((f) => Array.from(f.tissues[k].rateHz))));
    expect(rate[0]).toBeGreaterThan(0.5);
    expect(rate[0]).toBeLessThan(3);
    expect(rate[1] / rate[0]).toBeGreaterThan(0.4);
    expect(rate[1] / rate[0]).toBeLessThan(0.95);
    // activity: a rate-like quantity with spread over cells
    const last = frames[frames.length - 1].tissues[0].activity;
    expect(mean(last)).toBeGreaterThan(0.3);
    expect(mean(last)).toBeLessThan(5);
    expect(Math.max(...last)).toBeGreaterThan(mean(last));
    const s = await h.sim.summary(1);
    expect(s.running).toBe(false);
    expect(s.tS).toBeGreaterThanOrEqual(2);
    expect(s.tissues.length).toBe(2);
  });

  test('paused: step advances and emits; slice depth is selectable', async () => {
    const t0 = (await h.sim.summary()).tS;
    await h.sim.setSliceZ(2);
    await h.sim.step(0.5);
    const f = await h.sim.nextFrame();
    expect(f.running).toBe(false);
    expect(f.tS).toBeCloseTo(t0 + 0.5, 6);
    for (const tf of f.tissues) expect(tf.slice?.z).toBe(2);
    expect((await h.sim.summary()).tS).toBeCloseTo(t0 + 0.5, 6);
  });

  test('an SSRI for the linked tissues lands on both at the same step and raises the WT probe more than the KO one', async () => {
    await h.sim.step(1);
    const base = await h.sim.summary(2);
    await h.sim.setDrug('fluoxetine', 10);
    await h.sim.step(5);
    const after = await h.sim.summary(1);
    for (const t of after.tissues) {
      expect(t.doses).toEqual({ fluoxetine: 10 });
      expect(t.lastDoseChangeS).toBeCloseTo(base.tS, 6);
      expect(t.phases.at(-1)).toEqual({
        tissue: t.label === 'A' ? 0 : 1,
        tS: base.tS,
        name: 'fluoxetine 10 nM',
        doses: { fluoxetine: 10 },
      });
    }
    const fold = [0, 1].map((k) => after.tissues[k].probeNm / base.tissues[k].probeNm);
    expect(fold[0]).toBeGreaterThan(1.3);
    expect(fold[1]).toBeGreaterThan(1);
    expect(fold[0] - 1).toBeGreaterThan(1.5 * (fold[1] - 1));
    await h.sim.setDrug('fluoxetine', 0);
    for (const t of (await h.sim.summary()).tissues) expect(t.doses).toEqual({});
  }, 30_000);

  test('an unlinked tissue keeps its own doses; linked again, it takes the linked ones', async () => {
    await h.sim.setLinked(1, false);
    await h.sim.setDrug('bw723c86', 100); // the linked tissues: A only
    await h.sim.setDrug('citalopram', 5, 1); // B alone
    let s = await h.sim.summary();
    expect(s.tissues[0].doses).toEqual({ bw723c86: 100 });
    expect(s.tissues[1].doses).toEqual({ citalopram: 5 });
    expect(s.tissues[1].linked).toBe(false);
    await h.sim.step(0.1);
    await h.sim.setLinked(1, true);
    s = await h.sim.summary();
    expect(s.tissues[1].doses).toEqual({ bw723c86: 100 });
    expect(s.tissues[1].phases.at(-1)!.tS).toBeCloseTo(s.tS, 6);
    await h.sim.setDoses({});
  });

  test('a protocol runs from t = 0: its phases land on the linked tissues at their exact step, and it pauses at its end', async () => {
    // 30 s of two tissues: a worker of its own on a coarse grid (80 µm), small and quick
    const p = openNodeSimulation(outfile);
    try {
      await p.sim.init({
        engine: 'cpu',
        neurons: 150,
        voxelUm: 80,
        maxSpeed: 0,
        minFrameMs: MIN_FRAME_MS,
        tissues: [{ genotype: 'wt' }, { genotype: 'htr2b-ko', linked: false, doses: { 'way-100635': 3 } }],
      });
      await p.sim.setProtocol('bw');
      let s = await p.sim.summary();
      expect(s.protocol).toBe('bw');
      expect(s.tS).toBe(0);
      expect(s.tissues[0].doses).toEqual({});
      expect(s.tissues[1].doses).toEqual({ 'way-100635': 3 });
      await p.sim.start();
      let f: Frame;
      do f = await p.sim.nextFrame();
      while (f.tS < 12);
      s = await p.sim.summary();
      expect(s.tissues[0].phases.map((m) => [m.tS, m.name])).toEqual([
        [0, 'baseline'],
        [10, 'bw723c86 100 nM'],
      ]);
      expect(s.tissues[1].phases.map((m) => [m.tS, m.name])).toEqual([[0, 'way-100635 3 nM']]);
      expect(s.tissues[1].doses).toEqual({ 'way-100635': 3 });
      // the worker stops at the protocol's end (30 s), exactly
      do f = await p.sim.nextFrame();
      while (!(f.protocolDone && !f.running));
      s = await p.sim.summary();
      expect(s.protocolDone).toBe(true);
      expect(s.running).toBe(false);
      expect(s.tS).toBeCloseTo(30, 9);
      // free run from there on: Play goes on past the end
      await p.sim.setProtocol(null);
      await p.sim.step(0.5);
      expect((await p.sim.summary()).tS).toBeCloseTo(30.5, 9);
    } finally {
      await p.close();
    }
  }, 120_000);

  test('one tissue stays a choice; neuron count and reset rebuild the model (new version, time back to 0)', async () => {
    await h.sim.pause();
    await h.sim.setTissues([{ genotype: 'htr2b-ko', htr1aExpression: 0.5 }]);
    let s = await h.sim.summary();
    const v0 = s.version;
    expect(s.tissues.map((t) => [t.genotype, t.htr1aExpression, t.htr2bExpression])).toEqual([['htr2b-ko', 0.5, 1]]);
    await h.sim.step(0.2);
    const f0 = await h.sim.nextFrame();
    expect(f0.tissues.length).toBe(1);
    await h.sim.setNeurons(300);
    s = await h.sim.summary();
    expect(s.neurons).toBe(300);
    expect(s.version).toBe(v0 + 1);
    expect(s.tS).toBe(0);
    const lay = await h.sim.layout();
    expect(lay.neurons).toBe(300);
    expect(lay.pos.length).toBe(900);
    expect(lay.tissues.length).toBe(1);
    await h.sim.step(0.2);
    await h.sim.reset();
    s = await h.sim.summary();
    expect(s.tS).toBe(0);
    expect(s.version).toBe(v0 + 2);
    const f = await h.sim.nextFrame();
    expect(f.version).toBe(v0 + 2);
  });

  test('the baseline starts settled: probe 5-HT over its first second within 10% of its mean over seconds 6-8', async () => {
    // the start is the patch-refined steady-state estimate; from the well-mixed one alone the probe
    // began well below its settled level and crept up for tens of seconds (this check failed by 20%)
    await h.sim.pause();
    await h.sim.setTissues([{ genotype: 'wt' }]);
    await h.sim.setNeurons(N);
    await h.sim.start();
    const frames = (await framesUntil(8)).map((g) => g.frame);
    await h.sim.pause();
    const t = frames.flatMap((f) => Array.from(f.sampleT));
    const p = frames.flatMap((f) => Array.from(f.tissues[0].probeNm));
    const over = (a: number, b: number) => mean(p.filter((_, i) => t[i] > a && t[i] <= b));
    const early = over(0, 1);
    const late = over(6, 8);
    expect(late).toBeGreaterThan(5);
    expect(Math.abs(early / late - 1)).toBeLessThan(0.1);
    await h.sim.reset();
  });

  test('bad commands are refused with a message, and the worker goes on', async () => {
    await h.sim.pause();
    await expect(h.sim.setDrug('aspirin', 1)).rejects.toThrow(/unknown drug "aspirin"/);
    await expect(h.sim.setDrug('fluoxetine', -1)).rejects.toThrow(/>= 0/);
    await expect(h.sim.setDrug('constructor', 1)).rejects.toThrow(/unknown drug "constructor"/);
    await expect(h.sim.setDrug('fluoxetine', 1, 1)).rejects.toThrow(/tissue: must be >= 0 and <= 0/);
    // doses are read as a scenario's phase reads them: a drug named twice (names are case-insensitive) is refused
    await expect(h.sim.setDoses({ fluoxetine: 1, Fluoxetine: 2 })).rejects.toThrow(/doses\.Fluoxetine: drug fluoxetine given twice/);
    await expect(h.sim.setTissues([{ genotype: 'mutant' }])).rejects.toThrow(/tissues\[0\]\.genotype: unknown genotype/);
    await expect(h.sim.setTissues([{ genotype: '__proto__' }])).rejects.toThrow(/unknown genotype/);
    await expect(h.sim.setTissues([{ htr2bExpression: 5 }])).rejects.toThrow(/tissues\[0\]\.htr2bExpression: must be >= 0 and <= 4/);
    await expect(h.sim.setTissues([{}, {}, {}])).rejects.toThrow(/tissues: must be a list of 1 to 2/);
    await expect(h.sim.setTissues([{ colour: 'red' } as never])).rejects.toThrow(/tissues\[0\]\.colour: unknown field/);
    await expect(h.sim.setProtocol('rave')).rejects.toThrow(/protocol: unknown protocol "rave"; allowed: ssri, dpat, bw/);
    await expect(h.sim.setNeurons(0)).rejects.toThrow(/neurons/);
    await expect(h.sim.setSeed(-1)).rejects.toThrow(/seed/);
    await h.sim.step(0.1);
    expect((await h.sim.summary()).tS).toBeCloseTo(0.1, 6);
  });
});
