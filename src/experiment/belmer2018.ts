/**
 * The main experiment: every condition that findings F1-F7 need (model/findings.ts), each an
 * independent run started from its own estimated steady state, then the findings table.
 * On the CPU engine the conditions run concurrently on worker threads (one per core). On the WebGPU
 * engine they run as batches (WebGpuBatch): every condition's steady state is estimated first (CPU,
 * in this thread), then the conditions of equal phase lengths advance together in the same dispatches,
 * as many per batch as the device limits allow (WebGpuBatch.maxSims); the conditions share the tissue
 * (N, seed, geometry) and differ only in genotype and doses.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedEngine } from '../engines/create.js';
import {
  QUICK_DURATIONS_S,
  belmerConditions,
  evaluateFindings,
  type ConditionMeasure,
  type Finding,
  type PhaseDurations,
} from '../model/findings.js';
import { defaultParams, type Params } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';
import type { RecordBatch } from '../engines/engine.js';
import type { WebGpuBatch as WebGpuBatchT } from '../engines/webgpu/batch.js';
import type { PhaseRecord, RunResult } from '../record/run-result.js';
import { assembleResult, prepareScenario, runScenario } from './run-scenario.js';

export interface ExperimentOptions {
  engine: ResolvedEngine;
  neurons: number;
  seed: number;
  /** Scale of every condition's duration (1 = the durations of model/findings.ts). */
  durationScale?: number;
  /** Phase lengths (default DURATIONS_S of model/findings.ts; QUICK.durations for --quick). */
  durations?: PhaseDurations;
  params?: Params;
  /** Worker threads for CPU conditions; 0 or 1 runs them in this thread. */
  threads?: number;
  /** Path of the built condition worker (build/node/condition-worker.mjs). */
  workerPath?: string;
  onProgress?: (fraction: number) => void;
  /** WebGPU engine: most conditions in one batch (default: as many as the device limits allow). */
  maxBatch?: number;
}

export interface ExperimentResult {
  conditions: { name: string; result: RunResult }[];
  findings: Finding[];
  wallSeconds: number;
  neurons: number;
  engine: string;
  adapter: string;
}

export const QUICK = { neurons: 2000, durations: QUICK_DURATIONS_S } as const;

export function conditionScenarios(o: Pick<ExperimentOptions, 'neurons' | 'seed' | 'durationScale' | 'durations' | 'params'>): Scenario[] {
  return belmerConditions(o.durationScale ?? 1, o.durations).map((c) => ({
    name: c.id,
    genotype: c.genotype,
    neurons: o.neurons,
    seed: o.seed,
    phases: [{ name: c.id, durationS: c.durationS, drugs: c.drugs }],
    params: o.params ?? defaultParams(),
    recording: { spikes: true, sampleSteps: 10 },
  }));
}

export function defaultWorkerPath(): string | undefined {
  try {
    const p = fileURLToPath(new URL('./condition-worker.mjs', import.meta.url));
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

export async function runBelmer2018(o: ExperimentOptions): Promise<ExperimentResult> {
  const t0 = performance.now();
  const scenarios = conditionScenarios(o);
  const weights = scenarios.map((s) => s.phases[0].durationS);
  const total = weights.reduce((a, b) => a + b, 0);
  const progress = new Array<number>(scenarios.length).fill(0);
  const report = (i: number, f: number) => {
    progress[i] = f * weights[i];
    o.onProgress?.(progress.reduce((a, b) => a + b, 0) / total);
  };
  const threads = o.threads ?? availableParallelism();
  const workerPath = o.workerPath ?? defaultWorkerPath();
  let results: RunResult[];
  if (o.engine.kind === 'cpu' && threads > 1 && workerPath) {
    results = await runOnWorkers(scenarios, threads, workerPath, report);
  } else if (o.engine.kind === 'webgpu') {
    results = await runOnGpuBatches(scenarios, report, o.maxBatch);
  } else {
    results = [];
    for (let i = 0; i < scenarios.length; i++) {
      results.push(await runScenario(scenarios[i], { createEngine: o.engine.create, onProgress: (f) => report(i, f) }));
    }
  }
  const failed = results.find((r) => !r.summary.complete);
  if (failed) throw new Error(`condition ${failed.name} failed: ${failed.summary.error}`);
  const measures: Record<string, ConditionMeasure> = {};
  for (const r of results) {
    measures[r.name] = {
      rateHz: r.summary.meanRateHz,
      medianCvIsi: r.summary.medianCvIsi,
      probeNm: r.summary.probe5htNm,
      settled: r.summary.settled,
      drift: r.summary.probeDriftLastQuarter,
    };
  }
  return {
    conditions: results.map((r) => ({ name: r.name, result: r })),
    findings: evaluateFindings(measures),
    wallSeconds: (performance.now() - t0) / 1000,
    neurons: o.neurons,
    engine: results[0].engine.engine,
    adapter: results[0].engine.adapter,
  };
}

const CHUNK_STEPS = 1000;

/**
 * Runs scenarios of one tissue as WebGPU batches: steady states first, then one batch per group of
 * equal phase lengths (split at WebGpuBatch.maxSims), each sim's RecordBatches assembled into its
 * RunResult as runScenario does. Results in input order.
 */
async function runOnGpuBatches(scenarios: Scenario[], report: (i: number, f: number) => void, maxBatch = Infinity): Promise<RunResult[]> {
  const { getGpu } = await import('../engines/webgpu/gpu-context.js');
  const { WebGpuBatch } = await import('../engines/webgpu/batch.js');
  const ctx = await getGpu();
  if (!ctx) throw new Error('webgpu: no WebGPU adapter found (navigator.gpu or the `webgpu` package)');
  const prep = scenarios.map((sc) => {
    const t0 = performance.now();
    const p = prepareScenario(sc);
    return {
      ...p,
      phaseSteps: sc.phases.map((ph) => Math.round(ph.durationS / p.model.dtGrid_s)),
      estSeconds: (performance.now() - t0) / 1000,
    };
  });
  const groups = new Map<string, number[]>();
  prep.forEach((p, i) => {
    const key = p.phaseSteps.join(',');
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const perBatch = Math.max(1, Math.min(maxBatch, WebGpuBatch.maxSims(prep[0].model, ctx, {}, scenarios[0].recording.spikes)));
  const batches: number[][] = [];
  for (const members of groups.values()) {
    for (let b = 0; b < members.length; b += perBatch) batches.push(members.slice(b, b + perBatch));
  }
  const results = new Array<RunResult>(scenarios.length);
  for (const members of batches) {
    const wall0 = performance.now();
    const first = prep[members[0]];
    const records = members.map(() => [] as RecordBatch[]);
    const phases = members.map(() => [] as PhaseRecord[]);
    const totalSteps = first.phaseSteps.reduce((a, b) => a + b, 0);
    let error: string | undefined;
    let batch: WebGpuBatchT | null = null;
    try {
      batch = await WebGpuBatch.create(
        members.map((i) => prep[i].opts),
        ctx,
      );
      let done = 0;
      let tS = 0;
      for (let pi = 0; pi < first.phaseSteps.length; pi++) {
        const steps = first.phaseSteps[pi];
        const dt = first.model.dtGrid_s;
        members.forEach((i, s) => {
          const ph = scenarios[i].phases[pi];
          if (pi > 0) batch!.setDoses(s, ph.drugs);
          phases[s].push({ name: ph.name, startS: tS, endS: tS + steps * dt, drugs: ph.drugs });
        });
        tS += steps * dt;
        for (let t = 0; t < steps; t += CHUNK_STEPS) {
          const n = Math.min(CHUNK_STEPS, steps - t);
          const out = await batch.advance(n);
          out.forEach((r, s) => {
            records[s].push(r);
          });
          done += n;
          for (const i of members) report(i, done / totalSteps);
        }
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      batch?.dispose();
    }
    const wall = (performance.now() - wall0) / 1000;
    const info = batch?.info ?? { engine: 'webgpu' as const, adapter: `${ctx.adapterName} (WebGPU)` };
    members.forEach((i, s) => {
      const p = prep[i];
      results[i] = assembleResult(scenarios[i], p.model, { info }, p.est, records[s], phases[s], p.estSeconds + wall, error, 0.02);
    });
  }
  return results;
}

/** Runs scenarios on a pool of worker threads, longest first; results in input order. */
async function runOnWorkers(
  scenarios: Scenario[],
  threads: number,
  workerPath: string,
  report: (i: number, f: number) => void,
): Promise<RunResult[]> {
  const order = scenarios.map((_, i) => i).sort((a, b) => scenarios[b].phases[0].durationS - scenarios[a].phases[0].durationS);
  const results = new Array<RunResult>(scenarios.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(threads, scenarios.length) }, () => new Worker(workerPath));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const take = () => {
              if (next >= order.length) return resolve();
              const i = order[next++];
              w.postMessage({ id: i, scenario: scenarios[i] });
            };
            w.on('message', (m: { id: number; progress?: number; result?: RunResult; error?: string }) => {
              if (m.progress !== undefined) report(m.id, m.progress);
              else if (m.error !== undefined) reject(new Error(`condition ${scenarios[m.id].name}: ${m.error}`));
              else {
                results[m.id] = m.result!;
                take();
              }
            });
            w.on('error', reject);
            take();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
