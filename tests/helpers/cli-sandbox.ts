/**
 * A scratch folder for the CLI tests that drive `raphe` as a user would: made before the file's tests
 * (with the Node bundle built, which the CLI runs), removed after them; `raphe` runs in it, scenario files
 * are written into it, and the tiny scenario most rows start from.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ROOT, runRaphe, type Result } from './cli.js';

/** A tiny scenario (20 neurons, 0.2 s, c0 given: no steady-state estimate). */
export const TINY = { name: 'tiny', neurons: 20, c0_nM: 10, protocol: [{ name: 'baseline', durationS: 0.2 }] };

export interface CliSandbox {
  /** The folder (set once the file's tests start). */
  readonly tmp: string;
  raphe(args: string[], env?: Record<string, string>): Promise<Result>;
  /** A JSON file (or text, as given) in the folder; its path. */
  writeJson(name: string, v: unknown): string;
  /** The tiny scenario with `over` merged in, written to a file of its own; its path. */
  tiny(over?: Record<string, unknown>, file?: string): string;
}

export function cliSandbox(prefix: string): CliSandbox {
  let tmp = '';
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  });
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  const writeJson = (name: string, v: unknown): string => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v));
    return p;
  };
  return {
    get tmp() {
      return tmp;
    },
    raphe: (args, env = {}) => runRaphe(tmp, args, env),
    writeJson,
    tiny: (over = {}, file = `tiny-${Object.keys(over).join('-') || 'plain'}-${Math.random()}.json`) =>
      writeJson(file, { ...TINY, ...over }),
  };
}
