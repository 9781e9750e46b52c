/**
 * Runs one scenario on one engine: builds the model, estimates the starting steady state, advances
 * phase by phase in chunks (drained in batches), and assembles the RunResult with its summary.
 */
import type { Engine, EngineOptions, RecordBatch } from '../engines/engine.js';
import { estimateSteadyState } from '../engines/cpu/steady-state.js';
import { buildModel, moleculesPerNmVoxel, type Model } from '../model/derive.js';
import type { Scenario } from '../model/scenario.js';
import { isiStats, meanOver, relativeDrift } from '../record/analysis.js';
import type { PhaseRecord, RunResult } from '../record/run-result.js';

export type EngineFactory = (opts: EngineOptions) => Promise<Engine>;

export interface RunOptions {
  createEngine: EngineFactory;
  /** Grid steps per engine call (one drained batch). */
  chunkSteps?: number;
  /** Called after each chunk with the fraction done. */
  onProgress?: (fraction: number) => void;
  /** Settling criterion on the probe: |drift| across the last quarter below this. */
  driftTolerance?: number;
}

/** A scenario's model, starting steady state (estimated unless sc.c0_nM is given) and engine options. */
export function prepareScenario(sc: Scenario): { model: Model; est: { c0_nM: number; rate_Hz: number }; opts: EngineOptions } {
  const model = buildModel(sc.params, sc.genotype, sc.neurons, sc.seed);
  const first = sc.phases[0];
  const est = sc.c0_nM === undefined ? estimateSteadyState(model, first.drugs) : { c0_nM: sc.c0_nM, rate_Hz: 1 };
  const opts: EngineOptions = {
    model,
    doses: first.drugs,
    c0_nM: est.c0_nM,
    rate0_Hz: est.rate_Hz,
    recordSpikes: sc.recording.spikes,
    sampleSteps: sc.recording.sampleSteps,
  };
  return { model, est, opts };
}

export async function runScenario(sc: Scenario, o: RunOptions): Promise<RunResult> {
  const wall0 = performance.now();
  const { model, est, opts } = prepareScenario(sc);
  const engine = await o.createEngine(opts);
  const batches: RecordBatch[] = [];
  const phases: PhaseRecord[] = [];
  let error: string | undefined;
  const totalSteps = sc.phases.reduce((a, ph) => a + Math.round(ph.durationS / model.dtGrid_s), 0);
  let done = 0;
  let tS = 0;
  try {
    for (let pi = 0; pi < sc.phases.length; pi++) {
      const ph = sc.phases[pi];
      if (pi > 0) engine.setDoses(ph.drugs);
      const steps = Math.round(ph.durationS / model.dtGrid_s);
      phases.push({ name: ph.name, startS: tS, endS: tS + steps * model.dtGrid_s, drugs: ph.drugs });
      tS += steps * model.dtGrid_s;
      const chunk = o.chunkSteps ?? 1000;
      for (let s = 0; s < steps; s += chunk) {
        const n = Math.min(chunk, steps - s);
        batches.push(await engine.advance(n));
        done += n;
        o.onProgress?.(done / totalSteps);
      }
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    engine.dispose();
  }
  const wallSeconds = (performance.now() - wall0) / 1000;
  return assembleResult(sc, model, engine, est, batches, phases, wallSeconds, error, o.driftTolerance ?? 0.02);
}

function concat<T extends Float32Array | Uint32Array>(parts: T[], ctor: new (n: number) => T): T {
  const out = new ctor(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function assembleResult(
  sc: Scenario,
  model: Model,
  engine: Pick<Engine, 'info'>,
  est: { c0_nM: number; rate_Hz: number },
  batches: RecordBatch[],
  phases: PhaseRecord[],
  wallSeconds: number,
  error: string | undefined,
  driftTol: number,
): RunResult {
  const dt = model.dtGrid_s;
  const S = model.params.subSteps;
  const sampleSteps = sc.recording.sampleSteps;
  const step = concat(
    batches.map((b) => b.samples.step),
    Uint32Array,
  );
  const spikesW = concat(
    batches.map((b) => b.samples.spikes),
    Uint32Array,
  );
  const f64 = (a: Float32Array | Uint32Array) => Float64Array.from(a);
  const tS = Float64Array.from(step, (s) => s * dt);
  const rateHz = Float64Array.from(spikesW, (n) => n / model.nCells / (sampleSteps * dt));
  const probeNm = f64(
    concat(
      batches.map((b) => b.samples.probe),
      Float32Array,
    ),
  );
  const traces = {
    tS,
    rateHz,
    probeNm,
    meanCNm: f64(
      concat(
        batches.map((b) => b.samples.meanC),
        Float32Array,
      ),
    ),
    s1A: f64(
      concat(
        batches.map((b) => b.samples.s1A),
        Float32Array,
      ),
    ),
    s2B: f64(
      concat(
        batches.map((b) => b.samples.s2B),
        Float32Array,
      ),
    ),
  };
  const recorded = sc.recording.spikes;
  const spikes = recorded
    ? {
        cells: concat(
          batches.map((b) => b.spikes!.cells),
          Uint32Array,
        ),
        steps: concat(
          batches.map((b) => b.spikes!.steps),
          Uint32Array,
        ),
        dtFineS: dt / S,
      }
    : null;
  const toMolecules = moleculesPerNmVoxel(model);
  const mb = batches.reduce(
    (a, b) => ({ released: a.released + b.mass.released, uptaken: a.uptaken + b.mass.uptaken, cleared: a.cleared + b.mass.cleared }),
    { released: 0, uptaken: 0, cleared: 0 },
  );
  const gridStart = batches.length ? batches[0].mass.gridStart : 0;
  const gridEnd = batches.length ? batches[batches.length - 1].mass.gridEnd : 0;
  const relError = mb.released > 0 ? Math.abs(gridEnd - gridStart - (mb.released - mb.uptaken - mb.cleared)) / mb.released : 0;
  const endS = batches.reduce((a, b) => a + b.steps, 0) * dt;
  const half = endS / 2;
  const quarter = endS * 0.75;
  const isi = spikes ? isiStats(model.nCells, spikes.cells, spikes.steps, Math.round(half / dt) * S, Math.round(endS / dt) * S) : null;
  const drift = relativeDrift(tS, probeNm, quarter, endS);
  return {
    name: sc.name,
    engine: engine.info,
    phases: phases.map((ph) => {
      const end = Math.min(ph.endS, endS);
      const mid = (ph.startS + end) / 2;
      const d = relativeDrift(tS, probeNm, ph.startS + 0.75 * (end - ph.startS), end);
      return {
        ...ph,
        meanRateHz: meanOver(tS, rateHz, mid, end),
        probe5htNm: meanOver(tS, probeNm, mid, end),
        probeDriftLastQuarter: d,
        settled: Number.isFinite(d) && Math.abs(d) < driftTol,
      };
    }),
    spikes,
    traces,
    positions: model.pos,
    mass: {
      released: mb.released * toMolecules,
      uptaken: mb.uptaken * toMolecules,
      cleared: mb.cleared * toMolecules,
      gridStart: gridStart * toMolecules,
      gridEnd: gridEnd * toMolecules,
      relError,
    },
    summary: {
      engine: engine.info.engine,
      adapter: engine.info.adapter,
      neurons: model.nCells,
      durationS: endS,
      genotype: sc.genotype,
      seed: sc.seed,
      meanRateHz: meanOver(tS, rateHz, half, endS),
      medianCvIsi: isi ? isi.medianCv : NaN,
      fractionRegular: isi ? isi.fractionRegular : NaN,
      probe5htNm: meanOver(tS, probeNm, half, endS),
      probeDriftLastQuarter: drift,
      settled: Number.isFinite(drift) && Math.abs(drift) < driftTol,
      massBalanceRelError: relError,
      c0Nm: est.c0_nM,
      rate0Hz: est.rate_Hz,
      wallSeconds,
      complete: error === undefined,
      ...(error !== undefined ? { error } : {}),
    },
  };
}
