/**
 * `raphe experiment belmer2018 --seeds K`: a bad K is refused before any work (one line naming the
 * flag and its range, exit 2, nothing written), and the memory check counts every seed's runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { checkSeedsMemory } from '../src/cli/args.js';
import { conditionScenarios } from '../src/experiment/belmer2018.js';
import { ConfigError } from '../src/model/errors.js';
import { cliSandbox } from './helpers/cli-sandbox.js';

const box = cliSandbox('raphe-seeds-cli-');

describe('--seeds is a whole number from 1 to 64', () => {
  test.each([['0'], ['65'], ['2.5'], ['three'], ['-1']])(
    '--seeds %s: one line naming --seeds and its range, exit 2, nothing written',
    async (k) => {
      const out = path.join(box.tmp, `out-${k}`);
      const r = await box.raphe(['experiment', 'belmer2018', '--seeds', k, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^raphe: --seeds: .*>= 1 and <= 64/);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(box.tmp)).toEqual([]);
    },
  );

  test('chronic-ssri takes --seeds with the same range', async () => {
    const out = path.join(box.tmp, 'out-chronic');
    const r = await box.raphe(['experiment', 'chronic-ssri', '--quick', '--seeds', '65', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^raphe: --seeds: .*>= 1 and <= 64, got 65\n$/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('seeds that run past the largest seed are refused, naming --seeds', async () => {
    // a later flag that is refused too: were --seeds let through, that refusal would end the command instead
    const r = await box.raphe(['experiment', 'belmer2018', '--seed', String(2 ** 53 - 2), '--seeds', '3', '--engine', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'raphe: --seeds: 3 seeds from --seed 9007199254740990 run past the largest seed 9007199254740991; at most 2 from there\n',
    );
  });
});

describe('the memory check counts the seeds', () => {
  const saved = process.env.RAPHE_MEMORY_BYTES;
  afterEach(() => {
    if (saved === undefined) delete process.env.RAPHE_MEMORY_BYTES;
    else process.env.RAPHE_MEMORY_BYTES = saved;
  });
  const runs = conditionScenarios({ neurons: 9000, seed: 1 });

  test('a budget that holds two seeds of the experiment refuses 64, naming --seeds and the estimate', () => {
    process.env.RAPHE_MEMORY_BYTES = String(16e9);
    expect(() => checkSeedsMemory(runs, 2)).not.toThrow();
    let err: unknown;
    try {
      checkSeedsMemory(runs, 64);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('--seeds');
    expect((err as ConfigError).message).toMatch(
      /64 seeds of 23 runs need about [\d.]+ GB of memory at once, more than RAPHE_MEMORY_BYTES/,
    );
  });

  test('one seed adds no check of its own (the conditions are checked as without --seeds)', () => {
    process.env.RAPHE_MEMORY_BYTES = '1';
    expect(() => checkSeedsMemory(runs, 1)).not.toThrow();
  });
});
