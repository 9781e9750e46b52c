/**
 * A small pool of worker threads running pool-worker.ts (Node only; bundled as
 * build/node/cpu-pool-worker.mjs): a request/response channel per thread, used by ThreadedCpuBatch
 * (one CPU simulation per thread) and by estimateSteadyStates (steady-state estimates in parallel).
 * A worker that fails or exits rejects every call in flight, with the worker's message.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PoolReply, PoolRequest } from './pool-worker.js';

/** Where a bundled worker entry lives: next to the running bundle, or build/node/ when running the TS sources. */
export function bundledWorkerUrl(name: string): URL {
  const here = import.meta.url;
  if (/\.ts$/.test(here)) return new URL(`../../../build/node/${name}`, here);
  return new URL(`./${name}`, here);
}

type Pending = { resolve(v: unknown): void; reject(e: Error): void };

export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly pending: Map<number, Pending>[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private closed = false;

  private constructor(readonly size: number) {}

  /** Start `threads` workers; throws when the bundled worker entry is missing. */
  static async start(threads: number, url: string | URL = bundledWorkerUrl('cpu-pool-worker.mjs')): Promise<ThreadPool> {
    const path = typeof url === 'string' ? url : fileURLToPath(url);
    if (!existsSync(path)) throw new Error(`cpu: the worker entry ${path} does not exist (build it: node esbuild.config.mjs --node-only)`);
    const pool = new ThreadPool(Math.max(1, Math.floor(threads)));
    for (let t = 0; t < pool.size; t++) {
      const w = new Worker(path);
      const pending = new Map<number, Pending>();
      pool.workers.push(w);
      pool.pending.push(pending);
      w.on('message', (m: PoolReply) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.result);
      });
      w.on('error', (e) => pool.fail(e instanceof Error ? e : new Error(String(e))));
      w.on('exit', (code) => {
        if (!pool.closed) pool.fail(new Error(`cpu: a worker thread exited (code ${code})`));
      });
      w.unref();
    }
    return pool;
  }

  /** Run `req` on thread `t`; `transfer` lists buffers moved rather than copied. */
  call<T>(t: number, req: PoolRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('cpu: thread pool closed'));
    const id = this.nextId++;
    const w = this.workers[t];
    return new Promise<T>((resolve, reject) => {
      this.pending[t].set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage({ ...req, id }, transfer);
    }).finally(() => {
      if (!this.pending[t].size) w.unref();
    });
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending) {
      for (const q of p.values()) q.reject(err);
      p.clear();
    }
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) void w.terminate();
  }
}
