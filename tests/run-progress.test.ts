/**
 * Progress before the runs: the steady-state starts are reported one by one as they are estimated (the
 * part of a short sweep or experiment that used to show no progress at all), through the cache as well.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runScenarios } from '../src/experiment/run-scenario.js';
import { nodeCpuProvider } from '../src/engines/node.js';
import { resolveEngine } from '../src/engines/create.js';
import { parseScenario } from '../src/model/scenario.js';

const small = { regionX_um: 300, regionY_um: 240, regionZ_um: 200 };
const sc = (fluoxetine: number) =>
  parseScenario({ neurons: 150, seed: 5, params: small, protocol: [{ durationS: 0.2, drugs: { fluoxetine } }] });

test('every steady-state start is reported as it is estimated, before the first chunk runs', async () => {
  const engine = await resolveEngine('cpu');
  const events: string[] = [];
  await runScenarios([sc(0), sc(3), sc(10)], engine, {
    onEstimate: (done, total) => events.push(`e${done}/${total}`),
    onProgress: () => events.push('run'),
  });
  expect(events.slice(0, 4)).toEqual(['e0/3', 'e1/3', 'e2/3', 'e3/3']);
  expect(events.slice(4).every((e) => e === 'run')).toBe(true);
  expect(events.length).toBeGreaterThan(4);
});

test('through the threaded, cached estimator: cached and repeated starts count at once, fresh ones as they finish', async () => {
  const prev = { dir: process.env.RAPHE_CACHE_DIR, on: process.env.RAPHE_CACHE };
  process.env.RAPHE_CACHE_DIR = mkdtempSync(join(tmpdir(), 'raphe-progress-'));
  process.env.RAPHE_CACHE = '1';
  try {
    const engine = await resolveEngine('cpu', () => {}, { cpu: nodeCpuProvider(2) });
    const counts: number[][] = [];
    // two equal scenarios share one estimate
    await runScenarios([sc(0), sc(0), sc(10)], engine, { onEstimate: (d, t) => counts.push([d, t]) });
    expect(counts).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    counts.length = 0;
    await runScenarios([sc(0), sc(10)], engine, { onEstimate: (d, t) => counts.push([d, t]) });
    expect(counts).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
  } finally {
    if (prev.dir === undefined) delete process.env.RAPHE_CACHE_DIR;
    else process.env.RAPHE_CACHE_DIR = prev.dir;
    process.env.RAPHE_CACHE = prev.on ?? '0';
  }
});
