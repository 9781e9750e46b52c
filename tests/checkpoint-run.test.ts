/**
 * Checkpoints of runs, in this process: a run writing a checkpoint after every chunk gives the result of
 * a run writing none, and resumed from any of its checkpoints (in a phase, at a phase's end, in a last
 * phase that ends once settled) gives that result again, every array and number bit for bit (the wall
 * time apart). The library's `run` writes one when its signal aborts and continues from it with
 * `resume`. The checkpoint folder reads back what was written, and refuses a torn, damaged or foreign one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BatchProgress, Checkpoint } from '../src/checkpoint/format.js';
import { RunCheckpoints, scenarioHash } from '../src/checkpoint/run-checkpoints.js';
import { CheckpointWriter, readCheckpoint } from '../src/checkpoint/store.js';
import { resolveEngine, type ResolvedEngine } from '../src/engines/create.js';
import { runScenario, type RunOptions } from '../src/experiment/run-scenario.js';
import { parseScenario, type Scenario } from '../src/model/scenario.js';
import type { RunResult } from '../src/record/run-result.js';
import { isAbortError, run, runMany } from '../src/index.js';
import { ensureWorkerBundle } from './conformance/subjects.js';

let tmp = '';
let engine: ResolvedEngine;
beforeAll(async () => {
  ensureWorkerBundle();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-ckpt-'));
  engine = await resolveEngine('cpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const FILE = {
  name: 'ck',
  neurons: 300,
  seed: 4,
  protocol: [
    { name: 'baseline', durationS: 0.6 },
    { name: 'ssri', durationS: 0.9, drugs: { fluoxetine: 10 } },
  ],
};
const sc: Scenario = parseScenario(FILE);
const CHUNK = 250;

/** `v` with its typed arrays as plain arrays (to compare with toEqual: every value, bit for bit). */
const plain = (v: unknown): unknown =>
  ArrayBuffer.isView(v)
    ? Array.from(v as Float64Array)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
      : v;

/** Everything a result holds but its wall time. */
function comparable(r: RunResult): unknown {
  const { wallSeconds: _, ...summary } = r.summary;
  return plain({ ...r, summary });
}

/** A run that writes a checkpoint after every chunk into `dir`, and each checkpoint as read back right after. */
async function runKeepingCheckpoints(dir: string, o: RunOptions = {}) {
  const ck = new RunCheckpoints(dir, scenarioHash([sc]), 0);
  const hooks = ck.hooks();
  const saved: Checkpoint[] = [];
  const result = await runScenario(sc, engine, {
    chunkSteps: CHUNK,
    ...o,
    checkpoint: {
      due: hooks.due,
      save: async (p: BatchProgress) => {
        await hooks.save(p);
        saved.push(readCheckpoint(dir, 'test'));
      },
    },
  });
  ck.disarm();
  return { result, saved };
}

describe('a run resumed from its checkpoints', () => {
  test('writing a checkpoint after every chunk leaves the result as a run without any, and each resume gives it again', async () => {
    const plainRun = await runScenario(sc, engine, { chunkSteps: CHUNK });
    const { result, saved } = await runKeepingCheckpoints(path.join(tmp, 'every-chunk'));
    expect(comparable(result)).toEqual(comparable(plainRun));
    // 600 + 900 grid steps in chunks of 250: 3 chunks, then 4
    expect(saved.map((c) => [c.progress.phase, c.progress.stepInPhase])).toEqual([
      [0, 250],
      [0, 500],
      [0, 600],
      [1, 250],
      [1, 500],
      [1, 750],
      [1, 900],
    ]);
    for (const c of saved) {
      const resumed = await runScenario(sc, engine, { chunkSteps: CHUNK, resume: c.progress });
      expect(comparable(resumed), `resumed at phase ${c.progress.phase}, step ${c.progress.stepInPhase}`).toEqual(comparable(plainRun));
    }
  });

  test('a last phase that ends once settled ends at the same step after a resume in it', async () => {
    const settle = { minFraction: () => 0.3 };
    const plainRun = await runScenario(sc, engine, { chunkSteps: CHUNK, settle });
    const { saved } = await runKeepingCheckpoints(path.join(tmp, 'settle'), { settle });
    const inLast = saved.filter((c) => c.progress.phase === 1);
    expect(inLast.length).toBeGreaterThan(0);
    for (const c of inLast) {
      const resumed = await runScenario(sc, engine, { chunkSteps: CHUNK, settle, resume: c.progress });
      expect(comparable(resumed)).toEqual(comparable(plainRun));
    }
  });

  test("the library's run writes a checkpoint when its signal aborts and continues from it with resume", async () => {
    const dir = path.join(tmp, 'library');
    const opts = { engine: 'cpu' as const, threads: 1, chunkSteps: CHUNK };
    const plainRun = await run(FILE, opts);
    const controller = new AbortController();
    let chunks = 0;
    const stopped = await run(FILE, {
      ...opts,
      checkpoint: { dir },
      signal: controller.signal,
      onProgress: () => {
        if (++chunks === 4) controller.abort(new Error('stop'));
      },
    }).catch((e: unknown) => e);
    expect(isAbortError(stopped)).toBe(true);
    expect(readCheckpoint(dir, 'test').progress).toMatchObject({ phase: 1, stepInPhase: 250 });
    const resumed = await run(FILE, { ...opts, checkpoint: { dir, resume: true } });
    expect(comparable(resumed)).toEqual(comparable(plainRun));
    expect(fs.existsSync(dir), 'the checkpoint is removed once the run ends').toBe(false);
  });

  test("a progress that does not fit the runs (another tissue's state, other recording settings, a position past the phases) is refused", async () => {
    const { saved } = await runKeepingCheckpoints(path.join(tmp, 'misfit'));
    const p = saved[3].progress;
    const spoilt = (f: (q: BatchProgress) => void) => {
      const q = structuredClone(p);
      f(q);
      return runScenario(sc, engine, { chunkSteps: CHUNK, resume: q });
    };
    await expect(
      spoilt((q) => {
        q.sims[0].state.V = q.sims[0].state.V.slice(1);
      }),
    ).rejects.toThrow(/resume: run 0: initial state: V has 299 values for 300 cells \(not this scenario's tissue\)/);
    await expect(
      spoilt((q) => {
        delete q.sims[0].records[1].spikes;
      }),
    ).rejects.toThrow(/resume: run 0, record batch 1: spikes not recorded, unlike the scenario/);
    await expect(
      spoilt((q) => {
        q.phase = 2;
      }),
    ).rejects.toThrow(/position \(phase 2, step 250 of it\) is not one of these phases/);
  });

  test('scenarios that run as more than one batch are refused checkpoints', async () => {
    const other = { ...FILE, name: 'other', neurons: 200 };
    await expect(runMany([FILE, other], { engine: 'cpu', threads: 1, checkpoint: { dir: path.join(tmp, 'two') } })).rejects.toThrow(
      /checkpoint: these scenarios run as 2 batches/,
    );
  });

  test('a checkpoint of another scenario is refused', async () => {
    const dir = path.join(tmp, 'other');
    await runKeepingCheckpoints(dir);
    await expect(run({ ...FILE, seed: 5 }, { engine: 'cpu', threads: 1, checkpoint: { dir, resume: true } })).rejects.toThrow(
      /another scenario/,
    );
  });
});

describe('the checkpoint folder', () => {
  async function oneCheckpoint(name: string): Promise<string> {
    const dir = path.join(tmp, name);
    const { saved } = await runKeepingCheckpoints(dir);
    expect(saved.length).toBeGreaterThan(0);
    return dir;
  }
  const header = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8'));
  const spoilHeader = (dir: string, f: (h: Record<string, unknown>) => void) => {
    const h = header(dir);
    f(h);
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify(h));
  };

  test('keeps only the latest generation, and reads back its states and records exactly', async () => {
    const dir = await oneCheckpoint('latest');
    const h = header(dir);
    expect(h.generation).toBe(6);
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint.json', 'g6-s0-samples.bin', 'g6-s0-spikes.bin', 'g6-s0-state.bin']);
    const c = readCheckpoint(dir, 'test');
    const again = path.join(tmp, 'rewritten');
    new CheckpointWriter(again).write(c);
    const d = readCheckpoint(again, 'test');
    expect(plain(d)).toEqual(plain(c));
    expect(d.progress.sims[0].state.step).toBe(1500);
  });

  test('a write killed before its header was renamed leaves the checkpoint before it, and the next write clears the leftovers', async () => {
    const dir = await oneCheckpoint('killed-write');
    const before = readCheckpoint(dir, 'test');
    fs.writeFileSync(path.join(dir, 'g7-s0-state.bin'), 'partial');
    fs.writeFileSync(path.join(dir, 'checkpoint.json.tmp'), '{"format":');
    expect(readCheckpoint(dir, 'test').progress.stepInPhase).toBe(before.progress.stepInPhase);
    const w = new CheckpointWriter(dir);
    w.write(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint.json', 'g8-s0-samples.bin', 'g8-s0-spikes.bin', 'g8-s0-state.bin']);
  });

  test('a missing, short or changed file is refused naming it', async () => {
    const dir = await oneCheckpoint('torn');
    const state = path.join(dir, 'g6-s0-state.bin');
    const bytes = fs.readFileSync(state);
    fs.writeFileSync(state, bytes.subarray(0, 100));
    expect(() => readCheckpoint(dir, '--resume x')).toThrow(/--resume x: g6-s0-state.bin is 100 bytes, not \d+: a torn checkpoint/);
    bytes[1234] ^= 1;
    fs.writeFileSync(state, bytes);
    expect(() => readCheckpoint(dir, 'x')).toThrow(/g6-s0-state.bin does not match its SHA-256/);
    fs.rmSync(state);
    expect(() => readCheckpoint(dir, 'x')).toThrow(/cannot read g6-s0-state.bin \(ENOENT\)/);
  });

  test('a header cut short, of another format or version, or naming a file outside the folder is refused', async () => {
    const dir = await oneCheckpoint('foreign');
    const text = fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), text.slice(0, 200));
    expect(() => readCheckpoint(dir, 'x')).toThrow(/checkpoint.json is not JSON/);
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), text);
    spoilHeader(dir, (h) => {
      h.format = 'something-else';
    });
    expect(() => readCheckpoint(dir, 'x')).toThrow(/not a raphe checkpoint/);
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), text);
    spoilHeader(dir, (h) => {
      h.version = 99;
    });
    expect(() => readCheckpoint(dir, 'x')).toThrow(/this raphe reads version 1/);
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), text);
    spoilHeader(dir, (h) => {
      (h.sims as { files: { state: { name: string } } }[])[0].files.state.name = '../../etc/passwd';
    });
    expect(() => readCheckpoint(dir, 'x')).toThrow(/sims\[0\].files.state.name is not a checkpoint file name/);
  });

  test('record batches out of order, or not ending at the state, are refused', async () => {
    const dir = await oneCheckpoint('order');
    spoilHeader(dir, (h) => {
      (h.sims as { batches: { firstStep: number }[] }[])[0].batches[2].firstStep = 7;
    });
    expect(() => readCheckpoint(dir, 'x')).toThrow(/batches\[2\].firstStep is 7; the batch before ended at 500/);
    spoilHeader(dir, (h) => {
      (h.sims as { batches: { firstStep: number }[]; step: number }[])[0].batches[2].firstStep = 500;
      (h.sims as { step: number }[])[0].step = 1499;
    });
    expect(() => readCheckpoint(dir, 'x')).toThrow(/sims\[0\].step is 1499; the record batches end at 1500/);
  });
});
