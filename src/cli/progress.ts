/** A progress bar on stderr, shown only for work that lasts more than a second. */
export class Progress {
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private shown = false;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {}

  /** `detail` (e.g. "12/45 points") is shown after the percentage. */
  update(fraction: number, detail?: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    const elapsed = (now - this.t0) / 1000;
    if (elapsed < 1) return;
    const tty = this.stream.isTTY;
    if (now - this.lastDraw < (tty ? 100 : 10000)) return;
    this.lastDraw = now;
    const f = Math.max(0, Math.min(1, fraction));
    const eta = f > 0.01 ? (elapsed / f) * (1 - f) : NaN;
    const width = 30;
    const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '-');
    const line = `${this.label} [${bar}] ${(f * 100).toFixed(0).padStart(3)}%${detail ? `  ${detail}` : ''}  ${elapsed.toFixed(0)} s elapsed${Number.isFinite(eta) ? `, ~${eta.toFixed(0)} s left` : ''}`;
    if (tty) this.stream.write(`\r${line}\x1b[K`);
    else this.stream.write(line + '\n');
    this.shown = true;
  }

  done(): void {
    if (this.shown && this.stream.isTTY) this.stream.write('\r\x1b[K');
  }
}

/**
 * The two stages of a run as one display: the steady-state starts (estimated before any run begins, a
 * large share of a short run's wall time) and then the runs, each with its own count and time left.
 */
export class RunProgress {
  private estimates?: Progress;
  // started at the runs' first update, so its time left is not skewed by the estimates before it
  private run?: Progress;
  constructor(private readonly label: string) {}
  /** For RunOptions.onEstimate. */
  readonly onEstimate = (done: number, total: number): void => {
    this.estimates ??= new Progress(`${this.label}: steady-state starts`);
    this.estimates.update(done / total, `${done}/${total} estimated`);
    if (done === total) this.estimates.done();
  };
  update(fraction: number, detail?: string): void {
    this.run ??= new Progress(this.label);
    this.run.update(fraction, detail);
  }
  done(): void {
    this.estimates?.done();
    this.run?.done();
  }
}
