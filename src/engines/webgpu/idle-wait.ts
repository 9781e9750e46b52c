/**
 * Sleeping through the GPU's work instead of polling for its end. dawn.node resolves mapAsync and
 * onSubmittedWorkDone by calling its event processing from setImmediate for as long as one is pending,
 * so a process that asks for results right after a submit keeps a core busy until the GPU is done
 * (GpuContext.pollsWhileWaiting). On a software adapter that core is taken from the driver's own
 * threads: on 2 cores, lavapipe's two threads and the poll share them. The batch therefore sleeps
 * (setTimeout: no pending task, no poll) through most of the time it expects the work to take, then
 * asks, and learns the time per grid step from what it saw:
 *   - it still had to wait (more than WAITED_MS): the GPU was busy all along, so the wall time from the
 *     submit to the results is the work's time, the next expectation;
 *   - the results were there at once: the work may have ended while it slept, so the expectation is cut
 *     to PROBE_DOWN of itself, and it finds the work's time again from below.
 * Only a share (SLEEP_SHARE) of the expectation is slept, so an error costs at most a little polling.
 */

/** Share of the expected time that is slept before asking. */
export const SLEEP_SHARE = 0.85;
/** A wait longer than this (ms) after the sleep means the GPU was still busy. */
export const WAITED_MS = 2;
/** Factor on the expectation after results that were there at once. */
export const PROBE_DOWN = 0.7;
/** Advances shorter than this (grid steps) neither sleep nor teach: their time is mostly fixed costs. */
export const MIN_STEPS = 8;

export class IdleWait {
  /** Expected wall ms per grid step (0: nothing learnt yet). */
  private msPerStep = 0;

  constructor(private readonly enabled: boolean) {}

  /**
   * Sleep until SLEEP_SHARE of the expected time of `steps` grid steps, submitted at `t0`
   * (performance.now()), has passed; returns the time at which the caller asks for its results.
   */
  async sleep(t0: number, steps: number): Promise<number> {
    if (this.enabled && steps >= MIN_STEPS && this.msPerStep > 0) {
      const ms = t0 + SLEEP_SHARE * this.msPerStep * steps - performance.now();
      if (ms > 1) await new Promise((r) => setTimeout(r, ms));
    }
    return performance.now();
  }

  /** The wall ms per grid step it expects now (0: nothing learnt yet). */
  get expectedMsPerStep(): number {
    return this.msPerStep;
  }

  /**
   * Learn from `steps` grid steps submitted at `t0`, whose results were asked for at `tAsk` and came at
   * `tDone` (all performance.now()).
   */
  learn(t0: number, tAsk: number, steps: number, tDone = performance.now()): void {
    if (!this.enabled || steps < MIN_STEPS) return;
    if (this.msPerStep === 0 || tDone - tAsk > WAITED_MS) this.msPerStep = (tDone - t0) / steps;
    else this.msPerStep *= PROBE_DOWN;
  }
}
