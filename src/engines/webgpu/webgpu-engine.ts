/**
 * The WebGPU engine of one simulation: the K = 1 case of WebGpuBatch (batch.ts, which describes the
 * design and the rooms that hold the kernels, sizing, buffers, set-up and readback decoding). Bit-identical to the CPU engine on
 * IEEE-exact adapters.
 */
import type { DrugDoses } from '../../model/drugs.js';
import type { Constants } from '../../model/derive.js';
import type { Engine, EngineInfo, RecordBatch, SettableField, StateSnapshot } from '../engine.js';
import { getGpu, type GpuContext } from './gpu-context.js';
import { WebGpuBatch, type WebGpuEngineOptions } from './batch.js';

export { compileKernel, WebGpuBatch, type WebGpuEngineOptions, type WebGpuExtraOptions } from './batch.js';

export class WebGpuEngine implements Engine {
  readonly info: EngineInfo;

  private constructor(private readonly batch: WebGpuBatch) {
    this.info = batch.info;
  }

  /** Build an engine on `gpu` (default: the process-wide context of getGpu()). */
  static async create(opts: WebGpuEngineOptions, gpu?: GpuContext): Promise<WebGpuEngine> {
    const ctx = gpu ?? (await getGpu());
    if (!ctx) throw new Error('webgpu: no WebGPU adapter found (navigator.gpu or the `webgpu` package)');
    return new WebGpuEngine(await WebGpuBatch.create([opts], ctx, opts));
  }

  get constants(): Constants {
    return this.batch.constants(0);
  }

  /** 'native (checked exact)' or 'exact integer divRN' (see division-check.ts). */
  get divisionMode(): string {
    return this.batch.divisionMode;
  }

  /** Milliseconds per kernel over the last advance (see WebGpuBatch.kernelTimes). */
  kernelTimes(): Record<string, number> {
    return this.batch.kernelTimes();
  }

  setDoses(doses: DrugDoses): void {
    this.batch.setDoses(0, doses);
  }

  setConstants(k: Constants): void {
    this.batch.setConstants(0, k);
  }

  async advance(steps: number): Promise<RecordBatch> {
    return (await this.batch.advance(steps))[0];
  }

  setCellState(field: SettableField, values: Float32Array): void {
    this.batch.setCellState(0, field, values);
  }

  setGrid(grid: Float32Array): void {
    this.batch.setGrid(0, grid);
  }

  snapshot(): Promise<StateSnapshot> {
    return this.batch.snapshot(0);
  }

  dispose(): void {
    this.batch.dispose();
  }
}
