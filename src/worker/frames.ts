/**
 * Frames for the caller, at most at its display rate: what the tissues' runs hold since the last frame
 * (trace samples, raster spikes, recent activity), the sample times and phase marks since then, and a
 * grid slice per tissue when one is due (each costs a state read-back, so at most every sliceEveryMs).
 * A frame is assembled when the caller has asked for one (`next`), something changed, and minFrameMs
 * have passed since the last; its typed arrays are transferred, not copied.
 */
import { transfer } from 'comlink';
import type { BatchEngine, RecordBatch } from '../engines/engine.js';
import type { Model } from '../model/derive.js';
import type { Frame, GridSlice, PhaseMark, TissueFrame } from './protocol.js';
import { takePending, type TissueRun } from './runs.js';
import type { Settings } from './settings.js';

/** The frame's header fields that the rest of the worker knows. */
export interface FrameHead {
  version: number;
  tS: number;
  running: boolean;
  simPerWall: number;
  protocolDone: boolean;
}

export interface FrameHost {
  /** Runs fn with the engine to itself (a slice reads its state back). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** The engine (null: none built), its models and the tissues' runs. */
  built(): { batch: BatchEngine | null; models: Model[]; runs: TissueRun[] };
  head(): FrameHead;
  failed(message: string): void;
}

export class Frames {
  private seq = 0;
  private sampleT: number[] = [];
  private phases: PhaseMark[] = [];
  private dirty = true;
  /** z index of the grid slice (-1: the middle, once built); kept within the grid at each build. */
  sliceZ = -1;
  private lastSliceWall = -Infinity;
  private sliceDirty = true;
  private lastFrameWall = -Infinity;
  private waiters: ((f: Frame) => void)[] = [];
  private frameTimer: ReturnType<typeof setTimeout> | null = null;
  private delivering = false;

  constructor(
    private readonly s: Pick<Settings, 'minFrameMs' | 'sliceEveryMs'>,
    private readonly host: FrameHost,
  ) {}

  /** A new build: nothing pending but the tissues' starts; the slice depth kept within the grid (else its middle). */
  reset(nz: number, starts: PhaseMark[]): void {
    this.sampleT = [];
    this.phases = [...starts];
    if (this.sliceZ < 0 || this.sliceZ >= nz) this.sliceZ = Math.floor(nz / 2);
    this.sliceDirty = true;
    this.changed();
  }

  /** The sample times of one chunk (its first tissue's records: the tissues share the clock). */
  addSamples(first: RecordBatch, dtGrid_s: number): void {
    const step = first.samples.step;
    for (let i = 0; i < step.length; i++) this.sampleT.push(step[i] * dtGrid_s);
  }

  addPhase(mark: PhaseMark): void {
    this.phases.push(mark);
  }

  /** A new slice depth: the next frame carries a slice. */
  setSliceZ(z: number): void {
    this.sliceZ = z;
    this.sliceDirty = true;
    this.changed();
  }

  /** Something a frame shows has changed: deliver one when asked for and due. */
  changed(): void {
    this.dirty = true;
    this.tryDeliver();
  }

  /** The next frame: resolves once there is something new and at least minFrameMs since the last. */
  next(): Promise<Frame> {
    return new Promise<Frame>((resolve) => {
      this.waiters.push(resolve);
      this.tryDeliver();
    });
  }

  private tryDeliver(): void {
    if (!this.waiters.length || !this.dirty || this.delivering || !this.host.built().batch) return;
    const wait = this.lastFrameWall + this.s.minFrameMs - performance.now();
    if (wait > 0) {
      if (!this.frameTimer)
        this.frameTimer = setTimeout(() => {
          this.frameTimer = null;
          this.tryDeliver();
        }, wait);
      return;
    }
    this.delivering = true;
    void this.host
      .exclusive(() => this.build())
      .then((f) => {
        const w = this.waiters.shift();
        if (w) w(f);
      })
      .catch((e) => {
        this.host.failed(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        this.delivering = false;
        if (this.dirty) this.tryDeliver();
      });
  }

  private async slice(batch: BatchEngine, model: Model, k: number): Promise<GridSlice> {
    const snap = await batch.snapshot(k);
    const g = model.geometry;
    const z = Math.min(g.nz - 1, this.sliceZ);
    const off = z * g.nx * g.ny;
    const len = g.nx * g.ny;
    const inside = new Uint8Array(len);
    for (let i = 0; i < len; i++) inside[i] = g.nbrMask[off + i] ? 1 : 0;
    return { z, nx: g.nx, ny: g.ny, data: snap.grid.slice(off, off + len), inside };
  }

  private async build(): Promise<Frame> {
    const { batch, models, runs } = this.host.built();
    const now = performance.now();
    const withSlice = !!batch && (this.sliceDirty || now - this.lastSliceWall >= this.s.sliceEveryMs);
    const slices: (GridSlice | undefined)[] = [];
    for (let k = 0; k < runs.length; k++) slices.push(batch && withSlice ? await this.slice(batch, models[k], k) : undefined);
    if (withSlice) {
      this.lastSliceWall = now;
      this.sliceDirty = false;
    }
    const bufs: ArrayBuffer[] = [];
    const tissues: TissueFrame[] = runs.map((r, k) => {
      const slice = slices[k];
      const tf: TissueFrame = { ...takePending(r), ...(slice ? { slice } : {}) };
      for (const a of [tf.rateHz, tf.probeNm, tf.meanCNm, tf.spikeCell, tf.spikeT, tf.activity]) bufs.push(a.buffer as ArrayBuffer);
      if (slice) bufs.push(slice.data.buffer as ArrayBuffer, slice.inside.buffer as ArrayBuffer);
      return tf;
    });
    const h = this.host.head();
    const f: Frame = {
      seq: ++this.seq,
      version: h.version,
      tS: h.tS,
      running: h.running,
      simPerWall: h.simPerWall,
      sampleT: Float64Array.from(this.sampleT),
      tissues,
      phases: this.phases,
      protocolDone: h.protocolDone,
    };
    bufs.push(f.sampleT.buffer as ArrayBuffer);
    this.sampleT = [];
    this.phases = [];
    this.dirty = false;
    this.lastFrameWall = performance.now();
    return transfer(f, bufs);
  }
}
