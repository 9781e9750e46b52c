/**
 * The bench's report (results.json): the machine, the method, the roofline's constants, every result,
 * GPU/CPU and raphe/peer throughput ratios per size, and the performance goals, each met or not.
 */
import { availableParallelism, cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';
import type { BenchArgs } from './args.js';
import type { BenchResult } from './result.js';
import { DIFFUSE_BYTES_PER_VOXEL, NEURON_BYTES_PER_CELL_STEP, RELEASE_BYTES_PER_VOXEL } from './roofline.js';

export interface Report {
  version: 1;
  date: string;
  machine: {
    hostname: string;
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    memoryBandwidthGBps: number;
    bandwidthMethod: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  method: Record<string, unknown>;
  roofline: Record<string, number | string>;
  results: BenchResult[];
  ratios: { neurons: number; gpu: string; cpu: string; ratio: number }[];
  /** raphe engine / peer, neuron-updates/s, per size. */
  peerRatios: { neurons: number; raphe: string; peer: string; ratio: number }[];
  goals: { goal: string; value: string; met: boolean | null }[];
}

export function peerRatios(results: BenchResult[]): Report['peerRatios'] {
  const out: Report['peerRatios'] = [];
  for (const n of [...new Set(results.map((r) => r.neurons))]) {
    const at = results.filter((r) => r.neurons === n && r.ok);
    for (const peer of at.filter((r) => r.engine === 'brian2')) {
      for (const raphe of at.filter((r) => r.engine !== 'brian2')) {
        out.push({ neurons: n, raphe: raphe.id, peer: peer.id, ratio: raphe.neuronUpdatesPerSecond / peer.neuronUpdatesPerSecond });
      }
    }
  }
  return out;
}

export function ratios(results: BenchResult[]): Report['ratios'] {
  const out: Report['ratios'] = [];
  for (const n of [...new Set(results.map((r) => r.neurons))]) {
    const at = results.filter((r) => r.neurons === n && r.ok && r.engine !== 'brian2');
    for (const gpu of at.filter((r) => r.engine === 'webgpu')) {
      for (const cpu of at.filter((r) => r.engine !== 'webgpu')) {
        out.push({ neurons: n, gpu: gpu.id, cpu: cpu.id, ratio: gpu.neuronUpdatesPerSecond / cpu.neuronUpdatesPerSecond });
      }
    }
  }
  return out;
}

export function goals(all: BenchResult[], rat: Report['ratios']): Report['goals'] {
  const g: Report['goals'] = [];
  const results = all.filter((r) => r.engine !== 'brian2'); // raphe's goals
  const find = (n: number, id: string) => results.find((r) => r.neurons === n && r.id === id && r.ok);
  const lv = rat.find((r) => r.neurons === 100000 && r.gpu === 'webgpu:lavapipe' && r.cpu === 'cpu-mt');
  g.push({
    goal: 'WebGPU on lavapipe >= 2x cpu-mt at 100,000 neurons',
    value: lv ? `${lv.ratio.toFixed(2)}x` : 'not measured',
    met: lv ? lv.ratio >= 2 : null,
  });
  const mt = find(100000, 'cpu-mt');
  g.push({
    goal: 'cpu-mt >= 25 M neuron-updates/s at 100,000 neurons',
    value: mt ? `${(mt.neuronUpdatesPerSecond / 1e6).toFixed(1)} M/s` : 'not measured',
    met: mt ? mt.neuronUpdatesPerSecond >= 25e6 : null,
  });
  // SwiftShader is there for comparison only: the goal is read on the CPU engines and the machine's own adapter
  const at100 = results.filter((r) => r.neurons === 100000 && r.ok && r.driver !== 'swiftshader');
  const ss = results.find((r) => r.neurons === 100000 && r.ok && r.driver === 'swiftshader');
  g.push({
    goal: 'time to first step < 1 s at 100,000 neurons (cpu, cpu-mt, WebGPU on lavapipe / the default adapter)',
    value: at100.length
      ? at100.map((r) => `${r.id} ${r.timeToFirstStepSeconds.toFixed(2)} s`).join(', ') +
        (ss ? ` (SwiftShader, for comparison: ${ss.timeToFirstStepSeconds.toFixed(2)} s)` : '')
      : 'not measured',
    met: at100.length ? at100.every((r) => r.timeToFirstStepSeconds < 1) : null,
  });
  const atMax = results.filter((r) => r.ok && r.neurons >= 100000);
  g.push({
    goal: '<= 64 bytes of engine state per neuron (per-cell arrays; recording aside)',
    value: atMax.length
      ? [
          ...new Set(
            atMax.map(
              (r) => `${r.engine} ${r.stateBytesPerNeuron} B (${r.stateBytesTotalPerNeuron.toFixed(1)} B with the grid at ${r.neurons})`,
            ),
          ),
        ].join(', ')
      : 'not measured',
    met: atMax.length ? atMax.every((r) => r.stateBytesPerNeuron <= 64) : null,
  });
  const big = results.filter((r) => r.neurons >= 1_000_000);
  g.push({
    goal: 'peak RSS < 1 GiB at 1,000,000 neurons, recording off (every engine)',
    value: big.length
      ? big.map((r) => (r.ok ? `${r.id} ${r.peakRssMiB.toFixed(0)} MiB` : `${r.id} failed`)).join(', ')
      : 'not measured (--large)',
    met: big.length ? big.every((r) => r.ok && r.peakRssMiB < 1024) : null,
  });
  return g;
}

/** The report of a bench run: `bandwidth` in bytes/s, `loadBefore` the load averages read before it. */
export function buildReport(a: BenchArgs, results: BenchResult[], bandwidth: number, loadBefore: number[]): Report {
  const c = cpus();
  const rat = ratios(results);
  return {
    version: 1,
    date: new Date().toISOString(),
    machine: {
      hostname: hostname(),
      cpu: c[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: totalmem() / 2 ** 30,
      os: `${platform()} ${release()}`,
      node: process.version,
      memoryBandwidthGBps: bandwidth / 1e9,
      bandwidthMethod: 'one thread, best of 5 copies of a 256 MiB Float64Array, read + write bytes',
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
    },
    method: {
      model: 'defaultParams(), WT, no drug, seed 1; c0 30 nM, rate0 1 Hz',
      recording: 'off (recordSpikes false, sampleSteps 1e6)',
      warmup: 'advance(2) to estimate the step time, then ~0.5 s discarded',
      repeats: a.repeats,
      secondsPerRepeat: a.seconds,
      statistic: 'median over repeats',
      neuronUpdate: 'one cell advanced by one dt = 0.1 ms (subSteps = 10 per 1 ms grid step)',
      realTimeFactor: 'wall time / biological time',
      timeToFirstStep: 'engine creation (pipelines, buffers, workers) + advance(1); model build and WebGPU device request excluded',
      peakMemory: 'VmHWM (peak resident set) of the child process running the (size, engine), read after the timed runs',
      threadsCpuMt: a.threads,
      chunkCpuMt: a.chunk,
      peers: a.peers.length
        ? `${a.peers.join(', ')}: raphe export brian2 of the same model, cpp_standalone, 1 thread, ${a.peerSeconds} s biological, one run; time to first step = script start-up + code generation + C++ build (fresh folder); run = the compiled binary's wall time`
        : 'none',
    },
    roofline: {
      neuronBytesPerCellStep: NEURON_BYTES_PER_CELL_STEP,
      neuronBytesPerNeuronUpdate: NEURON_BYTES_PER_CELL_STEP / 10,
      releaseBytesPerVoxel: RELEASE_BYTES_PER_VOXEL,
      diffuseBytesPerVoxel: DIFFUSE_BYTES_PER_VOXEL,
      note: 'limit = bandwidth x neurons x subSteps / (neurons x neuron bytes + region voxels x grid bytes)',
    },
    results,
    ratios: rat,
    peerRatios: peerRatios(results),
    goals: goals(results, rat),
  };
}
