/**
 * The checkpoints of one run (a batch of scenarios run together): when to write one, what identifies
 * the run (its scenarios' hash) and, on a signal, a last checkpoint before the process ends.
 *
 * When: every `everyS` seconds of wall time when given (0: after every chunk); by default every
 * DEFAULT_EVERY_S seconds, and never sooner than COST_FACTOR times the last checkpoint's own cost, so
 * that writing them takes under 1/COST_FACTOR (5%) of the run's wall time whatever its size.
 *
 * A signal (SIGINT, SIGTERM) while the runs are stepping asks for a stop: at the end of the chunk in
 * progress a checkpoint is written, then the process ends (at most STOP_WAIT_MS later: a chunk of a
 * very large run may take longer, and then the checkpoint before stays). Before the first chunk has run
 * (model building, steady-state estimates) there is nothing to keep, and the signal ends it at once.
 */
import { createHash } from 'node:crypto';
import type { Scenario } from '../model/scenario.js';
import { resolvedScenario } from '../report/provenance.js';
import type { BatchProgress, Checkpoint } from './format.js';
import { CheckpointWriter, readCheckpoint, removeCheckpoint } from './store.js';
import { CheckpointError } from './validate.js';

/** Seconds between checkpoints by default. */
export const DEFAULT_EVERY_S = 30;
/** By default a checkpoint waits at least this many times its own cost after the one before. */
export const COST_FACTOR = 20;

/** The identity of a run: SHA-256 (hex) of its scenarios, resolved (every parameter, the protocol, the seed). */
export function scenarioHash(scenarios: readonly Scenario[]): string {
  return createHash('sha256')
    .update(JSON.stringify(scenarios.map((sc) => resolvedScenario(sc))))
    .digest('hex');
}

/** The run whose checkpoints a signal stops at (one a process). */
let armed: RunCheckpoints | null = null;

/** The longest a signal waits for the chunk in progress to end; then it ends the process without a new checkpoint. */
export const STOP_WAIT_MS = 10_000;

/**
 * A signal's first call while a run with checkpoints is stepping: the stop is left to it (true; it ends
 * the process with `exit` once its checkpoint is written, or after STOP_WAIT_MS, the checkpoint before
 * kept). Otherwise false: the caller exits now.
 */
export function stopAtCheckpoint(exit: () => void): boolean {
  if (!armed || armed.stopping) return false;
  armed.stopping = exit;
  setTimeout(exit, STOP_WAIT_MS).unref();
  return true;
}

export class RunCheckpoints {
  private readonly writer: CheckpointWriter;
  private last = performance.now();
  private costS = 0;
  private warned = false;
  /** Set by a signal: write a checkpoint at the next chunk's end, then call it. */
  stopping: (() => void) | null = null;
  /** Checkpoints written, and the seconds they took in all. */
  written = 0;
  seconds = 0;

  constructor(
    readonly dir: string,
    readonly hash: string,
    private readonly everyS: number | undefined,
    readonly meta: unknown = null,
    /** One line each: a checkpoint that could not be written, the last one written at a stop. */
    private readonly onLine: (line: string) => void = () => {},
  ) {
    this.writer = new CheckpointWriter(dir);
  }

  /** The checkpoint in `dir`, checked, and (given `hash`) that it is of the run `hash` names. */
  static read(dir: string, hash: string | undefined, where: string): Checkpoint {
    const c = readCheckpoint(dir, where);
    if (hash !== undefined && c.scenarioHash !== hash)
      throw new CheckpointError(
        where,
        'the checkpoint is of another scenario (its resolved scenario differs): give the flags or file of the run that wrote it',
      );
    return c;
  }

  /** The hooks runScenarios takes (RunOptions.checkpoint). */
  hooks(): { due(): boolean; save(p: BatchProgress): Promise<void> } {
    return this.hooksOf(
      (p: BatchProgress) => ({ scenarioHash: this.hash, meta: this.meta, progress: p }),
      (p) => `${p.sims[0]?.state.step ?? 0} grid steps run`,
    );
  }

  /**
   * The hooks of any job whose progress `P` makes a checkpoint (`toCheckpoint`, with this run's hash and
   * meta) and is told in words at a stop (`told`): the chronic driver's, say.
   */
  hooksOf<P>(toCheckpoint: (p: P) => Checkpoint, told: (p: P) => string): { due(): boolean; save(p: P): Promise<void> } {
    return {
      due: () => {
        armed = this;
        if (this.stopping) return true;
        const gap = this.everyS ?? Math.max(DEFAULT_EVERY_S, COST_FACTOR * this.costS);
        if ((performance.now() - this.last) / 1000 < gap) return false;
        this.last = performance.now(); // the cost counts the engines' snapshots too
        return true;
      },
      save: async (p) => {
        const t0 = this.last;
        let ok = false;
        try {
          this.writer.write(toCheckpoint(p));
          this.written++;
          ok = true;
        } catch (e) {
          if (!this.warned)
            this.onLine(`warning: cannot write the checkpoint in ${this.dir} (${e instanceof Error ? e.message : e}); the run goes on`);
          this.warned = true;
        }
        this.last = performance.now();
        this.costS = (this.last - t0) / 1000;
        this.seconds += this.costS;
        if (!this.stopping) return;
        if (ok) this.onLine(`checkpoint written in ${this.dir} (${told(p)})`);
        this.stopping();
      },
    };
  }

  /** The runs are over (or failed): a signal ends the process at once again, and one that came meanwhile does now. */
  disarm(): void {
    if (armed === this) armed = null;
    this.stopping?.();
  }

  /** The results are in place: the checkpoint goes. */
  remove(): void {
    this.disarm();
    removeCheckpoint(this.dir);
  }
}
