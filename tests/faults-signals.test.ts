/**
 * Long work yields to signals: a run of 10^6 cells spends most of its first seconds in CPU work (the
 * model, the steady-state estimate, the engine's initial state); Ctrl-C or SIGTERM in the middle of
 * it ends raphe within about a second, with its usual one line and exit code. The model is built in
 * chunks with turns of the event loop between them (model/steps.ts), and an engine's start-up leaves
 * the event loop free (the initial state of 2 million cells is computed on a worker thread).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateSnapshot } from '../src/engines/engine.js';
import { warmUpSteps } from '../src/engines/initial-state.js';
import { warmedInitialState } from '../src/engines/reference/warm-up.js';
import { ParallelCpuEngine } from '../src/engines/node.js';
import { buildModel, buildModelAsync, deriveConstants, type Model } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { BIN } from './helpers/cli.js';

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-signals-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `raphe ARGS` (with `env` added), sent `sig` after `afterMs`; its exit code, stderr and the seconds from the signal to its exit. */
function interrupted(args: string[], sig: 'SIGINT' | 'SIGTERM', afterMs: number, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stderr: string; seconds: number }>((resolve, reject) => {
    // no estimate cache: the steady state is estimated afresh
    const ch = spawn(process.execPath, [BIN, ...args], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, RAPHE_CACHE: '0', ...env },
    });
    let stderr = '';
    let sentAt = 0;
    ch.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const send = setTimeout(() => {
      sentAt = performance.now();
      ch.kill(sig);
    }, afterMs);
    // a run that ignores the signal is stopped here, well before it would end by itself
    const guard = setTimeout(() => ch.kill('SIGKILL'), afterMs + 15_000);
    ch.on('error', reject);
    ch.on('close', (code) => {
      clearTimeout(send);
      clearTimeout(guard);
      resolve({ code, stderr, seconds: sentAt ? (performance.now() - sentAt) / 1000 : Number.NaN });
    });
  });
}

describe('a signal during the long synchronous work of a large run', () => {
  const RUN = ['run', '--neurons', '1000000', '--duration', '0.2', '--engine', 'cpu'];
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s during the steady-state estimate of 10^6 cells: exit %d within 3 s, one line',
    async (sig, code) => {
      const r = await interrupted(RUN, sig, 3000);
      expect(r.seconds, r.stderr).toBeLessThan(3);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(new RegExp(`raphe: interrupted \\(${sig}\\); earlier results untouched\\n$`));
    },
    60_000,
  );
});

/** A model's typed arrays (its geometry's included) as bytes, and the rest of its fields. */
function modelParts(m: Model) {
  const arrays: Record<string, Buffer> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...m, ...m.geometry })) {
    if (ArrayBuffer.isView(v)) arrays[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    else if (k !== 'geometry') rest[k] = v;
  }
  return { arrays, rest };
}

it('a model built in chunks lets timers run while it is built, and is the model built at once, array by array', async () => {
  // 600,001 cells: three chunks of each per-cell loop, the last one short
  const args = [defaultParams(), 'wt', 600_001, 3] as const;
  let ticks = 0;
  const tick = setInterval(() => ticks++, 0);
  const chunked = modelParts(await buildModelAsync(...args).finally(() => clearInterval(tick)));
  expect(ticks).toBeGreaterThan(0);
  const atOnce = modelParts(buildModel(...args));
  expect(Object.keys(chunked.arrays)).toEqual(Object.keys(atOnce.arrays));
  for (const [field, bytes] of Object.entries(atOnce.arrays)) expect(chunked.arrays[field].equals(bytes), field).toBe(true);
  expect(chunked.rest).toEqual(atOnce.rest);
}, 30_000);

describe('a signal while the model of a very large run is built', () => {
  // 2 x 10^7 cells: building the model alone takes over 10 s on one core (about 0.9 s per 10^6 cells)
  it('SIGTERM 2 s into a run of 2 x 10^7 cells: exit 143 within 3 s, one line, no output folder', async () => {
    const out = path.join(tmp, 'big');
    const args = ['run', '--neurons', '20000000', '--duration', '0.12', '--engine', 'cpu', '--no-nwb', '--out', out];
    const r = await interrupted(args, 'SIGTERM', 2000, { RAPHE_MEMORY_BYTES: String(64 * 2 ** 30) });
    expect(r.seconds, r.stderr).toBeLessThan(3);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/raphe: interrupted \(SIGTERM\); earlier results untouched\n$/);
    expect(fs.readdirSync(tmp).filter((f) => f === 'big' || f.includes('raphe-staging'))).toEqual([]);
  }, 30_000);
});

it("the CPU engine's start-up on 2 million cells leaves the event loop free (no stall over a second), its state the same", async () => {
  // the slow AHP at 20 ms: a warm-up of 30 grid steps (the 30 ms AHP's, warmUpSteps), so the host reference stays short
  const model = buildModel({ ...defaultParams(), tauAhp3_ms: 20 }, 'wt', 2_000_000, 1);
  const opts = { model, doses: {}, c0_nM: 10, rate0_Hz: 1, recordSpikes: false, sampleSteps: 10 };
  expect(warmUpSteps(model)).toBe(30);
  let start: StateSnapshot | undefined;
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 20);
  try {
    last = performance.now();
    const e = await ParallelCpuEngine.create(opts, 1);
    clearInterval(tick);
    start = await e.snapshot();
    e.dispose();
  } finally {
    clearInterval(tick);
  }
  expect(worst).toBeLessThan(1000);
  // the state computed and warmed up on the worker thread is the host reference's, bit for bit
  const here = warmedInitialState(model, deriveConstants(model, {}), opts.c0_nM, opts.rate0_Hz);
  for (const [field, values] of Object.entries(here)) {
    const got = (start as unknown as Record<string, unknown>)[field];
    if (!ArrayBuffer.isView(values)) continue;
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(ArrayBuffer.isView(got) && bytes(got).equals(bytes(values)), field).toBe(true);
  }
}, 120_000);
