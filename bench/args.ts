/**
 * The bench's command line (`npm run bench -- ...`), parsed by the CLI's strict parser (src/cli/args.ts):
 * flags, the engine ids they name, and the engines run when none is named. A bad flag is a ConfigError
 * (bench.ts prints it on one line, exit 2).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseCli } from '../src/cli/args.js';
import { CELL_CHUNK, LAVAPIPE_ICD, SWIFTSHADER_ICD } from '../src/engines/node.js';
import { ConfigError } from '../src/model/errors.js';

export interface BenchArgs {
  sizes: number[];
  engines: string[];
  repeats: number;
  seconds: number;
  threads: number;
  /** cpu-mt: cells per chunk of the neuron phase (default CELL_CHUNK). */
  chunk: number;
  out: string;
  json: boolean;
  write: boolean;
  /** Internal: this process measures one (size, engine) and prints its result as one JSON line. */
  child: boolean;
  childTimeoutS: number;
  peers: string[];
  peerSeconds: number;
  /** Internal, children only: the memory bandwidth the parent measured, bytes/s (NaN when not given). */
  bandwidth: number;
  help: boolean;
}

/** What a measured engine is: its kind and, for WebGPU, the Vulkan driver it runs on. */
export type EngineKind = 'cpu' | 'cpu-mt' | 'webgpu' | 'brian2';

export const USAGE =
  'npm run bench -- [--sizes 1000,10000,100000] [--large] [--engines cpu,cpu-mt,webgpu:lavapipe,webgpu:swiftshader]\n' +
  '                 [--repeats 5] [--seconds 1] [--threads N] [--chunk 1024] [--peers brian2] [--peer-seconds 2] [--out DIR] [--json] [--no-write]\n';

const DEFAULT_SIZES = [1000, 10000, 100000];
export const PEERS = ['brian2'];
const LARGE = 1_000_000;

const OPTIONS = {
  sizes: { type: 'string' },
  large: { type: 'boolean' },
  engines: { type: 'string' },
  repeats: { type: 'string' },
  seconds: { type: 'string' },
  threads: { type: 'string' },
  chunk: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'no-write': { type: 'boolean' },
  child: { type: 'boolean' },
  'child-timeout': { type: 'string' },
  peers: { type: 'string' },
  'peer-seconds': { type: 'string' },
  bandwidth: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(flag, `not a positive number: ${v}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values: v, positionals } = parseCli(argv, OPTIONS);
  if (positionals.length) throw new ConfigError('bench', `unexpected argument ${JSON.stringify(positionals[0])}`);
  const num = (flag: keyof typeof OPTIONS, def: number, round = false): number => {
    const text = v[flag];
    if (typeof text !== 'string') return def;
    const n = positive(`--${flag}`, text);
    return round ? Math.round(n) : n;
  };
  let sizes = v.sizes === undefined ? DEFAULT_SIZES : v.sizes.split(',').map((s) => Math.round(positive('--sizes', s)));
  if (v.large && v.sizes === undefined) sizes = [...DEFAULT_SIZES, LARGE];
  else if (v.large && !sizes.includes(LARGE)) sizes = [...sizes, LARGE];
  const peers = (v.peers ?? '').split(',').filter(Boolean);
  for (const p of peers) if (!PEERS.includes(p)) throw new ConfigError('--peers', `unknown peer ${p} (${PEERS.join(', ')})`);
  const engines = (v.engines ?? '').split(',').filter(Boolean);
  for (const id of engines) engineOf(id);
  return {
    sizes,
    engines,
    repeats: num('repeats', 5, true),
    seconds: num('seconds', 1),
    threads: num('threads', availableParallelism(), true),
    chunk: num('chunk', CELL_CHUNK, true),
    out: resolve(v.out ?? 'bench/results/latest'),
    json: !!v.json,
    write: !v['no-write'],
    child: !!v.child,
    childTimeoutS: num('child-timeout', 1200),
    peers,
    peerSeconds: num('peer-seconds', 2),
    bandwidth: v.bandwidth === undefined ? NaN : Number(v.bandwidth),
    help: !!v.help,
  };
}

/** Engines by default: both CPU engines, and WebGPU on each software Vulkan driver that is installed. */
export function defaultEngines(): string[] {
  const e = ['cpu', 'cpu-mt'];
  if (existsSync(LAVAPIPE_ICD)) e.push('webgpu:lavapipe');
  if (existsSync(SWIFTSHADER_ICD)) e.push('webgpu:swiftshader');
  if (e.length === 2) e.push('webgpu');
  return e;
}

/** An engine id of --engines ("cpu", "webgpu:lavapipe", ...) as its kind and driver. */
export function engineOf(id: string): { engine: EngineKind; driver?: string } {
  if (id === 'cpu' || id === 'cpu-mt') return { engine: id };
  if (id === 'webgpu') return { engine: 'webgpu', driver: process.env.RAPHE_GPU_ICD || 'default' };
  const m = /^webgpu:(.+)$/.exec(id);
  if (m) return { engine: 'webgpu', driver: m[1] };
  throw new ConfigError('--engines', `unknown engine ${id} (cpu, cpu-mt, webgpu, webgpu:lavapipe, webgpu:swiftshader)`);
}
