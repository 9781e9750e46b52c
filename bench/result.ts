/** One measurement of the bench, (size, engine) -> throughput, times, memory and roofline: a row of results.json. */
import { loadavg } from 'node:os';
import { engineOf, type EngineKind } from './args.js';

export interface BenchResult {
  /** e.g. "webgpu:lavapipe" */
  id: string;
  neurons: number;
  engine: EngineKind;
  driver?: string;
  adapter: string;
  threads?: number;
  ok: boolean;
  error?: string;
  regionVoxels: number;
  gridSteps: number;
  repeats: number;
  /** Median over repeats. */
  neuronUpdatesPerSecond: number;
  /** All repeats, neuron-updates/s. */
  samples: number[];
  /** Wall time / biological time (median); < 1 is faster than real time. */
  realTimeFactor: number;
  timeToFirstStepSeconds: number;
  /** WebGPU: adapter and device request, once per process (not in time to first step). */
  deviceSeconds?: number;
  modelBuildSeconds: number;
  peakRssMiB: number;
  stateBytesPerNeuron: number;
  stateBytesTotalPerNeuron: number;
  measuredArrayBufferBytesPerNeuron?: number;
  /** GPU ms per grid step per kernel (timestamp queries), when the adapter has them. */
  kernelMsPerStep?: Record<string, number> | null;
  /** Roofline: bytes per grid step and the throughput the machine's memory bandwidth would allow. */
  bytesPerGridStep: number;
  bandwidthLimitUpdatesPerSecond: number;
  fractionOfBandwidthLimit: number;
  loadBefore: number;
  /** Peers: code generation and compilation (included in timeToFirstStepSeconds with the script's start-up). */
  buildSeconds?: number;
}

/** A (size, engine) that gave no result: every figure NaN, the reason in `error`. */
export function failedResult(id: string, n: number, error: string): BenchResult {
  const { engine, driver } = id.startsWith('brian2') ? { engine: 'brian2' as const, driver: undefined } : engineOf(id);
  return {
    id,
    neurons: n,
    engine,
    driver,
    adapter: '',
    ok: false,
    error,
    regionVoxels: 0,
    gridSteps: 0,
    repeats: 0,
    neuronUpdatesPerSecond: NaN,
    samples: [],
    realTimeFactor: NaN,
    timeToFirstStepSeconds: NaN,
    modelBuildSeconds: NaN,
    peakRssMiB: NaN,
    stateBytesPerNeuron: NaN,
    stateBytesTotalPerNeuron: NaN,
    bytesPerGridStep: NaN,
    bandwidthLimitUpdatesPerSecond: NaN,
    fractionOfBandwidthLimit: NaN,
    loadBefore: loadavg()[0],
  };
}

/** The last lines of a failed process's stderr (or its stdout), for `error`: at most 400 characters. */
export function processError(why: string, out: string, err: string): string {
  return `${why}: ${(err.trim().split('\n').slice(-3).join(' | ') || out.trim()).slice(0, 400)}`;
}
