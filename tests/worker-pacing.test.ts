/**
 * The worker's pacing (src/worker/pacing.ts) on the one clock, with a fake engine and host: where each
 * chunk starts and ends, the steps at which a protocol's phases land, where it pauses, and how chunks
 * are sized. No model runs, so these read the time advance alone.
 */
import { describe, expect, test } from 'vitest';
import type { DoseEvent } from '../src/clock/schedule.js';
import { emptySamples, type BatchEngine, type RecordBatch } from '../src/engines/engine.js';
import { Pacing, type PacingHost } from '../src/worker/pacing.js';
import type { ProtocolInfo } from '../src/worker/protocol.js';

const DT = 0.001;

/** A batch of two tissues that records nothing but its chunks, as [first step, steps]. */
function fakeEngine() {
  const chunks: [number, number][] = [];
  let step = 0;
  const record = (n: number): RecordBatch => ({
    firstStep: step,
    steps: n,
    spikeCount: 0,
    samples: emptySamples(0),
    mass: { released: 0, uptaken: 0, cleared: 0, gridStart: 0, gridEnd: 0 },
  });
  const batch = {
    info: { engine: 'cpu', adapter: 'fake' },
    nSims: 2,
    setDoses: () => {
      throw new Error('the worker applies a phase itself');
    },
    advance: async (n: number) => {
      chunks.push([step, n]);
      const out = [record(n), record(n)];
      step += n;
      return out;
    },
  } as unknown as BatchEngine;
  return { batch, chunks };
}

/** A host on one serial chain that logs the phases applied (name and step) and the chunks recorded. */
function fakeHost(engine: BatchEngine | null) {
  const phases: string[] = [];
  const recorded: number[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  const state = { engine, pacing: null as Pacing | null };
  const host: PacingHost = {
    exclusive: (fn) => {
      const run = chain.then(fn);
      chain = run.catch(() => {});
      return run;
    },
    engine: () => state.engine,
    record: (out) => recorded.push(out[0].steps),
    applyPhase: (ev: DoseEvent) => phases.push(`${ev.name} @${Math.round(state.pacing!.tS / DT)}`),
    changed: () => {},
    failed: (msg) => {
      throw new Error(msg);
    },
  };
  return { host, phases, recorded, state };
}

/** Baseline, then drug A from 12.3 ms (the grid step nearest: 12), drug B from 50 ms; the end at 80 ms. */
const PROTOCOL: ProtocolInfo = {
  id: 'test',
  title: 'test',
  doc: '',
  phases: [
    { name: 'baseline', startS: 0, doses: {} },
    { name: 'A', startS: 0.0123, doses: { fluoxetine: 10 } },
    { name: 'B', startS: 0.05, doses: { fluoxetine: 30 } },
  ],
  endS: 0.08,
};

function setup(o: { maxSpeed?: number; protocol?: ProtocolInfo | null } = {}) {
  const e = fakeEngine();
  const h = fakeHost(e.batch);
  const pacing = new Pacing({ sampleSteps: 10, chunkWallMs: 50, maxSpeed: o.maxSpeed ?? 0 }, h.host);
  h.state.pacing = pacing;
  pacing.reset(DT, o.protocol === undefined ? PROTOCOL : o.protocol);
  return { ...e, ...h, pacing };
}

/** The grid steps at which chunks ended, in order. */
const chunkEnds = (chunks: [number, number][]) => chunks.map(([from, n]) => from + n);

describe('a protocol on the worker clock', () => {
  test("lands each phase after the first at its grid step, no chunk runs across one, and a step stops at the protocol's end", async () => {
    const s = setup();
    await s.pacing.step(1);
    expect(s.phases).toEqual(['A @12', 'B @50']);
    expect(chunkEnds(s.chunks)).toEqual(expect.arrayContaining([12, 50, 80]));
    expect(s.chunks.every(([from, n]) => n > 0 && [12, 50, 80].every((b) => from >= b || from + n <= b))).toBe(true);
    expect(s.pacing.tS).toBeCloseTo(0.08, 12);
    expect(s.pacing.protocolDone).toBe(true);
    expect(s.recorded.reduce((a, n) => a + n, 0)).toBe(80);
  });

  test('running, it pauses itself at the end; started again, time runs on with no more phases', async () => {
    const s = setup();
    s.pacing.start();
    while (s.pacing.running) await new Promise((r) => setTimeout(r, 1));
    expect(s.pacing.tS).toBeCloseTo(0.08, 12);
    expect(s.pacing.protocolDone).toBe(true);
    await s.pacing.step(0.02);
    expect(s.pacing.tS).toBeCloseTo(0.1, 12);
    expect(s.phases).toEqual(['A @12', 'B @50']);
  });

  test('dropped mid-run, its later phases and its end no longer happen', async () => {
    const s = setup();
    await s.pacing.step(0.03);
    s.pacing.dropProtocol();
    await s.pacing.step(0.1);
    expect(s.phases).toEqual(['A @12']);
    expect(s.pacing.tS).toBeCloseTo(0.13, 12);
    expect(s.pacing.protocolDone).toBe(false);
  });

  test('a reset puts time back to 0 on the new engine, and the phases run again from the start', async () => {
    const s = setup();
    await s.pacing.step(0.06);
    const next = fakeEngine();
    s.state.engine = next.batch;
    s.pacing.reset(DT, PROTOCOL);
    expect(s.pacing.tS).toBe(0);
    await s.pacing.step(0.02);
    expect(s.phases).toEqual(['A @12', 'B @50', 'A @12']);
    expect(chunkEnds(next.chunks).at(-1)).toBe(20);
    expect(chunkEnds(s.chunks).at(-1)).toBe(60);
  });
});

describe('pacing', () => {
  test('without a protocol a step runs exactly its seconds, in chunks of whole samples', async () => {
    const s = setup({ protocol: null });
    await s.pacing.step(0.5);
    expect(s.pacing.tS).toBeCloseTo(0.5, 12);
    expect(s.chunks.every(([, n]) => n % 10 === 0)).toBe(true);
    expect(s.pacing.protocolDone).toBe(false);
  });

  test('the speed cap bounds each chunk (maxSpeed x chunkWallMs grid steps)', async () => {
    const s = setup({ protocol: null, maxSpeed: 1 });
    await s.pacing.step(0.3);
    expect(s.chunks.length).toBeGreaterThanOrEqual(6);
    expect(s.chunks.every(([, n]) => n <= 50 && n % 10 === 0)).toBe(true);
  });

  test('a step with no engine built returns at once', async () => {
    const h = fakeHost(null);
    const pacing = new Pacing({ sampleSteps: 10, chunkWallMs: 50, maxSpeed: 0 }, h.host);
    pacing.reset(DT, PROTOCOL);
    await pacing.step(1);
    expect(pacing.tS).toBe(0);
  });
});
