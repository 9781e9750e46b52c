/**
 * The CPU engine: the model of docs/model.md in float32, one thread, in the WebAssembly kernels
 * (wasm-kernels.ts: the same operations in the same order as shaders/*.wgsl and the JavaScript
 * references neurons.ts and grid.ts) over one WebAssembly memory, whose views are the engine's arrays.
 *
 * A built start's warm-up (warm-up.ts, docs/model.md §3) is owed from construction and run before anything
 * reads or changes the state: by advance() and snapshot() in chunks of cells with an await between them
 * (the thread stays free for signals), by advanceSync() and the setters at once. Either way the same bits.
 */
import type { DrugDoses } from '../../model/drugs.js';
import { deriveConstants, type Constants, type Model } from '../../model/derive.js';
import {
  checkCellValues,
  checkGrid,
  copySnapshot,
  type Engine,
  type SettableField,
  type EngineInfo,
  type EngineOptions,
  type RecordBatch,
  type StateSnapshot,
} from '../engine.js';
import { checkConstants } from '../engine.js';
import { startState } from '../initial-state.js';
import { decodeSamples, SAMPLE_WORDS } from '../../model/layout.js';
import { sumOver, writeTraceSample, type MassAccumulator } from './grid.js';
import type { NeuronState } from '../../model/layout.js';
import { modelMemory, WasmKernels, type KernelViews } from './wasm-kernels.js';
import { turn } from '../../model/steps.js';
import { type PendingWarmUp, warmUpChunk } from './warm-up.js';

/** Milliseconds of warm-up between two awaits. */
const WARM_SLICE_MS = 10;

export class CpuEngine implements Engine {
  readonly info: EngineInfo = { engine: 'cpu', adapter: 'WebAssembly, 1 thread' };
  private k: Constants;
  private readonly m: Model;
  private readonly state: NeuronState;
  private readonly grids: [Float32Array, Float32Array];
  /** Which of `grids` is the current one. */
  private cur = 0;
  private readonly kernel: WasmKernels;
  private readonly rowQuanta: Uint8Array;
  private readonly spikeSub: Uint8Array;
  private step = 0;
  private readonly recordSpikes: boolean;
  private readonly sampleSteps: number;
  private windowSpikes = 0;
  private readonly views: KernelViews;
  /** The warm-up owed (null: none, or done). */
  private warm: PendingWarmUp | null = null;
  /** The warm-up running in slices (advance, snapshot), shared by concurrent callers. */
  private warming: Promise<void> | null = null;

  constructor(opts: EngineOptions) {
    this.m = opts.model;
    this.k = deriveConstants(opts.model, opts.doses);
    const m = opts.model;
    const s = startState(m, this.k, opts);
    this.step = s.step;
    this.windowSpikes = s.windowSpikes ?? 0;
    const { memory, layout, views } = modelMemory(m, s);
    this.views = views;
    this.state = views.state;
    this.grids = views.grids;
    this.spikeSub = views.spikeSub;
    this.rowQuanta = views.rowQuanta;
    this.kernel = new WasmKernels(memory, layout);
    this.recordSpikes = opts.recordSpikes;
    this.sampleSteps = opts.sampleSteps;
    if (s.warmUp > 0 && m.nCells > 0) this.warm = { k: this.k, steps: s.warmUp, cur: this.cur, next: 0 };
  }

  /** The warm-up owed, run to its end here and now. */
  private warmSync(): void {
    const w = this.warm;
    if (!w) return;
    while (!warmUpChunk(w, this.kernel, this.views, this.m.nCells));
    this.warm = null;
  }

  /** Run the warm-up owed now (in slices, awaiting between them), so that the first advance() starts stepping at once. */
  warmUp(): Promise<void> {
    return this.warmAsync();
  }

  /** The warm-up owed, run in slices of about WARM_SLICE_MS with an await between them. */
  private warmAsync(): Promise<void> {
    if (!this.warm) return Promise.resolve();
    this.warming ??= (async () => {
      let t0 = performance.now();
      // warmSync (a setter meanwhile) may finish it: this.warm is then null
      while (this.warm) {
        if (warmUpChunk(this.warm, this.kernel, this.views, this.m.nCells)) this.warm = null;
        else if (performance.now() - t0 >= WARM_SLICE_MS) {
          await turn();
          t0 = performance.now();
        }
      }
    })().finally(() => {
      this.warming = null;
    });
    return this.warming;
  }

  private get c(): Float32Array {
    return this.grids[this.cur];
  }

  get constants(): Constants {
    return this.k;
  }

  setDoses(doses: DrugDoses): void {
    this.k = deriveConstants(this.m, doses);
  }

  setConstants(k: Constants): void {
    checkConstants(k, this.k);
    this.k = { ...k };
  }

  async advance(steps: number): Promise<RecordBatch> {
    await this.warmAsync();
    return this.advanceSync(steps);
  }

  advanceSync(steps: number): RecordBatch {
    this.warmSync();
    const m = this.m;
    const k = this.k;
    const n = m.nCells;
    const g = m.geometry;
    const S = k.subSteps;
    const firstStep = this.step;
    const nSamples = Math.floor((firstStep + steps) / this.sampleSteps) - Math.floor(firstStep / this.sampleSteps);
    const words = new Uint32Array(nSamples * SAMPLE_WORDS);
    let si = 0;
    let spCells: number[] | null = this.recordSpikes ? [] : null;
    let spSteps: number[] | null = this.recordSpikes ? [] : null;
    const mass: MassAccumulator = { released: 0, uptaken: 0, cleared: 0 };
    const gridStart = sumOver(this.c, g.inside);
    let spikeCount = 0;
    for (let t = 0; t < steps; t++) {
      const step = this.step;
      const nsp = this.kernel.step(k, this.cur, step, 0, n);
      if (nsp > 0) {
        const sub = this.spikeSub;
        const vox = m.vox;
        const rowQuanta = this.rowQuanta;
        for (let i = 0; i < n; i++) {
          if (sub[i] !== 255) {
            // the kernel added the spike's release quanta to its voxel's count: flag the row for the x pass
            rowQuanta[Math.floor(vox[i] / g.nx)] = 1;
            if (spCells) {
              spCells.push(i);
              spSteps!.push(step * S + sub[i]);
            }
          }
        }
      }
      spikeCount += nsp;
      this.windowSpikes += nsp;
      this.kernel.spread(k, 0, g.nz);
      this.kernel.releaseUptake(k, this.cur, 0, g.inside.length, mass);
      this.kernel.diffuse(k, this.cur, 0, g.inside.length);
      this.cur = 1 - this.cur;
      this.step++;
      if (this.step % this.sampleSteps === 0) {
        writeTraceSample(words, si * SAMPLE_WORDS, g, this.c, this.state, this.step, this.windowSpikes);
        this.windowSpikes = 0;
        si++;
      }
    }
    const batch: RecordBatch = {
      firstStep,
      steps,
      spikeCount,
      samples: decodeSamples(words, nSamples),
      mass: { ...mass, gridStart, gridEnd: sumOver(this.c, g.inside) },
    };
    if (spCells) batch.spikes = { cells: Uint32Array.from(spCells), steps: Uint32Array.from(spSteps!) };
    spCells = spSteps = null;
    return batch;
  }

  setCellState(field: SettableField, values: Float32Array): void {
    checkCellValues(field, values, this.m.nCells);
    this.warmSync();
    this.state[field].set(values);
  }

  setGrid(grid: Float32Array): void {
    checkGrid(grid, this.c.length);
    this.warmSync();
    this.c.set(grid);
  }

  async snapshot(): Promise<StateSnapshot> {
    await this.warmAsync();
    return copySnapshot(this.step, this.state, this.c, this.windowSpikes);
  }

  dispose(): void {}
}
