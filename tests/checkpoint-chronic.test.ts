/**
 * Checkpoints of a chronic course (src/checkpoint/chronic.ts): written after its slow steps through the
 * checkpoint folder and read back, a course resumed from any of them ends exactly as the course that never
 * stopped (every trajectory row, readout and per-cell d1A, bit for bit) on the CPU engine; from a CPU
 * checkpoint on WebGPU with the same spikes, the reductions (probe, mass sums) to float32 rounding; a checkpoint of another job or with a damaged field is refused naming the field.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chronicCheckpoint, chronicProgressOf } from '../src/checkpoint/chronic.js';
import type { Checkpoint } from '../src/checkpoint/format.js';
import { scenarioHash } from '../src/checkpoint/run-checkpoints.js';
import { CheckpointWriter, readCheckpoint } from '../src/checkpoint/store.js';
import { resolveEngine, type ResolvedEngine } from '../src/engines/create.js';
import { runChronic, type ChronicProgress, type ChronicRun } from '../src/experiment/chronic.js';
import { parseScenario, type Scenario } from '../src/model/scenario.js';
import { chronicCourse } from '../src/index.js';
import { ensureWorkerBundle } from './conformance/subjects.js';
import { gpuOrSkip } from './helpers/gpu.js';

let tmp = '';
let cpu: ResolvedEngine;
beforeAll(async () => {
  ensureWorkerBundle();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-ckc-'));
  cpu = await resolveEngine('cpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Two conditions of a small tissue, 3 days, the step chosen by the error estimate. */
const scenarios: Scenario[] = ['wt', 'htr2b-ko'].map((genotype) =>
  parseScenario({
    name: `${genotype}+fluoxetine`,
    genotype,
    neurons: 300,
    seed: 5,
    chronic: { drugs: { fluoxetine: 10 }, days: 3, slowStepH: 24, readoutDays: [0, 1, 3], settleS: 0.6, windowS: 0.3 },
  }),
);
const hash = scenarioHash(scenarios);
const where = 'test';
const shape = { names: scenarios.map((s) => s.name), nCells: 300, days: 3 };

/** Everything a course reports, as plain data (typed arrays as arrays): equal means bit for bit equal. */
const outcome = (runs: ChronicRun[]) =>
  runs.map((r) => ({
    steps: r.steps,
    readouts: r.readouts,
    d1A: [...r.d1AByDay].map(([day, d]) => [day, Array.from(d)]),
    vehicle: [r.vehicleTarget, r.vehicleTargetD2B],
  }));

/** Runs the course, writing a checkpoint after every slow step into its own folder; returns the folders. */
async function runSaving(): Promise<{ runs: ChronicRun[]; dirs: string[] }> {
  const dirs: string[] = [];
  const runs = await runChronic(scenarios, cpu, {
    checkpoint: {
      due: () => true,
      save: async (p: ChronicProgress) => {
        const dir = path.join(tmp, `step-${dirs.length}`);
        new CheckpointWriter(dir).write(chronicCheckpoint(p, hash));
        dirs.push(dir);
      },
    },
  });
  return { runs, dirs };
}

const resumeFrom = (dir: string) => chronicProgressOf(readCheckpoint(dir, where), where, shape);

describe('a chronic course resumed from its checkpoints', () => {
  let plain: ChronicRun[];
  let saving: { runs: ChronicRun[]; dirs: string[] };
  beforeAll(async () => {
    plain = await runChronic(scenarios, cpu);
    saving = await runSaving();
  }, 300_000);

  test('writing checkpoints changes nothing: the course that writes them ends as the one that does not', () => {
    expect(saving.dirs.length).toBe(plain[0].steps.length); // one after each slow time of the treatment
    expect(outcome(saving.runs)).toEqual(outcome(plain));
  });

  test('resumed from the first, a middle and the last checkpoint, the course ends bit for bit as without a stop', async () => {
    const picks = [0, Math.floor(saving.dirs.length / 2), saving.dirs.length - 1];
    for (const i of picks) {
      const resumed = await runChronic(scenarios, cpu, {
        checkpoint: { due: () => false, save: async () => {}, resume: resumeFrom(saving.dirs[i]) },
      });
      expect(outcome(resumed), `resumed from checkpoint ${i}`).toEqual(outcome(plain));
    }
  }, 300_000);

  test('a checkpoint of another job, or one with a damaged field, is refused naming the field', () => {
    const c: Checkpoint = readCheckpoint(saving.dirs[1], where);
    const bad = (meta: Record<string, unknown>) => () =>
      chronicProgressOf({ ...c, meta: { ...(c.meta as object), ...meta } }, where, shape);
    expect(bad({ kind: 'raphe-run' })).toThrow(/meta\.kind is not raphe-chronic-course/);
    expect(bad({ t: -1 })).toThrow(/meta\.t is not a finite number/);
    expect(bad({ beta: [0] })).toThrow(/meta\.beta is not an array of 2/);
    const slow = (c.meta as { slow: { d1A: { d: number[] } }[] }).slow;
    const nan = structuredClone(slow);
    nan[1].d1A.d[7] = Number.NaN;
    expect(bad({ slow: nan })).toThrow(/meta\.slow\[1\]\.d1A\.d\[7\] is not a finite number/);
    expect(() => chronicProgressOf(c, where, { ...shape, nCells: 200 })).toThrow(/is not an array of 200|hold 300 cells/);
  });

  test("the library's chronicCourse resumes from its checkpoint folder as the course that never stopped", async () => {
    const dir = path.join(tmp, 'lib');
    // the checkpoint written when the course was at its middle slow time stands in for a stopped course
    fs.cpSync(saving.dirs[Math.floor(saving.dirs.length / 2)], dir, { recursive: true });
    const resumed = await chronicCourse(scenarios, { engine: 'cpu', checkpoint: { dir, resume: true } });
    expect(outcome(resumed)).toEqual(outcome(plain));
    expect(fs.existsSync(dir), 'removed once the course ends').toBe(false);
  }, 300_000);

  test('a CPU checkpoint resumed on WebGPU ends as the CPU course: the same spikes, the rest to float32 rounding (software Vulkan)', async (ctx) => {
    const gpu = await gpuOrSkip();
    if (!gpu) return ctx.skip();
    const webgpu = await resolveEngine('webgpu');
    const resumed = await runChronic(scenarios, webgpu, {
      checkpoint: { due: () => false, save: async () => {}, resume: resumeFrom(saving.dirs[Math.floor(saving.dirs.length / 2)]) },
    });
    // the spikes are the same, so every rate is; the probe and mass sums are the finishing engine's own
    // reductions (float32 sums in another order), so what they feed agrees to rounding, not to the bit
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1e-3, Math.abs(a));
    for (let s = 0; s < plain.length; s++) {
      expect(resumed[s].steps.map((x) => x.rateHz)).toEqual(plain[s].steps.map((x) => x.rateHz));
      plain[s].steps.forEach((x, i) => {
        const y = resumed[s].steps[i];
        for (const k of ['meanD1A', 'meanD2B', 'probe5htNm', 'fractionDesensitised'] as const)
          expect(near(x[k], y[k]), `${k} at step ${i}`).toBe(true);
      });
      for (const [day, d] of plain[s].d1AByDay) {
        const e = resumed[s].d1AByDay.get(day)!;
        for (let i = 0; i < d.length; i++) expect(Math.abs(d[i] - e[i])).toBeLessThan(1e-6);
      }
    }
  }, 300_000);
});
