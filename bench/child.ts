/**
 * The parent's side of one (size, engine): the bench bundle run again as a child process (`--child`), so
 * peak memory does not mix between measurements and a software Vulkan driver is chosen (RAPHE_GPU_ICD)
 * before Dawn loads. The child prints its BenchResult as its last stdout line; anything else is a failure.
 */
import { spawn } from 'node:child_process';
import { engineOf, type BenchArgs } from './args.js';
import { failedResult, processError, type BenchResult } from './result.js';

/** Run `script` (the bench bundle) with --child for `id` at n cells; killed after --child-timeout. */
export function runChildProcess(script: string, a: BenchArgs, id: string, n: number, bandwidth: number): Promise<BenchResult> {
  const { engine, driver } = engineOf(id);
  const env = { ...process.env };
  if (engine === 'webgpu' && driver && driver !== 'default') env.RAPHE_GPU_ICD = driver;
  const args = [
    script,
    '--child',
    '--sizes',
    String(n),
    '--engines',
    id,
    '--repeats',
    String(a.repeats),
    '--seconds',
    String(a.seconds),
    '--threads',
    String(a.threads),
    '--chunk',
    String(a.chunk),
    '--bandwidth',
    String(bandwidth),
  ];
  return new Promise((res) => {
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), a.childTimeoutS * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as BenchResult;
        if (r && typeof r.neurons === 'number') return res(r);
      } catch {
        /* below */
      }
      const why = signal ? `killed (${signal}${signal === 'SIGKILL' ? ', over --child-timeout' : ''})` : `exit ${code}`;
      res(failedResult(id, n, processError(why, out, err)));
    });
  });
}
