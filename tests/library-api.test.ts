/**
 * The library's API from the sources (src/index.ts): a run cancelled by its AbortSignal rejects with an
 * AbortError and nothing else, a bad scenario is refused with the CLI's one-line ConfigError, and each
 * job refuses the other kind of scenario. The installed package: tests/library-pack.test.ts.
 */
import { describe, expect, test } from 'vitest';
import {
  AbortError,
  ConfigError,
  isAbortError,
  run,
  runMany,
  chronicCourse,
  chronicSsri,
  belmer2018,
  defaultParams,
  scenario,
} from '../src/index.js';

const tiny = { name: 'tiny', neurons: 200, seed: 1, c0_nM: 25, protocol: [{ name: 'baseline', durationS: 0.5 }] };

describe('cancellation', () => {
  test('a run whose signal is aborted after its first chunk rejects with an AbortError carrying the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    let chunks = 0;
    const done = run(tiny, {
      engine: 'cpu',
      threads: 1,
      chunkSteps: 50,
      signal: controller.signal,
      onProgress: () => {
        chunks++;
        controller.abort(reason);
      },
    });
    const e = await done.then(
      () => null,
      (x: unknown) => x,
    );
    expect(isAbortError(e)).toBe(true);
    expect(e).toBeInstanceOf(AbortError);
    expect((e as Error).cause).toBe(reason);
    expect(chunks).toBe(1);
  });

  test('a run given an already aborted signal starts nothing', async () => {
    let progress = 0;
    await expect(run(tiny, { engine: 'cpu', signal: AbortSignal.abort(), onProgress: () => progress++ })).rejects.toThrow(/aborted/);
    expect(progress).toBe(0);
  });

  test('a run not aborted completes, its progress ending at 1', async () => {
    let last = 0;
    const r = await run(tiny, { engine: 'cpu', threads: 1, signal: new AbortController().signal, onProgress: (f) => (last = f) });
    expect(r.summary.complete).toBe(true);
    expect(r.traces.tS).toBeInstanceOf(Float64Array);
    expect(last).toBe(1);
  });
});

describe('bad input', () => {
  test('a scenario with an unknown field is refused naming it, before any engine starts', () => {
    expect(() => scenario({ ...tiny, nuerons: 3 })).toThrow(ConfigError);
    expect(() => scenario({ ...tiny, nuerons: 3 })).toThrow(/nuerons/);
  });

  test('an engine that does not exist is refused naming the option', async () => {
    await expect(run(tiny, { engine: 'gpu' as never })).rejects.toThrow(/engine: must be auto, cpu or webgpu/);
  });

  test("the experiments refuse a parameter or a size's grid out of range, naming it, before any engine starts", async () => {
    const engine = 'gpu' as never; // never reached: the check comes first
    await expect(chronicSsri({ engine, size: { voxel_um: -5 } })).rejects.toThrow(/^size\.voxel_um: must be >= 1 and <= 1000 µm, got -5$/);
    await expect(chronicSsri({ engine, size: { voxel_um: Number.NaN } })).rejects.toThrow(ConfigError);
    // in range, but too fine for the diffusion step's stability bound (model/scenario.ts checkModelConsistency)
    await expect(chronicSsri({ engine, size: { voxel_um: 1 } })).rejects.toThrow(
      /^size\.voxel_um: grid step breaks the diffusion stability bound/,
    );
    await expect(chronicSsri({ engine, params: { ...defaultParams(), g1A_nS: -1 } })).rejects.toThrow(/^params\.g1A_nS: must be >= 0/);
    await expect(belmer2018({ engine, params: { ...defaultParams(), K2B_nM: 0 } })).rejects.toThrow(/^params\.K2B_nM/);
    await expect(chronicSsri({ engine, neurons: -1 })).rejects.toThrow(/^neurons: must be >= 1/);
    await expect(belmer2018({ engine, neurons: 0.5 })).rejects.toThrow(/^neurons: must be an integer/);
    await expect(belmer2018({ engine, seed: -1 })).rejects.toThrow(/^seed: /);
    await expect(chronicSsri({ engine, size: { windowS: -1 } })).rejects.toThrow(/^size\.windowS: /);
    await expect(chronicSsri({ engine, size: { slowStepH: 0 } })).rejects.toThrow(/^size\.slowStepH: /);
    await expect(chronicSsri({ engine, size: { dpatS: 0.01 } })).rejects.toThrow(/^size\.dpatS: must be >= 0\.12 /);
  });

  test('run refuses a chronic scenario and chronicCourse a plain one, each naming the other', async () => {
    const chronic = { name: 'c', neurons: 200, chronic: { drugs: { fluoxetine: 10 }, days: 1, slowStepH: 24, readoutDays: [0, 1] } };
    await expect(runMany([chronic])).rejects.toThrow(/chronicCourse/);
    await expect(chronicCourse([tiny])).rejects.toThrow(/run\(\)/);
  });
});
