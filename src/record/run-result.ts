/**
 * What a finished (or interrupted) run hands to reports: compact spikes, traces sampled on a fixed
 * interval, the mass balance and the summary statistics.
 */
import type { DrugDoses, Genotype } from '../model/drugs.js';
import type { EngineInfo } from '../engines/engine.js';

export interface PhaseRecord {
  name: string;
  startS: number;
  endS: number;
  doses: DrugDoses;
  /** Read from the phase's own traces (set once the run is assembled): means over its last half. */
  meanRateHz?: number;
  probe5htNm?: number;
  /** Relative probe drift across the phase's last quarter; settled under the settling rule (model/settling.ts). */
  probeDriftLastQuarter?: number;
  settled?: boolean;
}

export interface Traces {
  /** Sample times, s (end of each sample window). */
  tS: Float64Array;
  /** Population rate over each window, Hz per cell. */
  rateHz: Float64Array;
  /** Virtual microdialysis probe, nM. */
  probeNm: Float64Array;
  /** Mean extracellular 5-HT over the region, nM. */
  meanCNm: Float64Array;
  /** Mean 5-HT1A (s1A) and 5-HT2B (s2B) activations over cells, 0..1. */
  s1A: Float64Array;
  s2B: Float64Array;
}

export interface MassBalance {
  /** All in molecules. */
  released: number;
  uptaken: number;
  cleared: number;
  gridStart: number;
  gridEnd: number;
  /** |Δgrid - (released - uptaken - cleared)| / released. */
  relError: number;
}

export interface RunSummary {
  engine: string;
  adapter: string;
  neurons: number;
  durationS: number;
  genotype: Genotype;
  seed: number;
  /** Mean population rate over the last half of the run, Hz. */
  meanRateHz: number;
  /** Median ISI coefficient of variation over cells with >= 3 spikes in the last half (NaN if spikes not recorded). */
  medianCvIsi: number;
  /** Fraction of those cells with ISI CV < 0.5. */
  fractionRegular: number;
  /** Probe 5-HT, mean over the last half, nM. */
  probe5htNm: number;
  /** Relative drift of the probe across the last quarter (linear fit), e.g. 0.01 = 1%. */
  probeDriftLastQuarter: number;
  settled: boolean;
  massBalanceRelError: number;
  /** Initial uniform 5-HT and the rate estimate it came from. */
  c0Nm: number;
  rate0Hz: number;
  wallSeconds: number;
  /** False when the run was cut short (error); what was drained is still reported. */
  complete: boolean;
  error?: string;
}

export interface RunResult {
  name: string;
  engine: EngineInfo;
  summary: RunSummary;
  phases: PhaseRecord[];
  /** Spikes: cell index and time in fine steps of dtFineS; null when spike recording was off. */
  spikes: { cells: Uint32Array; steps: Uint32Array; dtFineS: number } | null;
  traces: Traces;
  mass: MassBalance;
  /** Cell positions, µm (xyz interleaved), for plots. */
  positions?: Float32Array;
  /** Each cell's own draws (the run's model, not a copy): what the NWB file's units table lists. */
  cells?: { Idrive: Float32Array; rho: Float64Array; vox: Uint32Array };
}
