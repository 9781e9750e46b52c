/**
 * Writing a large run's files leaves the event loop free, so that Ctrl-C or SIGTERM is answered during
 * it (issue 24, defect 5: at 10^6 cells the NWB file alone took over a second of the main thread, at
 * 3 x 10^6 four). writeRunOutputsAsync writes each file with turns of the event loop between its chunks,
 * and run.nwb on a worker thread (nwb-thread.ts); the files are those writeRunOutputs writes at once.
 * Needs the bundled NWB worker (node esbuild.config.mjs --node-only).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../src/model/scenario.js';
import type { RunResult } from '../src/record/run-result.js';
import { NwbWriteError, RAPHE_VERSION, loadNwbWriter } from '../src/report/nwb.js';
import { writeNwbOffThread } from '../src/report/nwb-thread.js';
import { writeRunOutputs, writeRunOutputsAsync } from '../src/report/run-files.js';
import { BIN } from './helpers/cli.js';

let tmp = '';
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-signal-writing-'));
  await h5wasm.ready;
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A finished run of `n` cells as a run hands it to the writers: a spike from every fifth cell, the cells' draws. */
function largeRun(n: number): RunResult {
  const spikes = Math.floor(n / 5);
  const tS = Float64Array.from({ length: 20 }, (_, i) => (i + 1) * 0.01);
  const wave = (f: (i: number) => number) => Float64Array.from(tS, (_, i) => f(i));
  return {
    name: 'large',
    engine: { engine: 'cpu', adapter: 'cpu (test)' },
    summary: {
      engine: 'cpu',
      adapter: 'cpu (test)',
      neurons: n,
      durationS: 0.2,
      genotype: 'wt',
      seed: 3,
      meanRateHz: 1.1,
      medianCvIsi: NaN,
      fractionRegular: 0,
      probe5htNm: 6.6,
      probeDriftLastQuarter: 0.001,
      settled: true,
      massBalanceRelError: 1e-6,
      c0Nm: 6.5,
      rate0Hz: 1.1,
      wallSeconds: 10,
      complete: true,
    },
    phases: [{ name: 'baseline', startS: 0, endS: 0.2, doses: {}, meanRateHz: 1.1, probe5htNm: 6.6, settled: true }],
    spikes: {
      cells: Uint32Array.from({ length: spikes }, (_, i) => (i * 5 + (i % 3)) % n),
      steps: Uint32Array.from({ length: spikes }, (_, i) => (i * 7919) % 2000),
      dtFineS: 1e-4,
    },
    traces: {
      tS,
      rateHz: wave((i) => 1 + 0.01 * i),
      probeNm: wave((i) => 6.5 + 0.005 * i),
      meanCNm: wave(() => 6.4),
      s1A: wave(() => 0.2),
      s2B: wave(() => 0.1),
    },
    mass: { released: 100, uptaken: 60, cleared: 10, gridStart: 5, gridEnd: 35, relError: 0 },
    positions: Float32Array.from({ length: 3 * n }, (_, i) => (i * 0.37) % 300),
    cells: {
      Idrive: Float32Array.from({ length: n }, (_, i) => 10 + (i % 97) * 0.1),
      rho: Float64Array.from({ length: n }, (_, i) => 1 + Math.sin(i) * 0.2),
      vox: Uint32Array.from({ length: n }, (_, i) => i % 4096),
    },
  };
}

const scenario = (n: number) =>
  parseScenario({ name: 'large write', neurons: n, seed: 3, c0_nM: 6.5, protocol: [{ name: 'baseline', durationS: 0.2 }] });

/** Every dataset of an NWB file by its path: its value, a digest of its bytes for arrays (file_create_date, the moment of writing, left out). */
function datasets(file: string): Record<string, unknown> {
  const f = new h5wasm.File(file, 'r');
  const out: Record<string, unknown> = {};
  const walk = (g: InstanceType<typeof h5wasm.Group>, at: string) => {
    for (const name of g.keys()) {
      const o = g.get(name);
      const p = `${at}/${name}`;
      if (o instanceof h5wasm.Group) walk(o, p);
      else if (o instanceof h5wasm.Dataset && p !== '/file_create_date') {
        const v = o.value;
        out[p] = ArrayBuffer.isView(v)
          ? createHash('sha256')
              .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
              .digest('hex')
          : v;
      }
    }
  };
  try {
    walk(f, '');
  } finally {
    f.close();
  }
  return out;
}

describe("a large run's files written with the event loop turning", () => {
  it('at 2 x 10^6 cells no timer waits a second while they are written, and they are the files written at once', async () => {
    const n = 2_000_000;
    const r = largeRun(n);
    const sc = scenario(n);
    const startedAt = new Date('2026-12-02T12:00:00Z');
    const input = { result: r, scenario: sc, startedAt, version: RAPHE_VERSION };
    const nwb = await loadNwbWriter();

    let last = performance.now();
    let worst = 0;
    let ticks = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      ticks++;
    }, 20);
    const yielding = path.join(tmp, 'yielding');
    try {
      last = performance.now();
      await writeRunOutputsAsync(yielding, r, { force: false, nwb: (file) => writeNwbOffThread(file, input) });
    } finally {
      clearInterval(tick);
    }
    expect(ticks).toBeGreaterThan(5);
    expect(worst).toBeLessThan(1000);

    const atOnce = path.join(tmp, 'at-once');
    writeRunOutputs(atOnce, r, { force: false, nwb: (file) => nwb.write(file, input) });
    const names = fs.readdirSync(atOnce).sort();
    expect(fs.readdirSync(yielding).sort()).toEqual(names);
    // report.html says when it was generated, and numbers its figures' clip paths through the process
    const bytes = (dir: string, name: string) =>
      Buffer.from(
        fs
          .readFileSync(path.join(dir, name), 'latin1')
          .replace(/Generated by raphe on [^<]*/, '')
          .replace(/raphe-clip-\d+/g, 'raphe-clip'),
        'latin1',
      );
    for (const name of names.filter((f) => f !== 'run.nwb')) {
      expect(bytes(yielding, name).equals(bytes(atOnce, name)), name).toBe(true);
    }
    const written = datasets(path.join(yielding, 'run.nwb'));
    expect(Object.keys(written)).toContain('/units/x_um');
    expect(written).toEqual(datasets(path.join(atOnce, 'run.nwb')));
  }, 60_000);

  it('an NWB file the worker thread cannot create is refused as on the main thread: NwbWriteError, its errno', async () => {
    const file = path.join(tmp, 'no-such-folder', 'x.nwb');
    const input = { result: largeRun(20), scenario: scenario(20), startedAt: new Date(), version: RAPHE_VERSION };
    await expect(writeNwbOffThread(file, input)).rejects.toThrow(new NwbWriteError(file, 'ENOENT'));
    // and the thread writes the next file
    const next = path.join(tmp, 'next.nwb');
    await writeNwbOffThread(next, input);
    expect(datasets(next)['/identifier']).toMatch(/^raphe:large write:/);
  });
});

describe('a signal while raphe run writes its files', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s while run.nwb is written: exit %d within a second, one line, no output folder and no staging folder',
    async (sig, code) => {
      const parent = fs.mkdtempSync(path.join(tmp, 'cli-'));
      const args = ['run', '--neurons', '300', '--duration', '0.2', '--engine', 'cpu', '--out', path.join(parent, 'r')];
      // the NWB writer's thread holds each file 5 s: the signal comes while the staging folder holds the CSV files
      const ch = spawn(process.execPath, [BIN, ...args], {
        cwd: tmp,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, RAPHE_TEST_PAUSE_NWB: '5000' },
      });
      let stderr = '';
      ch.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      let sentAt = 0;
      const staged = () =>
        fs.readdirSync(parent).some((n) => n.includes('.raphe-staging-') && fs.existsSync(path.join(parent, n, 'traces.csv')));
      const watch = setInterval(() => {
        if (sentAt || !staged()) return;
        sentAt = performance.now();
        ch.kill(sig);
      }, 10);
      const exit = await new Promise<number | null>((resolve) => ch.on('close', resolve)).finally(() => clearInterval(watch));
      expect(sentAt, stderr).toBeGreaterThan(0);
      expect((performance.now() - sentAt) / 1000).toBeLessThan(1);
      expect(exit, stderr).toBe(code);
      expect(stderr).toMatch(new RegExp(`\\nraphe: interrupted \\(${sig}\\); earlier results untouched\\n$`));
      expect(fs.readdirSync(parent)).toEqual([]);
    },
    30_000,
  );
});
