/**
 * The main experiment: every condition that findings F1-F7 need (model/findings.ts), each an
 * independent run started from its own estimated steady state, then the findings table.
 * On the CPU engine the conditions run concurrently on worker threads (one per core).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedEngine } from '../engines/create.js';
import { belmerConditions, evaluateFindings, type ConditionMeasure, type Finding } from '../model/findings.js';
import { defaultParams, type Params } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';
import type { RunResult } from '../record/run-result.js';
import { runScenario } from './run-scenario.js';

export interface ExperimentOptions {
  engine: ResolvedEngine;
  neurons: number;
  seed: number;
  /** Scale of every condition's duration (1 = the durations of model/findings.ts). */
  durationScale?: number;
  params?: Params;
  /** Worker threads for CPU conditions; 0 or 1 runs them in this thread. */
  threads?: number;
  /** Path of the built condition worker (build/node/condition-worker.mjs). */
  workerPath?: string;
  onProgress?: (fraction: number) => void;
}

export interface ExperimentResult {
  conditions: { name: string; result: RunResult }[];
  findings: Finding[];
  wallSeconds: number;
  neurons: number;
  engine: string;
  adapter: string;
}

export const QUICK = { neurons: 2000, durationScale: 0.75 } as const;

export function conditionScenarios(o: Pick<ExperimentOptions, 'neurons' | 'seed' | 'durationScale' | 'params'>): Scenario[] {
  return belmerConditions(o.durationScale ?? 1).map((c) => ({
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
