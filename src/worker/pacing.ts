/**
 * The worker's pacing: runs the one clock (src/clock/clock.ts) in chunks sized to a target wall time,
 * at most `maxSpeed` simulated seconds per wall second, pauses at a protocol's end, and measures the
 * simulated seconds per wall second. The clock decides what runs when: a protocol's phases are its dose
 * events, applied at their exact grid steps (no chunk runs across one), and it makes the engine's
 * `advance` calls. The rest of the worker sees a narrow host (PacingHost): the engine, where a chunk's
 * records go, what a phase does, and the serialised chain that all engine work goes through (so that
 * commands arriving between chunks never race an advance).
 */
import { Clock } from '../clock/clock.js';
import { type DoseEvent, timedEvents } from '../clock/schedule.js';
import type { BatchEngine, RecordBatch } from '../engines/engine.js';
import type { DrugDoses } from '../model/drugs.js';
import { turn } from '../model/steps.js';
import type { ProtocolInfo } from './protocol.js';
import type { Settings } from './settings.js';

export interface PacingHost {
  /** Runs fn with the engine to itself: the worker's one chain of engine work. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** The engine to advance, or null (none built). */
  engine(): BatchEngine | null;
  /** Takes one chunk's record batches (one per tissue). */
  record(out: RecordBatch[]): void;
  /** A protocol phase is due at the current step: the linked tissues take its doses. */
  applyPhase(phase: DoseEvent): void;
  /** Something a frame shows has changed. */
  changed(): void;
  /** The run stopped on an error. */
  failed(message: string): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Pacing {
  private dt = 0.001;
  /** The clock of the engine built last (its steps count from the build), and that engine. */
  private clock: Clock | null = null;
  private clockOf: BatchEngine | null = null;
  private isRunning = false;
  private looping = false;
  private disposed = false;
  /** Grid step of the protocol's end (Infinity: no protocol), and whether it was reached. */
  private endStep = Infinity;
  private done = false;
  /** Recent (wall ms, simulated s) points for the speed; the throttle's reference; measured steps per wall ms. */
  private speedPts: { wall: number; sim: number }[] = [];
  private throttleRef: { wall: number; sim: number } | null = null;
  private stepsPerMs = 0;
  /** Wall time at which the chunk in flight was asked for. */
  private chunkWall0 = 0;

  constructor(
    private readonly s: Pick<Settings, 'sampleSteps' | 'chunkWallMs' | 'maxSpeed'>,
    private readonly host: PacingHost,
  ) {}

  /** Grid steps done since the build (one clock for every tissue). */
  private get stepsDone(): number {
    return this.clock?.step ?? 0;
  }

  /** Simulated time, s. */
  get tS(): number {
    return this.stepsDone * this.dt;
  }

  get running(): boolean {
    return this.isRunning;
  }

  /** The protocol has reached its end. */
  get protocolDone(): boolean {
    return this.done;
  }

  /**
   * A new build (the host's engine): time back to 0, on a new clock. A protocol's phases from the
   * second on are its dose events (the first is the tissues' start); its end is a pause.
   */
  reset(dtGrid_s: number, protocol: ProtocolInfo | null): void {
    this.dt = dtGrid_s;
    this.stepsPerMs = 0;
    this.speedPts = [];
    this.throttleRef = null;
    this.endStep = protocol ? Math.round(protocol.endS / dtGrid_s) : Infinity;
    this.done = false;
    this.clockOf = this.host.engine();
    this.clock = this.clockOf
      ? new Clock(this.clockOf, {
          dtS: dtGrid_s,
          chunkSteps: this.s.sampleSteps,
          schedule: protocol ? timedEvents(protocolPhases(protocol).slice(1), dtGrid_s) : [],
          apply: (ev) => this.host.applyPhase(ev),
          onChunk: (out, steps) => this.chunkDone(out, steps),
        })
      : null;
  }

  /** No protocol from now on: a free run, time goes on. */
  dropProtocol(): void {
    this.clock?.setSchedule([]);
    this.endStep = Infinity;
    this.done = false;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.speedPts = [];
    this.throttleRef = null;
    this.host.changed();
    void this.loop();
  }

  /** Stops running; resolves once the chunk in flight has finished. */
  async pause(): Promise<void> {
    this.isRunning = false;
    this.speedPts = [];
    this.host.changed();
    await this.host.exclusive(async () => {});
  }

  /** Advances `seconds` of simulated time (at least one grid step) in chunks; a protocol's end stops it too. */
  async step(seconds: number): Promise<void> {
    const end = this.stepsDone + Math.max(1, Math.round(seconds / this.dt));
    while (this.stepsDone < end) {
      const wasDone = this.done;
      const from = this.stepsDone;
      await this.host.exclusive(() => this.advanceChunk(Math.min(end - this.stepsDone, this.chunkSteps())));
      if ((this.done && !wasDone) || this.stepsDone === from) break;
      await turn();
    }
  }

  setMaxSpeed(x: number): void {
    this.s.maxSpeed = x;
    this.throttleRef = null;
  }

  dispose(): void {
    this.isRunning = false;
    this.disposed = true;
  }

  /** Measured simulated seconds per wall second over the last few seconds (0 when paused). */
  simPerWall(): number {
    const pts = this.speedPts;
    if (!this.isRunning || pts.length < 2) return 0;
    const a = pts[0];
    const b = pts[pts.length - 1];
    return b.wall > a.wall ? ((b.sim - a.sim) * 1000) / (b.wall - a.wall) : 0;
  }

  /** Grid steps for the next chunk: about chunkWallMs of engine time, whole samples, within the speed cap. */
  private chunkSteps(): number {
    const ss = this.s.sampleSteps;
    let steps = this.stepsPerMs > 0 ? this.stepsPerMs * this.s.chunkWallMs : ss;
    const cap = this.s.maxSpeed > 0 && Number.isFinite(this.s.maxSpeed) ? this.s.maxSpeed * this.s.chunkWallMs : Infinity;
    steps = Math.min(steps, cap, 5000);
    return Math.max(ss, Math.round(steps / ss) * ss);
  }

  /** Pauses once the protocol's end is reached. */
  private endIfDue(): void {
    if (this.done || this.stepsDone < this.endStep) return;
    this.done = true;
    this.isRunning = false;
    this.speedPts = [];
    this.host.changed();
  }

  private async loop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      while (this.isRunning && !this.disposed) {
        await this.host.exclusive(() => this.advanceChunk(this.chunkSteps()));
        await this.throttle();
        await turn();
      }
    } catch (e) {
      this.host.failed(e instanceof Error ? e.message : String(e));
      this.isRunning = false;
      this.host.changed();
    } finally {
      this.looping = false;
    }
  }

  /** Sleeps so that simulated time runs at most maxSpeed times wall time. */
  private async throttle(): Promise<void> {
    const x = this.s.maxSpeed;
    if (!(x > 0) || !Number.isFinite(x) || !this.clock) return;
    const now = performance.now();
    const sim = this.tS;
    if (!this.throttleRef) {
      this.throttleRef = { wall: now, sim };
      return;
    }
    const ahead = ((sim - this.throttleRef.sim) / x) * 1000 - (now - this.throttleRef.wall);
    if (ahead > 1) await sleep(Math.min(ahead, 1000));
    else if (ahead < -500) this.throttleRef = { wall: now, sim }; // fell behind: do not race to catch up
  }

  /** One clock chunk of up to `want` grid steps, ending at the next phase or the protocol's end. */
  private async advanceChunk(want: number): Promise<void> {
    const c = this.clock;
    if (!c || !this.clockOf || this.host.engine() !== this.clockOf) return;
    this.endIfDue();
    const toEnd = this.done ? Infinity : this.endStep - c.step;
    this.chunkWall0 = performance.now();
    const out = await c.chunk(Math.min(want, toEnd));
    if (!out.length) return;
    this.endIfDue();
    this.host.changed();
  }

  /** A chunk has run (before the phases due at its end are applied): its speed, and its records to the host. */
  private chunkDone(out: RecordBatch[], steps: number): void {
    const w1 = performance.now();
    const spm = steps / Math.max(1, w1 - this.chunkWall0);
    this.stepsPerMs = this.stepsPerMs > 0 ? 0.7 * this.stepsPerMs + 0.3 * spm : spm;
    this.host.record(out);
    this.speedPts.push({ wall: w1, sim: this.tS });
    while (this.speedPts.length > 2 && w1 - this.speedPts[0].wall > 4000) this.speedPts.shift();
  }
}

/** A protocol's phases with their doses typed as the engine takes them. */
function protocolPhases(p: ProtocolInfo): { name: string; startS: number; doses: DrugDoses }[] {
  return p.phases.map((ph) => ({ name: ph.name, startS: ph.startS, doses: ph.doses as DrugDoses }));
}
