/**
 * The worker's clock: advances the engine through time in chunks sized to a target wall time, at most
 * `maxSpeed` simulated seconds per wall second, applies a protocol's phases at their exact grid steps
 * (a chunk ends at the next one) and pauses at its end, and measures the simulated seconds per wall
 * second. Every call of the engine's `advance` is here; the rest of the worker sees a narrow host
 * (PacingHost): the engine, where a chunk's records go, what a phase does, and the serialised chain
 * that all engine work goes through (so that commands arriving between chunks never race an advance).
 */
import type { BatchEngine, RecordBatch } from '../engines/engine.js';
import type { ProtocolInfo, ProtocolPhase } from './protocol.js';
import type { Settings } from './settings.js';

export interface PacingHost {
  /** Runs fn with the engine to itself: the worker's one chain of engine work. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** The engine to advance, or null (none built). */
  engine(): BatchEngine | null;
  /** Takes one chunk's record batches (one per tissue). */
  record(out: RecordBatch[]): void;
  /** A protocol phase is due at the current step: the linked tissues take its doses. */
  applyPhase(phase: ProtocolPhase): void;
  /** Something a frame shows has changed. */
  changed(): void;
  /** The run stopped on an error. */
  failed(message: string): void;
}

let yieldChannel: MessageChannel | null = null;
/** Lets queued messages (commands) in between chunks: setImmediate in Node, a MessageChannel elsewhere. */
function yieldToEvents(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => {
    if (!yieldChannel) yieldChannel = new MessageChannel();
    const ch = yieldChannel;
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(null);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Pacing {
  private dt = 0.001;
  private built = false;
  /** Grid steps done since the build (one clock for every tissue). */
  private stepsDone = 0;
  private isRunning = false;
  private looping = false;
  private disposed = false;
  /** The protocol being run, the index of its next phase (phases.length: its end is next), and whether it ended. */
  private protocol: ProtocolInfo | null = null;
  private nextPhase = 0;
  private done = false;
  /** Recent (wall ms, simulated s) points for the speed; the throttle's reference; measured steps per wall ms. */
  private speedPts: { wall: number; sim: number }[] = [];
  private throttleRef: { wall: number; sim: number } | null = null;
  private stepsPerMs = 0;

  constructor(
    private readonly s: Pick<Settings, 'sampleSteps' | 'chunkWallMs' | 'maxSpeed'>,
    private readonly host: PacingHost,
  ) {}

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

  /** A new build: time back to 0; a protocol runs from its second phase on (the first is the tissues' start). */
  reset(dtGrid_s: number, protocol: ProtocolInfo | null): void {
    this.dt = dtGrid_s;
    this.built = true;
    this.stepsDone = 0;
    this.stepsPerMs = 0;
    this.speedPts = [];
    this.throttleRef = null;
    this.protocol = protocol;
    this.nextPhase = protocol ? 1 : 0;
    this.done = false;
  }

  /** No protocol from now on: a free run, time goes on. */
  dropProtocol(): void {
    this.protocol = null;
    this.nextPhase = 0;
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
      await this.host.exclusive(() => this.advanceChunk(Math.min(end - this.stepsDone, this.chunkSteps())));
      if (this.done && !wasDone) break;
      await yieldToEvents();
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

  /** Grid step of the protocol's next event (a phase start or its end), or Infinity. */
  private nextEventStep(): number {
    const p = this.protocol;
    if (!p || this.done) return Infinity;
    const tEv = this.nextPhase < p.phases.length ? p.phases[this.nextPhase].startS : p.endS;
    return Math.round(tEv / this.dt);
  }

  /** Applies the protocol events due at the current step: phases to the linked tissues, the end (pause). */
  private protocolEvents(): void {
    const p = this.protocol;
    while (p && !this.done && this.stepsDone >= this.nextEventStep()) {
      if (this.nextPhase < p.phases.length) this.host.applyPhase(p.phases[this.nextPhase++]);
      else {
        this.done = true;
        this.isRunning = false;
        this.speedPts = [];
        this.host.changed();
      }
    }
  }

  private async loop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      while (this.isRunning && !this.disposed) {
        await this.host.exclusive(() => this.advanceChunk(this.chunkSteps()));
        await this.throttle();
        await yieldToEvents();
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
    if (!(x > 0) || !Number.isFinite(x) || !this.built) return;
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

  /** Advances up to `want` grid steps, stopping at the protocol's next event, and hands the records on. */
  private async advanceChunk(want: number): Promise<void> {
    const b = this.host.engine();
    if (!b) return;
    this.protocolEvents();
    const steps = Math.min(want, this.nextEventStep() - this.stepsDone);
    if (!(steps > 0)) return;
    const w0 = performance.now();
    const out = await b.advance(steps);
    const w1 = performance.now();
    const spm = steps / Math.max(1, w1 - w0);
    this.stepsPerMs = this.stepsPerMs > 0 ? 0.7 * this.stepsPerMs + 0.3 * spm : spm;
    this.stepsDone = out[0].firstStep + out[0].steps;
    this.host.record(out);
    this.speedPts.push({ wall: w1, sim: this.tS });
    while (this.speedPts.length > 2 && w1 - this.speedPts[0].wall > 4000) this.speedPts.shift();
    this.protocolEvents();
    this.host.changed();
  }
}
