/**
 * `raphe run --out` killed with SIGKILL at seeded random moments (while stepping, while writing a
 * checkpoint, while writing its outputs) and continued with `--resume`: the output folder is then the one
 * an uninterrupted run writes, file for file and byte for byte, except the fields that say when and how
 * it ran (docs/cli.md, "Checkpoints": the wall time, the command line, the dates of the report and of
 * the NWB file's creation, the NWB objects' random ids). CPU engine always; WebGPU when an adapter
 * exists (RAPHE_GPU_REQUIRED=1: a failure otherwise). SIGINT writes a checkpoint and exits 130; a bad,
 * foreign or missing checkpoint, another scenario or a fresh run over a checkpoint is one line, exit 2.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, test } from 'vitest';
import { BIN } from './helpers/cli.js';
import { cliSandbox } from './helpers/cli-sandbox.js';
import { gpuOrSkip } from './helpers/gpu.js';

const box = cliSandbox('raphe-ckpt-cli-');
const gpu = await gpuOrSkip();
beforeAll(async () => {
  await h5wasm.ready;
});

const SCENARIO = {
  name: 'ck',
  neurons: 400,
  seed: 3,
  protocol: [
    { name: 'baseline', durationS: 0.8 },
    { name: 'ssri', durationS: 0.8, drugs: { fluoxetine: 10 } },
  ],
};
const SHORT = { ...SCENARIO, neurons: 300, protocol: SCENARIO.protocol.map((p) => ({ ...p, durationS: 0.4 })) };
const ENV = { RAPHE_TEST_CHUNK_STEPS: '200' };

/** A seeded stream of uniforms in [0, 1) (mulberry32): the kill moments are the same every time. */
function uniforms(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `raphe ARGS` in folder `cwd` (made), killed with `signal` `afterMs` after its first checkpoint appears (never: runs to its end). */
function raphe(cwd: string, args: string[], kill?: { signal: NodeJS.Signals; afterMs: number }) {
  fs.mkdirSync(cwd, { recursive: true });
  const ch = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ENV } });
  let stderr = '';
  ch.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  ch.stdout.resume();
  let timer: NodeJS.Timeout | undefined;
  if (kill) {
    const header = path.join(cwd, 'out.checkpoint', 'checkpoint.json');
    const poll = setInterval(() => {
      if (!fs.existsSync(header)) return;
      clearInterval(poll);
      timer = setTimeout(() => ch.kill(kill.signal), kill.afterMs);
    }, 5);
    ch.on('close', () => clearInterval(poll));
  }
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    ch.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** The fields that say when and how a run was made, taken out of a file's text. */
function timeless(name: string, text: string): string {
  if (name === 'summary.json' || name === 'provenance.json') {
    const j = JSON.parse(text);
    const p = j.provenance ?? j;
    delete p.command;
    delete p.date;
    if (j.summary) delete j.summary.wallSeconds;
    return JSON.stringify(j);
  }
  if (name === 'report.html')
    return text
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'DATE')
      .replace(/(Wall time|wall time)<\/t[hd]><td>[^<]*/g, '$1')
      .replace(/raphe run [^<]*/g, 'COMMAND');
  return text;
}

/** The NWB datasets that hold dates: when the file was made, when the run started (each run's own). */
const DATES = ['file_create_date', 'session_start_time', 'timestamps_reference_time'];

type H5 = InstanceType<typeof h5wasm.File> | InstanceType<typeof h5wasm.Group>;
/** Every dataset's value and every attribute of an NWB file, but its dates, its objects' random ids and the wall time in its notes. */
function nwbContent(file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const f = new h5wasm.File(file, 'r');
  const walk = (g: H5, at: string) => {
    for (const [k, a] of Object.entries(g.attrs))
      if (k !== 'object_id') out[`${at}@${k}`] = JSON.stringify(a.value, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
    for (const key of g.keys()) {
      const x = g.get(key);
      const p = `${at}/${key}`;
      if (x instanceof h5wasm.Group) walk(x, p);
      else if (x instanceof h5wasm.Dataset) {
        for (const [k, a] of Object.entries(x.attrs)) if (k !== 'object_id') out[`${p}@${k}`] = String(a.value);
        if (DATES.includes(key)) continue;
        const v = JSON.stringify(ArrayBuffer.isView(x.value) ? Array.from(x.value as Float64Array, Number) : x.value);
        out[p] = key === 'notes' ? v.replace(/wallSeconds[^,}]*/, 'wallSeconds') : v;
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

/** The output folders `a` and `b` hold the same files with the same content (see timeless). */
function expectSameOutputs(a: string, b: string) {
  const names = fs.readdirSync(a).sort();
  expect(fs.readdirSync(b).sort()).toEqual(names);
  expect(names).toContain('run.nwb');
  for (const name of names) {
    if (name === 'run.nwb') expect(nwbContent(path.join(b, name))).toEqual(nwbContent(path.join(a, name)));
    else
      expect(timeless(name, fs.readFileSync(path.join(b, name), 'utf8')), name).toBe(
        timeless(name, fs.readFileSync(path.join(a, name), 'utf8')),
      );
  }
}

const refs = new Map<string, Promise<string>>();
/** The output folder of one uninterrupted run on `engine` (made once). */
function reference(engine: string): Promise<string> {
  if (!refs.has(engine))
    refs.set(
      engine,
      (async () => {
        // software Vulkan steps slowly: the WebGPU runs are shorter
        const file = box.writeJson(`sc-${engine}.json`, engine === 'webgpu' ? SHORT : SCENARIO);
        const cwd = path.join(box.tmp, `${engine}-ref`);
        const whole = await raphe(cwd, ['run', '--scenario', file, '--engine', engine, '--out', 'out', '--checkpoint-every', '0']);
        expect(whole.code, whole.stderr).toBe(0);
        return path.join(cwd, 'out');
      })(),
    );
  return refs.get(engine)!;
}

/** Runs killed at `kills` random moments and resumed, each against one uninterrupted run on `engine`. */
async function killAndResume(engine: string, seed: number, kills: number, maxDelayMs: number) {
  const ref = await reference(engine);
  const file = path.join(box.tmp, `sc-${engine}.json`);
  const args = ['run', '--scenario', file, '--engine', engine, '--out', 'out', '--checkpoint-every', '0'];
  const u = uniforms(seed);
  let continued = 0;
  for (let i = 0; i < kills; i++) {
    const cwd = path.join(box.tmp, `${engine}-kill-${i}`);
    const killed = await raphe(cwd, args, { signal: 'SIGKILL', afterMs: Math.floor(u() * maxDelayMs) });
    if (killed.code === 0) continue; // it ended before the kill: its outputs are final (compared below)
    expect(killed.signal).toBe('SIGKILL');
    const started = JSON.parse(fs.readFileSync(path.join(cwd, 'out.checkpoint', 'checkpoint.json'), 'utf8')).meta.startedAt;
    const resumed = await raphe(cwd, ['run', '--scenario', file, '--engine', engine, '--resume', 'out']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'out.checkpoint')), 'the checkpoint is removed').toBe(false);
    const prov = JSON.parse(fs.readFileSync(path.join(cwd, 'out', 'provenance.json'), 'utf8'));
    expect(prov.date, 'the run started when the killed run did').toBe(started);
    continued++;
  }
  expect(continued, 'runs killed before their end').toBeGreaterThan(0);
  for (let i = 0; i < kills; i++) expectSameOutputs(ref, path.join(box.tmp, `${engine}-kill-${i}`, 'out'));
}

describe('a run killed at random and resumed writes what an uninterrupted run writes', () => {
  test('on the CPU engine', { timeout: 120_000 }, async () => {
    await killAndResume('cpu', 2026, 3, 1000);
  });

  test.skipIf(!gpu)('on the WebGPU engine', { timeout: 300_000 }, async () => {
    await killAndResume('webgpu', 7, 1, 4000);
  });
});

describe('stopping and refusing', () => {
  test('SIGINT writes a checkpoint at the end of the chunk in progress, exits 130, and the run resumes from it', {
    timeout: 60_000,
  }, async () => {
    const file = box.writeJson('sigint.json', SCENARIO);
    const cwd = path.join(box.tmp, 'sigint');
    const args = ['run', '--scenario', file, '--engine', 'cpu'];
    const r = await raphe(cwd, [...args, '--out', 'out', '--checkpoint-every', '0'], { signal: 'SIGINT', afterMs: 0 });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/raphe: checkpoint written in .*out\.checkpoint \(\d+ grid steps run\); --resume out continues the run/);
    expect(r.stderr).toMatch(/raphe: interrupted \(SIGINT\)/);
    expect(fs.existsSync(path.join(cwd, 'out')), 'no output folder yet').toBe(false);
    const resumed = await raphe(cwd, [...args, '--resume', 'out']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'out', 'spikes.csv'), 'utf8')).toBe(
      fs.readFileSync(path.join(await reference('cpu'), 'spikes.csv'), 'utf8'),
    );
  });

  test('a bad, foreign or missing checkpoint, another scenario, or a fresh run over a checkpoint: one line, exit 2, nothing written', {
    timeout: 60_000,
  }, async () => {
    const file = box.writeJson('refuse.json', SCENARIO);
    const cwd = path.join(box.tmp, 'refuse');
    const args = ['run', '--scenario', file, '--engine', 'cpu'];
    const killed = await raphe(cwd, [...args, '--out', 'out', '--checkpoint-every', '0'], { signal: 'SIGKILL', afterMs: 0 });
    expect(killed.signal).toBe('SIGKILL');
    const ckDir = path.join(cwd, 'out.checkpoint');
    // the killed run's staging folder: the next run's output folder settles it whatever it does
    for (const n of fs.readdirSync(cwd)) if (n.startsWith('.out.raphe-staging-')) fs.rmSync(path.join(cwd, n), { recursive: true });
    const before = fs.readdirSync(cwd).sort();
    const oneLine = async (extra: string[], why: RegExp) => {
      const r = await raphe(cwd, [...args, ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(why);
      expect(fs.readdirSync(cwd).sort()).toEqual(before);
    };
    await oneLine(['--out', 'out'], /holds the checkpoint of an unfinished run: --resume out continues it, --force starts afresh/);
    await oneLine(['--resume', 'out', '--seed', '4'], /--resume out: the checkpoint is of another scenario/);
    await oneLine(['--resume', 'elsewhere'], /--resume elsewhere: no checkpoint/);
    const header = path.join(ckDir, 'checkpoint.json');
    const text = fs.readFileSync(header, 'utf8');
    fs.writeFileSync(header, text.slice(0, text.length / 2));
    await oneLine(['--resume', 'out'], /--resume out: checkpoint.json is not JSON/);
    fs.writeFileSync(header, text.replace('"raphe-checkpoint"', '"other"'));
    await oneLine(['--resume', 'out'], /not a raphe checkpoint/);
    fs.writeFileSync(header, text);
    const state = fs.readdirSync(ckDir).find((n) => n.endsWith('state.bin'))!;
    fs.appendFileSync(path.join(ckDir, state), 'x');
    await oneLine(['--resume', 'out'], /a torn checkpoint/);
  });
});
