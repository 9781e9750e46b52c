/**
 * The WebGPU batch's idle wait (src/engines/webgpu/idle-wait.ts): where waiting on the GPU would poll
 * (dawn.node), it sleeps through most of the time it expects, learns the time per grid step from an
 * advance that still had to wait, and lowers its expectation after one whose results were there at once.
 */
import { describe, expect, test } from 'vitest';
import { IdleWait, MIN_STEPS, PROBE_DOWN, SLEEP_SHARE, WAITED_MS } from '../src/engines/webgpu/idle-wait.js';

describe('idle wait', () => {
  test('an advance that still had to wait teaches its wall time per grid step', () => {
    const w = new IdleWait(true);
    w.learn(1000, 1080, 20, 1100); // 100 ms for 20 steps, 20 ms of it waiting
    expect(w.expectedMsPerStep).toBe(5);
    w.learn(2000, 2030, 20, 2060); // slower now: 60 ms, 30 of them waiting
    expect(w.expectedMsPerStep).toBe(3);
  });

  test('results that were there at once cut the expectation, so an over-long sleep is found', () => {
    const w = new IdleWait(true);
    w.learn(0, 50, 10, 100);
    w.learn(200, 285, 10, 285 + WAITED_MS / 2);
    expect(w.expectedMsPerStep).toBeCloseTo(10 * PROBE_DOWN, 12);
  });

  test('short advances neither teach nor sleep, and a disabled wait never sleeps', async () => {
    const w = new IdleWait(true);
    w.learn(0, 10, MIN_STEPS - 1, 100);
    expect(w.expectedMsPerStep).toBe(0);
    const off = new IdleWait(false);
    off.learn(0, 10, 100, 1000);
    expect(off.expectedMsPerStep).toBe(0);
    const t = performance.now();
    await off.sleep(t, 1000);
    await w.sleep(t, 1000);
    expect(performance.now() - t).toBeLessThan(50);
  });

  test('it sleeps a share of the expected time, counted from the submit', async () => {
    const w = new IdleWait(true);
    w.learn(0, 10, 10, 40); // 4 ms a step
    const t0 = performance.now();
    const tAsk = await w.sleep(t0, 20); // expects 80 ms: sleeps until t0 + 68 ms
    expect(tAsk - t0).toBeGreaterThanOrEqual(SLEEP_SHARE * 80 - 2);
    // an advance submitted long ago is not slept for
    const late = performance.now();
    await w.sleep(late - 1000, 20);
    expect(performance.now() - late).toBeLessThan(50);
  });
});
