/**
 * The CPU reference engine: typed-array loops over the model of docs/model.md, float32 state, one thread.
 * Runs the same operations in the same order as the WGSL kernels (see neurons.ts, grid.ts).
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
import { initialState } from '../initial-state.js';
import { decodeSamples, SAMPLE_WORDS } from '../../model/layout.js';
import { diffuse, releaseUptake, sumOver, writeTraceSample, type MassAccumulator } from './grid.js';
import { stepNeurons, type NeuronState } from './neurons.js';

export class CpuEngine implements Engine {
  readonly info: EngineInfo = { engine: 'cpu', adapter: 'JavaScript, 1 thread' };
  private k: Constants;
  private readonly m: Model;
  private readonly state: NeuronState;
  private c: Float32Array;
  private cNext: Float32Array;
  private readonly counts: Uint32Array;
  private readonly spikeSub: Uint8Array;
  private step = 0;
  private readonly recordSpikes: boolean;
  private readonly sampleSteps: number;
  private windowSpikes = 0;

  constructor(opts: EngineOptions) {
    this.m = opts.model;
    this.k = deriveConstants(opts.model, opts.doses);
    const s = initialState(opts.model, this.k, opts.c0_nM, opts.rate0_Hz, opts.d1A);
    this.state = s;
    this.c = s.grid;
    this.cNext = new Float32Array(this.c.length);
    this.counts = new Uint32Array(this.c.length);
    this.spikeSub = new Uint8Array(opts.model.nCells);
    this.recordSpikes = opts.recordSpikes;
    this.sampleSteps = opts.sampleSteps;
  }

  get constants(): Constants {
    return this.k;
  }

  setDoses(doses: DrugDoses): void {
    this.k = deriveConstants(this.m, doses);
  }

  async advance(steps: number): Promise<RecordBatch> {
    return this.advanceSync(steps);
  }

  advanceSync(steps: number): RecordBatch {
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
    const cells = { Idrive: m.Idrive, vox: m.vox, bgGap: m.bgGap };
    const out = { spikeSub: this.spikeSub };
    for (let t = 0; t < steps; t++) {
      const step = this.step;
      const nsp = stepNeurons(k, this.state, cells, this.c, step, 0, n, out);
      if (nsp > 0) {
        const sub = this.spikeSub;
        const vox = m.vox;
        const counts = this.counts;
        for (let i = 0; i < n; i++) {
          if (sub[i] !== 255) {
            counts[vox[i]]++;
            if (spCells) {
              spCells.push(i);
              spSteps!.push(step * S + sub[i]);
            }
          }
        }
      }
      spikeCount += nsp;
      this.windowSpikes += nsp;
      releaseUptake(k, g, m.vmaxDt, this.counts, this.c, mass);
      diffuse(k, g, this.c, this.cNext);
      const tmp = this.c;
      this.c = this.cNext;
      this.cNext = tmp;
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
    this.state[field].set(values);
  }

  setGrid(grid: Float32Array): void {
    checkGrid(grid, this.c.length);
    this.c.set(grid);
  }

  async snapshot(): Promise<StateSnapshot> {
    return copySnapshot(this.step, this.state, this.c);
  }

  dispose(): void {}
}
