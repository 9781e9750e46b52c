/**
 * The clock (src/clock/): what runs when. A scripted engine records every call, so each test reads the
 * chunks the clock asked for, the steps at which doses changed and where an advance stopped.
 */
import { describe, expect, test } from 'vitest';
import { Clock, nextChunk, SyncClock } from '../src/clock/clock.js';
import { phaseEvents, phaseSteps, Schedule, startDoses, timedEvents } from '../src/clock/schedule.js';
import { emptySamples, type BatchEngine, type RecordBatch } from '../src/engines/engine.js';
import type { DrugDoses } from '../src/model/drugs.js';

const DT = 0.001;
const SAMPLE = 10;

/** The probe a scripted sim reads at grid step `step` (end of a sample window). */
type Probe = (step: number, sim: number) => number;

/** A batch whose probe follows `probe`; it logs each advance and each dose change with its step. */
function scripted(nSims: number, probe: Probe) {
  const log: string[] = [];
  let step = 0;
  const record = (sim: number, from: number, n: number): RecordBatch => {
    const ends: number[] = [];
    for (let s = from + 1; s <= from + n; s++) if (s % SAMPLE === 0) ends.push(s);
    const samples = emptySamples(ends.length);
    ends.forEach((s, i) => {
      samples.step[i] = s;
      samples.probe[i] = probe(s, sim);
    });
    return { firstStep: from, steps: n, spikeCount: 0, samples, mass: { released: 0, uptaken: 0, cleared: 0, gridStart: 0, gridEnd: 0 } };
  };
  const batch = {
    info: { engine: 'cpu', adapter: 'scripted' },
    nSims,
    setDoses: (sim: number, doses: DrugDoses) => log.push(`doses ${sim} ${JSON.stringify(doses)} @${step}`),
    advance: async (n: number) => {
      log.push(`advance ${n}`);
      const out = Array.from({ length: nSims }, (_, s) => record(s, step, n));
      step += n;
      return out;
    },
  } as unknown as BatchEngine;
  return { batch, log, advances: () => log.filter((l) => l.startsWith('advance')).map((l) => Number(l.split(' ')[1])) };
}

const flat: Probe = () => 20;
/** 20 nM rising 10% per second: never settled (over 2% across any last quarter of 1 s or more). */
const rising: Probe = (step) => 20 * (1 + 0.1 * step * DT);

describe('advance', () => {
  test('runs exactly the steps asked, in chunks of at most chunkSteps', async () => {
    const e = scripted(1, flat);
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 300 });
    const r = await clock.advance(1000);
    expect(e.advances()).toEqual([300, 300, 300, 100]);
    expect(r.steps).toBe(1000);
    expect(clock.step).toBe(1000);
    expect(r.records[0].map((b) => b.firstStep)).toEqual([0, 300, 600, 900]);
  });

  test('reports each chunk as it is run', async () => {
    const e = scripted(2, flat);
    const seen: string[] = [];
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 400, onChunk: (out, n) => seen.push(`${out.length}x${n}`) });
    await clock.advance(900);
    expect(seen).toEqual(['2x400', '2x400', '2x100']);
  });
});

describe('dose events', () => {
  test('are applied at their step, before the chunk that starts there, and no chunk runs across one', async () => {
    const e = scripted(2, flat);
    const schedule = [
      { step: 250, sim: 1, doses: { fluoxetine: 10 } },
      { step: 0, doses: {} },
      { step: 700, doses: { '8-oh-dpat': 3 } },
    ];
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 200, schedule });
    await clock.advance(900);
    expect(e.log).toEqual([
      'doses 0 {} @0',
      'doses 1 {} @0',
      'advance 200',
      'advance 50',
      'doses 1 {"fluoxetine":10} @250',
      'advance 200',
      'advance 200',
      'advance 50',
      'doses 0 {"8-oh-dpat":3} @700',
      'doses 1 {"8-oh-dpat":3} @700',
      'advance 200',
    ]);
  });

  test('an event at the end of an advance is applied then, before the next advance', async () => {
    const e = scripted(1, flat);
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 1000, schedule: [{ step: 500, doses: { fluoxetine: 1 } }] });
    await clock.advance(500);
    expect(e.log).toEqual(['advance 500', 'doses 0 {"fluoxetine":1} @500']);
  });

  test('one chunk of a paced loop ends at the next event', async () => {
    const e = scripted(1, flat);
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 1000, schedule: [{ step: 120, doses: { fluoxetine: 1 } }] });
    expect(clock.stepsToEvent()).toBe(120);
    await clock.chunk(500);
    await clock.chunk(500);
    expect(e.advances()).toEqual([120, 500]);
    expect(clock.stepsToEvent()).toBe(Infinity);
  });

  test("a scenario's phases become one event per phase start, per simulation", () => {
    const phases = [
      { name: 'baseline', durationS: 1.2, doses: {} },
      { name: 'ssri', durationS: 2, doses: { fluoxetine: 10 } },
    ];
    const steps = phaseSteps(phases, DT);
    expect(steps).toEqual([1200, 2000]);
    const events = phaseEvents(phases, steps, 3);
    expect(events).toEqual([
      { step: 0, sim: 3, doses: {}, name: 'baseline' },
      { step: 1200, sim: 3, doses: { fluoxetine: 10 }, name: 'ssri' },
    ]);
    expect(startDoses(phaseEvents(phases.slice().reverse(), [2000, 1200]))).toEqual({ fluoxetine: 10 });
  });

  test("a protocol's phases given by start times become events at the nearest grid step", () => {
    const phases = [
      { name: 'baseline', startS: 0, doses: {} },
      { name: 'ssri', startS: 1.2344, doses: { fluoxetine: 10 } },
    ];
    expect(timedEvents(phases, DT)).toEqual([
      { step: 0, doses: {}, name: 'baseline' },
      { step: 1234, doses: { fluoxetine: 10 }, name: 'ssri' },
    ]);
  });

  test('a schedule refuses an event off the grid', () => {
    expect(() => new Schedule([{ step: 1.5, doses: {} }])).toThrow(/not a grid step/);
    expect(() => new Schedule([{ step: -1, doses: {} }])).toThrow(/not a grid step/);
  });
});

describe('advance until settled', () => {
  test('stops as soon as it is settled once minSteps have run', async () => {
    const e = scripted(1, flat);
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 100 });
    const r = await clock.advanceUntilSettled({ minSteps: 300, maxSteps: 5000 });
    expect(r).toMatchObject({ steps: 300, settled: true });
  });

  test('never stops before minSteps, and a chunk ends at minSteps', async () => {
    const e = scripted(1, flat);
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 400 });
    const r = await clock.advanceUntilSettled({ minSteps: 1000, maxSteps: 5000 });
    expect(e.advances()).toEqual([400, 400, 200]);
    expect(r.steps).toBe(1000);
  });

  test('stops at maxSteps when it never settles', async () => {
    const e = scripted(1, rising);
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 500 });
    const r = await clock.advanceUntilSettled({ minSteps: 1000, maxSteps: 3200 });
    expect(r).toMatchObject({ steps: 3200, settled: false });
    expect(e.advances()).toEqual([500, 500, 500, 500, 500, 500, 200]);
  });

  test('waits for every simulation of the batch', async () => {
    // sim 0 is flat; sim 1 rises from 20 to 100 nM over the first 2 s, then holds
    const e = scripted(2, (step, sim) => (sim === 0 ? 20 : 20 * (1 + 4 * Math.min(step, 2000) * DT)));
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 500 });
    const r = await clock.advanceUntilSettled({ minSteps: 500, maxSteps: 20000 });
    // sim 0 alone is settled at 500 steps; sim 1 once the rise has (nearly) left the last quarter of its samples
    expect(r).toMatchObject({ steps: 3000, settled: true });
  });

  test('reads the window from fromS when given (a phase timed from its start)', async () => {
    // 40 nM until 2.2 s, 20 after; a phase that started at 1.9 s and has run 0.5 s: the last quarter
    // of the phase (2.275-2.4 s) is flat, the last quarter of the clock's 2.4 s (1.8-2.4 s) holds the drop
    const probe: Probe = (step) => (step > 2200 ? 20 : 40);
    const run = async (fromS: number) => {
      const clock = new Clock(scripted(1, probe).batch, { dtS: DT, chunkSteps: 500 });
      await clock.advance(1900);
      return clock.advanceUntilSettled({ minSteps: 500, maxSteps: 1000, fromS });
    };
    expect(await run(1.9)).toMatchObject({ steps: 500, settled: true });
    expect(await run(0)).toMatchObject({ steps: 1000, settled: false });
  });

  test('a larger tolerance settles a drift the default does not', async () => {
    const slow: Probe = (step) => 20 * (1 + 0.05 * step * DT); // about 4% across the last quarter of 4 s
    const strict = await new Clock(scripted(1, slow).batch, { dtS: DT, chunkSteps: 1000 }).advanceUntilSettled({
      minSteps: 4000,
      maxSteps: 8000,
    });
    const loose = await new Clock(scripted(1, slow).batch, { dtS: DT, chunkSteps: 1000 }).advanceUntilSettled({
      minSteps: 4000,
      maxSteps: 8000,
      tolerance: 0.5,
    });
    expect(strict.steps).toBe(8000);
    expect(loose.steps).toBe(4000);
  });
});

describe('one rule of what runs when', () => {
  test('nextChunk asks the settling rule only between minSteps and maxSteps', () => {
    let asked = 0;
    const settled = () => {
      asked++;
      return false;
    };
    const plan = { minSteps: 300, maxSteps: 1000, chunkSteps: 250 };
    expect(nextChunk(0, plan, Infinity, settled)).toBe(250);
    expect(nextChunk(250, plan, Infinity, settled)).toBe(50);
    expect(asked).toBe(0);
    expect(nextChunk(300, plan, Infinity, settled)).toBe(250);
    expect(nextChunk(300, plan, 40, settled)).toBe(40);
    expect(asked).toBe(2);
    expect(nextChunk(1000, plan, Infinity, settled)).toBe(0);
    expect(asked).toBe(2);
  });

  test('the synchronous clock runs the same chunks and dose changes as the batch clock', async () => {
    const schedule = [{ step: 130, doses: { fluoxetine: 3 } }];
    const e = scripted(1, flat);
    await new Clock(e.batch, { dtS: DT, chunkSteps: 100, schedule }).advance(450);
    const log: string[] = [];
    let step = 0;
    const sync = new SyncClock(
      {
        advanceSync: (n) => {
          log.push(`advance ${n}`);
          step += n;
          return {
            firstStep: step - n,
            steps: n,
            spikeCount: 0,
            samples: emptySamples(0),
            mass: { released: 0, uptaken: 0, cleared: 0, gridStart: 0, gridEnd: 0 },
          };
        },
        setDoses: (d) => log.push(`doses 0 ${JSON.stringify(d)} @${step}`),
      },
      { dtS: DT, chunkSteps: 100, schedule },
    );
    const out = sync.advance(450);
    expect(log).toEqual(e.log);
    expect(out.map((b) => b.steps)).toEqual([100, 30, 100, 100, 100, 20]);
  });
});

describe('a schedule changed mid-run (the demo)', () => {
  test('new events replace those to come, and past ones are dropped', async () => {
    const e = scripted(1, flat);
    const clock = new Clock(e.batch, { dtS: DT, chunkSteps: 1000, schedule: [{ step: 800, doses: { fluoxetine: 1 } }] });
    await clock.advance(300);
    clock.setSchedule([
      { step: 100, doses: { fluoxetine: 5 } },
      { step: 400, doses: { bw723c86: 100 } },
    ]);
    await clock.advance(700);
    expect(e.log).toEqual(['advance 300', 'advance 100', 'doses 0 {"bw723c86":100} @400', 'advance 600']);
  });

  test('a caller may apply the events itself, choosing the targets when they come', async () => {
    const e = scripted(3, flat);
    const applied: string[] = [];
    const clock = new Clock(e.batch, {
      dtS: DT,
      chunkSteps: 1000,
      schedule: [{ step: 50, doses: { fluoxetine: 1 }, name: 'ssri' }],
      apply: (ev) => applied.push(`${ev.name} @${clock.step}`),
    });
    await clock.advance(100);
    expect(applied).toEqual(['ssri @50']);
    expect(e.log).toEqual(['advance 50', 'advance 50']);
  });
});
