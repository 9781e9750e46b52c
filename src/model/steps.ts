/**
 * Long model building written once as a generator that yields between chunks of work, run either
 * straight through (the synchronous callers) or with a turn of the event loop at each yield, so that a
 * signal, a message or a timer is handled within one chunk's time (a fraction of a second) even while
 * the model of 10^8 cells is built. Both ways run the same statements in the same order: the same result.
 */

/** Work split into chunks: each `yield` marks a point where the event loop may run. */
export type Steps<T> = Generator<void, T, void>;

/** Cells (or other items) per chunk of a chunked loop: about 0.1 s of work on a slow core. */
export const CHUNK = 1 << 18;

/** `body` over [0, n) in ranges of CHUNK, with a yield between ranges (the loop itself stays a plain function). */
export function* chunked(n: number, body: (from: number, to: number) => void): Steps<void> {
  for (let from = 0; from < n; from += CHUNK) {
    if (from > 0) yield;
    body(from, Math.min(n, from + CHUNK));
  }
}

/** Runs `steps` to the end without yielding to the event loop. */
export function finishSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * One full turn of the event loop: setImmediate where there is one (Node: after pending I/O and signals),
 * else a message to itself (browsers and their workers, where a nested zero timeout waits 4 ms), else a zero
 * timeout.
 */
export function turn(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === 'function')
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(null);
    });
  return new Promise((r) => setTimeout(r, 0));
}

/** Runs `steps` to the end with a turn of the event loop at each yield. */
export async function finishStepsAsync<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await turn();
  }
}
