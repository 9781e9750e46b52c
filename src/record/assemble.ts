/**
 * The one readout of a run: its record batches (the engine's drained chunks) assembled into its
 * RunResult: the traces, the spikes, the mass balance, each phase's means over its second half and its
 * settling verdict (model/settling.ts), the run's summary over its second half. Every job reads a run
 * through it (runScenarios, the Brian2 import).
 */
import type { Engine, RecordBatch } from '../engines/engine.js';
import { moleculesPerNmVoxel, type Model } from '../model/derive.js';
import type { Scenario } from '../model/scenario.js';
import { lastQuarterDrift, meanOver, settledOver } from '../model/settling.js';
import { isiStats } from './analysis.js';
import type { PhaseRecord, RunResult } from './run-result.js';

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
  const isi = spikes ? isiStats(model.nCells, spikes.cells, spikes.steps, Math.round(half / dt) * S, Math.round(endS / dt) * S) : null;
  const drift = lastQuarterDrift(tS, probeNm, 0, endS);
  return {
    name: sc.name,
    engine: engine.info,
    phases: phases.map((ph) => {
      const end = Math.min(ph.endS, endS);
      const mid = (ph.startS + end) / 2;
      return {
        ...ph,
        meanRateHz: meanOver(tS, rateHz, mid, end),
        probe5htNm: meanOver(tS, probeNm, mid, end),
        probeDriftLastQuarter: lastQuarterDrift(tS, probeNm, ph.startS, end),
        settled: settledOver(tS, probeNm, ph.startS, end, driftTol),
      };
    }),
    spikes,
    traces,
    positions: model.pos,
    cells: { Idrive: model.Idrive, rho: model.rho, vox: model.vox },
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
      settled: settledOver(tS, probeNm, 0, endS, driftTol),
      massBalanceRelError: relError,
      c0Nm: est.c0_nM,
      rate0Hz: est.rate_Hz,
      wallSeconds,
      complete: error === undefined,
      ...(error !== undefined ? { error } : {}),
    },
  };
}
