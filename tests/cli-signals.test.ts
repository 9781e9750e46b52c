/**
 * `raphe` under signals (SIGINT while --force replaces earlier results), into a closed pipe, the demo
 * server's refusals, and random mutations of the example scenarios: exit 0 with finite results, or exit 2
 * with one line.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';
import { cliSandbox } from './helpers/cli-sandbox.js';

const box = cliSandbox('raphe-signals-');

describe('signals, pipes and the demo server', () => {
  it('SIGINT while --force replaces earlier results: the folder holds complete old or new results, no staging', async () => {
    const out = path.join(box.tmp, 'replace-sig');
    const sc = box.tiny({}, 'sig.json');
    const first = await box.raphe(['run', '--scenario', sc, '--engine', 'cpu', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const old = fs.readFileSync(path.join(out, 'summary.json'), 'utf8');
    const ch = spawn(process.execPath, [BIN, 'run', '--scenario', sc, '--engine', 'cpu', '--seed', '7', '--out', out, '--force'], {
      cwd: box.tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RAPHE_TEST_PAUSE_REPLACE: '3000' },
    });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      ch.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('test pause')) ch.kill('SIGINT');
      });
      ch.stdout.resume();
      ch.on('close', (c) => resolve(c));
    });
    expect(stderr).toMatch(/test pause/);
    // the replacement is finished either way; the signal that arrived during the synchronous step is
    // not always dispatched before the process ends (then exit 0 with the new results complete)
    expect([0, 130]).toContain(code);
    expect(fs.readdirSync(out).sort()).toEqual([
      'provenance.json',
      'report.html',
      'run.nwb',
      'scenario.json',
      'spikes.csv',
      'summary.json',
      'traces.csv',
    ]);
    const now = fs.readFileSync(path.join(out, 'summary.json'), 'utf8');
    expect(now === old || /"seed": 7/.test(now)).toBe(true);
    expect(fs.readdirSync(box.tmp).filter((n) => n.startsWith('.replace-sig.'))).toEqual([]);
  });

  it('output piped into head -1 ends without a stack trace', () => {
    const r = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${BIN}" run --scenario "${box.tiny({}, 'pipe.json')}" --engine cpu | head -1`],
      {
        cwd: box.tmp,
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toMatch(/^engine/);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it.each(['abc', '99999', '-1', ''])('demo server --port %j: exit 2, one line', (port) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'serve-demo.mjs'), '--no-build', '--port', port], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--port/);
  });

  it('demo server answers POST/PUT/DELETE with 405', async () => {
    const { serveDemo } = (await import(path.join(ROOT, 'scripts', 'serve-demo.mjs'))) as {
      serveDemo: (o: { port: number; dir: string }) => Promise<{ url: string; close: () => Promise<void> }>;
    };
    const s = await serveDemo({ port: 0, dir: box.tmp });
    try {
      for (const method of ['POST', 'PUT', 'DELETE']) expect((await fetch(s.url, { method })).status).toBe(405);
    } finally {
      await s.close();
    }
  });
});

/** A small seeded RNG (mulberry32) for the mutation test. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('random mutations of the example scenarios: exit 0 with finite results, or exit 2 with one line', () => {
  // the protocol examples (a chronic one runs weeks through the two-timescale driver: tests/chronic.test.ts has its bad input)
  const examples = fs
    .readdirSync(path.join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.json') && 'protocol' in JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8')));
  const VALUES: unknown[] = [0, -1, 1e9, 0.5, 'x', '10', null, true, [], {}, 1e-9, '__proto__', 'constructor', 2 ** 53, -0.0001];
  const KEYS = ['__proto__', 'constructor', 'spike', 'Neurons', 'durations', 'voxel_um', 'probeRadius_um', 'fluoxetine', 'FLUOXETINE'];
  const CASES = 16;
  const rand = rng(20240917);
  const mutants: { label: string; json: unknown }[] = [];
  for (let i = 0; i < CASES; i++) {
    const file = examples[i % examples.length];
    const j = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as Record<string, unknown>;
    // tiny sizes, and c0 given, so a valid mutant runs in a fraction of a second
    j.neurons = 20;
    j.c0_nM = 10;
    j.protocol = (j.protocol as Record<string, unknown>[]).slice(0, 2).map((p) => ({ ...p, durationS: 0.15 }));
    // collect every object in the scenario, then mutate one: set, add or delete a key
    const objs: Record<string, unknown>[] = [];
    const walk = (v: unknown) => {
      if (v && typeof v === 'object') {
        if (!Array.isArray(v)) objs.push(v as Record<string, unknown>);
        for (const x of Object.values(v)) walk(x);
      }
    };
    walk(j);
    const o = objs[Math.floor(rand() * objs.length)];
    const keys = Object.keys(o);
    const r = rand();
    const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
    let what: string;
    if (r < 0.5 && keys.length) {
      const k = pick(keys);
      o[k] = pick(VALUES);
      what = `set ${k}=${JSON.stringify(o[k])}`;
    } else if (r < 0.8) {
      const k = pick(KEYS);
      Object.defineProperty(o, k, { value: pick(VALUES), enumerable: true, writable: true, configurable: true });
      what = `add ${k}`;
    } else {
      const k = pick(keys);
      delete o[k];
      what = `delete ${k}`;
    }
    mutants.push({ label: `${file} #${i}: ${what}`, json: j });
  }

  describe.concurrent('mutants', () => {
    mutants.forEach(({ label, json }, i) => {
      it(label, async () => {
        const f = box.writeJson(`mutant-${i}.json`, json);
        const out = path.join(box.tmp, `mutant-out-${i}`);
        const r = await box.raphe(['run', '--scenario', f, '--engine', 'cpu', '--json', '--out', out]);
        expect([0, 2], r.stderr).toContain(r.code);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        if (r.code === 2) {
          expect(r.stdout).toBe('');
          expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
          expect(fs.existsSync(out)).toBe(false);
        } else {
          const s = JSON.parse(r.stdout) as Record<string, unknown>;
          for (const k of ['meanRateHz', 'probe5htNm', 'massBalanceRelError', 'probeDriftLastQuarter'])
            expect(Number.isFinite(s[k]), k).toBe(true);
          expect(fs.existsSync(path.join(out, 'summary.json'))).toBe(true);
        }
      });
    });
  });
});
