/**
 * An NWB file written on a worker thread (nwb-worker.ts), so that the main thread turns its event loop
 * meanwhile: at 10^6 cells and more, HDF5's write of the per-cell columns takes seconds, and a signal
 * that arrives then is answered at once rather than after it. The file is the one NwbWriter.write
 * writes on the main thread: the same writer, sent a copy of the run (the result's typed arrays cloned,
 * so the caller's stay usable). One thread serves every file of a job, one file at a time; it is
 * started at the first write and does not keep the process alive while idle.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundledWorkerUrl } from '../engines/cpu/thread-pool.js';
import { NwbWriteError, type NwbInput } from './nwb.js';

/** The worker's answer to one file: done, an NwbWriteError (file, code), or another error's message. */
export type NwbReply = { ok: true } | { ok: false; file: string; code: string } | { ok: false; message: string };

let worker: Worker | undefined;
/** The write in progress (writes are queued behind it). */
let queue: Promise<unknown> = Promise.resolve();

function thread(): Worker {
  if (!worker) {
    const w = new Worker(fileURLToPath(bundledWorkerUrl('nwb-worker.mjs')));
    w.on('exit', () => {
      if (worker === w) worker = undefined;
    });
    w.unref();
    worker = w;
  }
  return worker;
}

/** Write `input` as an NWB file at `file` on the worker thread; rejects as NwbWriter.write throws. */
export function writeNwbOffThread(file: string, input: NwbInput): Promise<void> {
  const run = queue.then(() => writeOne(file, input));
  queue = run.catch(() => undefined);
  return run;
}

function writeOne(file: string, input: NwbInput): Promise<void> {
  const w = thread();
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      w.unref();
    };
    const onMessage = (m: NwbReply) => {
      done();
      if (m.ok) resolve();
      else reject('code' in m ? new NwbWriteError(m.file, m.code) : new Error(m.message));
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`the NWB writer's thread exited (code ${code})`));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.ref();
    w.postMessage({ file, input });
  });
}
