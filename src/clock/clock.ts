/**
 * The one clock: advances an engine through a dose schedule in chunks. Every driver of model time uses
 * it: raphe run and the experiments (experiment/run-scenario.ts), the chronic driver's fast phases
 * (experiment/chronic.ts), the steady-state estimate's patch run (engines/cpu/steady-state.ts) and the
 * demo's worker (worker/pacing.ts, one chunk at a time through `chunk`).
 *
 * What runs when is decided in one place, `nextChunk`:
 *   - dose events take effect at their grid step: each is applied before the chunk that starts there,
 *     and no chunk runs across one;
 *   - a chunk is at most `chunkSteps` long and never runs past the advance's own stops (minSteps, then
 *     maxSteps);
 *   - an advance "until settled" asks the settling rule (model/settling.ts) before each chunk once
 *     minSteps have run, and stops when it holds or maxSteps have run.
 * `Clock` drives a BatchEngine (a single Engine through singleAsBatch), `SyncClock` a synchronous
 * engine (the CPU engine's advanceSync).
 */
import type { BatchEngine, RecordBatch } from '../engines/engine.js';
import type { DrugDoses } from '../model/drugs.js';
import { SETTLE_TOLERANCE, samplesSettled, settledOver } from '../model/settling.js';
import { Schedule, type DoseEvent } from './schedule.js';

export interface ClockOptions {
  /** Grid step, s: sample times are their step x dtS. */
  dtS: number;
  /** Most grid steps per engine call. */
  chunkSteps: number;
  /** Dose events, in grid steps from the clock's start (its step 0: the engine's state when the clock is made). */
  schedule?: readonly DoseEvent[];
  /** Called after each chunk with what it recorded (one RecordBatch per simulation) and its steps. */
  onChunk?: (out: RecordBatch[], steps: number) => void;
  /** Called as each dose event is applied. */
  onDoses?: (ev: DoseEvent) => void;
  /**
   * Applies a dose event in place of the default (setDoses on its sim, or on every sim when it names
   * none): for a caller that picks the targets when the event comes (the demo's linked tissues).
   */
  apply?: (ev: DoseEvent) => void;
}

/** An advance of at least `minSteps` and at most `maxSteps` grid steps (minSteps wins when larger). */
export interface StepPlan {
  minSteps: number;
  maxSteps: number;
  chunkSteps: number;
}

export interface SettleOptions {
  /** Steps run before the settling rule is first asked; a chunk ends there. */
  minSteps: number;
  /** Steps after which the advance ends, settled or not. */
  maxSteps: number;
  /**
   * Start of the settling window, s: the rule reads the last quarter of (fromS, fromS + steps run x
   * dtS] (a phase timed from its start). Absent: the last quarter of the span of the samples this
   * advance recorded (first to last).
   */
  fromS?: number;
  /** Relative drift tolerance (default SETTLE_TOLERANCE). */
  tolerance?: number;
}

export interface Advance {
  /** Grid steps run. */
  steps: number;
  /** True when it ended because every simulation was settled (false: it ran to its steps). */
  settled: boolean;
  /** What each simulation recorded, chunk by chunk: records[sim][chunk]. */
  records: RecordBatch[][];
}

/**
 * The next chunk of an advance that has run `ran` steps, with the next dose event `toEvent` steps away
 * (Infinity: none): 0 when the advance is done. `settled` is asked only once minSteps have run and
 * maxSteps have not.
 */
export function nextChunk(ran: number, plan: StepPlan, toEvent: number, settled?: () => boolean): number {
  if (ran >= plan.minSteps && (ran >= plan.maxSteps || (settled?.() ?? false))) return 0;
  const stop = ran < plan.minSteps ? plan.minSteps : plan.maxSteps;
  return Math.min(plan.chunkSteps, stop - ran, toEvent);
}

/** Sample times (s) and probe (nM) of one simulation's records, in order. */
export function probeSeries(records: readonly RecordBatch[], dtS: number): { tS: Float64Array; probe: Float64Array } {
  const n = records.reduce((a, r) => a + r.samples.step.length, 0);
  const tS = new Float64Array(n);
  const probe = new Float64Array(n);
  let o = 0;
  for (const r of records) {
    for (let i = 0; i < r.samples.step.length; i++) {
      tS[o] = r.samples.step[i] * dtS;
      probe[o++] = r.samples.probe[i];
    }
  }
  return { tS, probe };
}

/** Whether one simulation's records are settled under the rule (see SettleOptions.fromS). */
export function recordsSettled(
  records: readonly RecordBatch[],
  dtS: number,
  o: Pick<SettleOptions, 'fromS' | 'tolerance'>,
  ranSteps: number,
): boolean {
  const { tS, probe } = probeSeries(records, dtS);
  const tol = o.tolerance ?? SETTLE_TOLERANCE;
  return o.fromS === undefined ? samplesSettled(tS, probe, tol) : settledOver(tS, probe, o.fromS, o.fromS + ranSteps * dtS, tol);
}

/** The state both clocks share: the step reached and the schedule. */
abstract class ClockBase {
  protected schedule: Schedule;
  protected now = 0;

  constructor(protected readonly o: ClockOptions) {
    if (!(o.chunkSteps >= 1)) throw new Error(`clock: chunkSteps must be >= 1, got ${o.chunkSteps}`);
    this.schedule = new Schedule(o.schedule);
  }

  /** Grid steps advanced since the start. */
  get step(): number {
    return this.now;
  }

  /** Grid steps to the next dose event (Infinity when none is left). */
  stepsToEvent(): number {
    return this.schedule.nextStep() - this.now;
  }

  /** Replaces the events still to come (a protocol chosen or cleared mid-run); those before the current step are dropped. */
  setSchedule(events: readonly DoseEvent[]): void {
    this.schedule = new Schedule(events.filter((ev) => ev.step >= this.now));
  }

  /** Applies the dose events due at the current step. */
  protected applyDue(): void {
    for (const ev of this.schedule.due(this.now)) {
      if (this.o.apply) this.o.apply(ev);
      else this.setDoses(ev);
      this.o.onDoses?.(ev);
    }
  }

  protected abstract setDoses(ev: DoseEvent): void;
}

/** The clock of a BatchEngine: every simulation of the batch advances the same steps. */
export class Clock extends ClockBase {
  constructor(
    private readonly batch: BatchEngine,
    o: ClockOptions,
  ) {
    super(o);
  }

  /** Sims whose runs are over (retire): the engine may skip them; their records are no one's. */
  private readonly retired = new Set<number>();

  protected setDoses(ev: DoseEvent): void {
    for (let s = 0; s < this.batch.nSims; s++)
      if ((ev.sim === undefined || ev.sim === s) && !this.retired.has(s)) this.batch.setDoses(s, ev.doses);
  }

  /**
   * Sim `sim`'s run is over: its records are to be ignored from now on, and with `skip` its steps may be
   * skipped (BatchEngine.retire; without, it keeps the batch's step, as a checkpoint of the batch needs).
   */
  retire(sim: number, skip = true): void {
    if (this.retired.has(sim)) return;
    this.retired.add(sim);
    if (skip) this.batch.retire?.(sim);
  }

  isRetired(sim: number): boolean {
    return this.retired.has(sim);
  }

  /**
   * One engine call of at most `want` steps, ending at the next dose event (events due now applied
   * first); what each simulation recorded (empty when no step could run).
   */
  async chunk(want: number): Promise<RecordBatch[]> {
    this.applyDue();
    const n = Math.min(want, this.stepsToEvent());
    if (!(n > 0)) return [];
    const out = await this.batch.advance(n);
    this.now += n;
    this.o.onChunk?.(out, n);
    this.applyDue();
    return out;
  }

  /** Advance exactly `steps` grid steps, in chunks of at most `chunkSteps` (default: the clock's). */
  async advance(steps: number, chunkSteps = this.o.chunkSteps): Promise<Advance> {
    return this.run({ minSteps: steps, maxSteps: steps, chunkSteps });
  }

  /** Advance until every simulation is settled: at least minSteps, at most maxSteps (minSteps wins when larger). */
  async advanceUntilSettled(o: SettleOptions): Promise<Advance> {
    return this.run({ minSteps: o.minSteps, maxSteps: o.maxSteps, chunkSteps: this.o.chunkSteps }, o);
  }

  private async run(plan: StepPlan, settle?: SettleOptions): Promise<Advance> {
    const records: RecordBatch[][] = Array.from({ length: this.batch.nSims }, () => []);
    let ran = 0;
    let settled = false;
    const check = settle && (() => (settled = records.every((rs) => recordsSettled(rs, this.o.dtS, settle, ran))));
    for (;;) {
      this.applyDue();
      const n = nextChunk(ran, plan, this.stepsToEvent(), check);
      if (n <= 0) break;
      const out = await this.chunk(n);
      out.forEach((r, s) => {
        records[s].push(r);
      });
      ran += n;
    }
    return { steps: ran, settled, records };
  }
}

/** An engine that advances synchronously (the CPU engine's advanceSync). */
export interface SyncEngine {
  advanceSync(steps: number): RecordBatch;
  setDoses(doses: DrugDoses): void;
}

/** The clock of one synchronous engine (the steady-state estimate's patch run). */
export class SyncClock extends ClockBase {
  constructor(
    private readonly engine: SyncEngine,
    o: ClockOptions,
  ) {
    super(o);
  }

  protected setDoses(ev: DoseEvent): void {
    this.engine.setDoses(ev.doses);
  }

  /** Advance exactly `steps` grid steps; what was recorded, chunk by chunk. */
  advance(steps: number, chunkSteps = this.o.chunkSteps): RecordBatch[] {
    const plan: StepPlan = { minSteps: steps, maxSteps: steps, chunkSteps };
    const out: RecordBatch[] = [];
    for (let ran = 0; ; ) {
      this.applyDue();
      const n = nextChunk(ran, plan, this.stepsToEvent());
      if (n <= 0) break;
      const r = this.engine.advanceSync(n);
      this.now += n;
      this.o.onChunk?.([r], n);
      out.push(r);
      ran += n;
    }
    this.applyDue();
    return out;
  }
}
