/**
 * Runs scenarios on an engine (raphe run, the experiment, sweeps). Scenarios that
 * share a tissue (neurons, seed, parameters), recording settings and phase lengths advance together as
 * one batch (BatchEngine: WebGPU in the same dispatches, the CPU engine one simulation per thread), as
 * many per batch as the engine allows; each is started from its estimated steady state (estimated for
 * all scenarios up front, in parallel where the engine's CPU side has threads), advanced phase by phase
 * by the clock (src/clock/: its phases are dose events, the last one may end once settled), and
 * assembled into its RunResult (record/assemble.ts).
 */
import { Clock } from '../clock/clock.js';
import { phaseEvents, phaseSteps } from '../clock/schedule.js';
import type { EstimateRequest, ResolvedEngine, SteadyStateEstimate } from '../engines/create.js';
import { DeviceLimitError, type BatchEngine, type EngineInfo, type EngineOptions } from '../engines/engine.js';
import { buildModelAsync, type Model } from '../model/derive.js';
import { PARAM_KEYS, PARAM_SPECS } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';
import { SETTLE_TOLERANCE } from '../model/settling.js';
import { assembleResult } from '../record/assemble.js';
import type { PhaseRecord, RunResult } from '../record/run-result.js';
import type { BatchProgress, SimProgress } from '../checkpoint/format.js';
import { runPhase } from '../checkpoint/phase-loop.js';
import { checkResume } from '../checkpoint/resume-check.js';
import { ConfigError } from '../model/errors.js';

export interface RunOptions {
  /** Grid steps per engine call (one drained batch). */
  chunkSteps?: number;
  /** Called after each chunk with the fraction done (all scenarios). */
  onProgress?: (fraction: number) => void;
  /** Called before the runs, as each steady-state start is estimated: done and total. */
  onEstimate?: (done: number, total: number) => void;
  /** Settling criterion on the probe: |drift| across the last quarter below this (default SETTLE_TOLERANCE). */
  driftTolerance?: number;
  /** Most scenarios in one batch (default: as many as the engine allows). */
  maxBatch?: number;
  /**
   * End each run's last phase early once settled (the card's settling rule): after at least
   * `minFraction(sc)` of its durationS (1 = never early), as soon as that run is settled across the last
   * quarter of the phase so far (model/settling.ts, asked after each chunk); durationS is then the
   * phase's longest length. Each run ends at its own step, whatever its batch (src/checkpoint/phase-loop.ts).
   */
  settle?: { minFraction(sc: Scenario): number };
  /**
   * Called as each batch finishes, with the scenarios' indices (into the input) and their results, so
   * a caller can keep them at once (a sweep appends its points to points.jsonl); awaited before the
   * next batch starts.
   */
  onResult?: (indices: number[], results: RunResult[]) => void | Promise<void>;
  /**
   * Checkpoints of a single batch's runs (raphe run; src/checkpoint/): `due` is asked after each chunk,
   * and when it holds, `save` is given where the runs stand (it may end the process: a signal's stop).
   */
  checkpoint?: { due(): boolean; save(p: BatchProgress): Promise<void> };
  /** Continue the runs from a checkpoint's progress (the same scenarios, one batch): no estimate, no step again. */
  resume?: BatchProgress;
  /**
   * Forks: `at(i)` the grid step of scenario i at which its progress (state, records so far, estimate) is
   * handed to `keep` with the batch's wall seconds by then, so that another run sharing its start can
   * continue from there (`resume`); undefined: none. A chunk ends at that step; a run that ended settled
   * before it hands nothing. (The microdialysis time courses continue the baseline conditions this way.)
   */
  fork?: { at(i: number): number | undefined; keep(i: number, p: SimProgress, wallSeconds: number): void };
}

/** A scenario made ready to run: its model, starting steady state, engine options and phase lengths. */
export interface PreparedScenario {
  sc: Scenario;
  model: Model;
  est: SteadyStateEstimate;
  opts: EngineOptions;
  /** Grid steps of each phase. */
  phaseSteps: number[];
  /** Seconds spent on the steady-state estimate. */
  estSeconds: number;
}

/** Models and steady-state estimates of `scenarios` (estimated unless sc.c0_nM is given). */
export async function prepareScenarios(
  scenarios: Scenario[],
  engine: Pick<ResolvedEngine, 'estimate'> & Partial<Pick<ResolvedEngine, 'maxBatch' | 'adapter'>>,
  onEstimate?: (done: number, total: number) => void,
  /** Estimates made earlier (a resume's), in input order: none is made again. */
  known?: { est: SteadyStateEstimate; estSeconds: number }[],
): Promise<PreparedScenario[]> {
  // built one after another, each yielding to the event loop as it goes (a signal is answered meanwhile)
  const models: Model[] = [];
  for (const sc of scenarios) models.push(await buildModelAsync(sc.params, sc.genotype, sc.neurons, sc.seed));
  // a run the device cannot hold is refused before any work (the estimates) starts
  models.forEach((m, i) => {
    if (engine.maxBatch && engine.maxBatch(m, scenarios[i].recording.spikes) < 1) {
      throw new DeviceLimitError(
        `webgpu: one simulation of ${m.nCells} cells (grid ${m.geometry.nx}x${m.geometry.ny}x${m.geometry.nz}) does not fit ${engine.adapter ?? 'the adapter'}'s buffer limits; use fewer cells or --engine cpu`,
      );
    }
  });
  const need = scenarios.flatMap((sc, i) => (sc.c0_nM === undefined && !known ? [i] : []));
  const t0 = performance.now();
  const reqs: EstimateRequest[] = need.map((i) => ({
    model: models[i],
    doses: scenarios[i].phases[0].doses,
    options: { runSeconds: scenarios[i].phases.reduce((a, ph) => a + ph.durationS, 0) },
  }));
  let estimated = 0;
  if (reqs.length) onEstimate?.(0, reqs.length);
  const ests = reqs.length ? await engine.estimate(reqs, () => onEstimate?.(++estimated, reqs.length)) : [];
  const estSeconds = (performance.now() - t0) / 1000 / Math.max(1, need.length);
  return scenarios.map((sc, i) => {
    const model = models[i];
    const j = need.indexOf(i);
    const est = known ? known[i].est : j >= 0 ? ests[j] : { c0_nM: sc.c0_nM!, rate_Hz: 1 };
    const opts: EngineOptions = {
      model,
      doses: sc.phases[0].doses,
      c0_nM: est.c0_nM,
      rate0_Hz: est.rate_Hz,
      recordSpikes: sc.recording.spikes,
      sampleSteps: sc.recording.sampleSteps,
      ...(sc.d1A ? { d1A: sc.d1A } : {}),
    };
    const took = known ? known[i].estSeconds : j >= 0 ? estSeconds : 0;
    return { sc, model, est, opts, phaseSteps: phaseSteps(sc.phases, model.dtGrid_s), estSeconds: took };
  });
}

/**
 * The parameters that shape the tissue a batch shares (`tissue` in the params schema: geometry, cells'
 * placement and drive, the background stream, the time steps). Every other parameter only changes a
 * sim's own constants or SERT capacity, which differ within a batch.
 */
const TISSUE_PARAMS = PARAM_KEYS.filter((k) => PARAM_SPECS[k].tissue);

/** Scenarios that can share a batch: same tissue, recording and phase lengths. */
function batchKey(p: PreparedScenario): string {
  const { sc } = p;
  return JSON.stringify([sc.neurons, sc.seed, TISSUE_PARAMS.map((k) => sc.params[k]), sc.recording, p.phaseSteps]);
}

/** Runs every scenario; results in input order. A failure inside a batch ends that batch's runs (marked incomplete). */
export async function runScenarios(scenarios: Scenario[], engine: ResolvedEngine, o: RunOptions = {}): Promise<RunResult[]> {
  if (!scenarios.length) return [];
  const r = o.resume;
  if (r && r.sims.length !== scenarios.length)
    throw new ConfigError('resume', `${r.sims.length} runs in the checkpoint for ${scenarios.length}`);
  const prep = await prepareScenarios(scenarios, engine, o.onEstimate, r?.sims);
  const groups = new Map<string, number[]>();
  prep.forEach((p, i) => {
    const key = batchKey(p);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const batches: number[][] = [];
  for (const members of groups.values()) {
    const per = Math.max(
      1,
      Math.min(o.maxBatch ?? Infinity, engine.maxBatch(prep[members[0]].model, prep[members[0]].sc.recording.spikes)),
    );
    for (let b = 0; b < members.length; b += per) batches.push(members.slice(b, b + per));
  }
  if ((o.checkpoint || r) && batches.length !== 1)
    throw new ConfigError(
      'checkpoint',
      `these scenarios run as ${batches.length} batches (other tissues or phase lengths); a checkpoint holds one`,
    );
  const stepsOf = (i: number) => prep[i].phaseSteps.reduce((a, b) => a + b, 0);
  const total = prep.reduce((a, _, i) => a + stepsOf(i), 0);
  let done = 0;
  const results = new Array<RunResult>(scenarios.length);
  for (const members of batches) {
    const out = await runBatch(
      members.map((i) => prep[i]),
      members,
      engine,
      o,
      (steps) => {
        done += steps * members.length;
        o.onProgress?.(total ? done / total : 1);
      },
    );
    members.forEach((i, s) => {
      results[i] = out[s];
    });
    await o.onResult?.(members, out);
  }
  return results;
}

/** Runs one scenario (a batch of one). */
export async function runScenario(sc: Scenario, engine: ResolvedEngine, o: RunOptions = {}): Promise<RunResult> {
  return (await runScenarios([sc], engine, o))[0];
}

/** The phase loop of one batch: scenarios of equal phase lengths on one BatchEngine, driven by the clock. */
async function runBatch(
  members: PreparedScenario[],
  indices: readonly number[],
  engine: ResolvedEngine,
  o: RunOptions,
  advanced: (steps: number) => void,
): Promise<RunResult[]> {
  const wall0 = performance.now();
  const first = members[0];
  const dt = first.model.dtGrid_s;
  const chunk = Math.max(1, o.chunkSteps ?? 1000);
  const tolerance = o.driftTolerance ?? SETTLE_TOLERANCE;
  // a resume starts from the checkpoint's states, records and phase (with that phase's doses)
  const from = o.resume ?? { phase: 0, stepInPhase: 0, wallSeconds: 0, sims: [] };
  const records = members.map((_, s) => [...(from.sims[s]?.records ?? [])]);
  const phases = members.map(() => [] as PhaseRecord[]);
  const stepsBefore = (pi: number) => first.phaseSteps.slice(0, pi).reduce((a, b) => a + b, 0);
  const step0 = o.resume ? stepsBefore(from.phase) + from.stepInPhase : 0;
  if (o.resume)
    checkResume(
      o.resume,
      members.map((p) => ({ model: p.model, recording: p.sc.recording })),
      first.phaseSteps,
      step0,
    );
  let error: string | undefined;
  // a batch that cannot be made (over the device's limits, no worker entry) is the caller's error:
  // nothing has run, so there is nothing to keep
  const batch: BatchEngine = await engine.createBatch(
    members.map((p, s) => (o.resume ? { ...p.opts, doses: p.sc.phases[from.phase].doses, initial: from.sims[s].state } : p.opts)),
  );
  if (step0) advanced(step0);
  const snapshots = () => Promise.all(members.map((_, s) => batch.snapshot(s)));
  const forkAt = indices.map((i) => o.fork?.at(i));
  const clock = new Clock(batch, {
    dtS: dt,
    chunkSteps: chunk,
    // the clock counts from the engine's step: a resume's events are those from its step on
    schedule: members
      .flatMap((p, s) => phaseEvents(p.sc.phases, first.phaseSteps, s))
      .map((ev) => ({ ...ev, step: ev.step - step0 }))
      .filter((ev) => ev.step >= 0),
    onChunk: (out, n) => {
      out.forEach((r, s) => {
        if (!clock.isRetired(s)) records[s].push(r);
      });
      advanced(n);
    },
  });
  try {
    let tS = 0;
    for (let pi = 0; pi < first.phaseSteps.length; pi++) {
      const steps = first.phaseSteps[pi];
      members.forEach((p, s) => {
        const ph = p.sc.phases[pi];
        phases[s].push({ name: ph.name, startS: tS, endS: tS + steps * dt, doses: ph.doses });
      });
      const last = pi === first.phaseSteps.length - 1;
      const minFractions = members.map((p) => (o.settle ? o.settle.minFraction(p.sc) : 1));
      if (pi < from.phase) {
        tS += steps * dt; // run before the checkpoint (only the last phase may end early)
        continue;
      }
      // the rule is asked after whole chunks of the phase: each run's minSteps rounded up to a chunk's end
      const minSteps = minFractions.map((f) => Math.min(steps, Math.ceil(Math.round(f * steps) / chunk) * chunk));
      const settle = last && minFractions.some((f) => f < 1) ? { minSteps, fromS: tS, tolerance } : undefined;
      const done = pi === from.phase ? from.stepInPhase : 0;
      // a checkpointed batch keeps its retired runs stepping: every state it saves is at the batch's step
      const skipRetired = !o.checkpoint;
      const startStep = stepsBefore(pi);
      const stops = forkAt.flatMap((at) => (at !== undefined && at > startStep + done && at < startStep + steps ? [at - startStep] : []));
      const plan = { steps, done, chunkSteps: chunk, startStep, dtS: dt, settle, skipRetired, stops };
      const ran = await runPhase(clock, records, plan, async (inPhase) => {
        for (let s = 0; s < members.length; s++) {
          if (forkAt[s] !== startStep + inPhase || clock.isRetired(s)) continue;
          const p = members[s];
          const state = await batch.snapshot(s);
          const wall = from.wallSeconds + (performance.now() - wall0) / 1000;
          o.fork!.keep(indices[s], { est: p.est, estSeconds: p.estSeconds, state, records: [...records[s]] }, wall);
        }
        if (!o.checkpoint?.due()) return;
        const states = await snapshots();
        await o.checkpoint.save({
          phase: pi,
          stepInPhase: inPhase,
          wallSeconds: from.wallSeconds + (performance.now() - wall0) / 1000,
          sims: members.map((p, s) => ({ est: p.est, estSeconds: p.estSeconds, state: states[s], records: records[s] })),
        });
      });
      if (ran.ran < steps) advanced(steps - ran.ran); // the progress bar counts the steps not needed as done
      phases.forEach((ph, s) => {
        ph[pi].endS = tS + ran.simSteps[s] * dt;
      });
      tS += ran.ran * dt;
    }
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw e; // cancelled (src/lib/abort.ts): not a failed batch
    error = e instanceof Error ? e.message : String(e);
  } finally {
    batch.dispose();
  }
  const wall = from.wallSeconds + (performance.now() - wall0) / 1000;
  const info: EngineInfo = batch.info;
  return members.map((p, s) =>
    assembleResult(p.sc, p.model, { info }, p.est, records[s], phases[s], p.estSeconds + wall, error, tolerance),
  );
}
