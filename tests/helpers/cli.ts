/** Running the `raphe` command (bin/raphe.mjs) in a child process, as the CLI tests do. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'raphe.mjs');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `raphe ARGS` in folder `cwd` with extra environment variables; its exit code and output. */
export function runRaphe(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const ch = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    ch.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    ch.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    ch.on('error', reject);
    ch.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
