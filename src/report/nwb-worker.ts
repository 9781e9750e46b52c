/**
 * Worker thread of writeNwbOffThread (bundled as build/node/nwb-worker.mjs): writes the NWB files it is
 * sent, one at a time, with the same NwbWriter the main thread has, and answers each with done or the
 * error (an NwbWriteError as its file and code, so the main thread names it as it would its own).
 */
import { parentPort } from 'node:worker_threads';
import { NwbWriteError, loadNwbWriter, type NwbInput } from './nwb.js';
import type { NwbReply } from './nwb-thread.js';

/** Test hook: RAPHE_TEST_PAUSE_NWB=MS blocks this thread MS ms before each file, so a test can send a signal mid-write. */
const pauseMs = Number(process.env.RAPHE_TEST_PAUSE_NWB ?? 0);

const port = parentPort;
if (port) {
  port.on('message', async ({ file, input }: { file: string; input: NwbInput }) => {
    let reply: NwbReply;
    try {
      if (pauseMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
      (await loadNwbWriter()).write(file, input);
      reply = { ok: true };
    } catch (e) {
      reply =
        e instanceof NwbWriteError
          ? { ok: false, file: e.file, code: e.code }
          : { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  });
}
