/**
 * The three lists every engine's memory layout is generated from (as GeNN generates its state from one
 * list of variables):
 *   UNIFORM_FIELDS  the constant block (derive.ts fills it; the WGSL `Consts` struct is generated from it)
 *   STATE_FIELDS    the per-cell dynamic state, with each field's initial value (docs/model.md §3)
 *   SAMPLE_FIELDS   one trace sample, as the engines write it (one word a field)
 * The WGSL header (engines/webgpu/wgsl-header.ts) turns the last two into constants `ST_<NAME>`,
 * `ST_WORDS`, `SMP_<NAME>`, `SMP_WORDS`; the WebAssembly kernels' header (engines/cpu/wasm-header.ts)
 * into `K_<name>` and `ST_<NAME>`; the CPU engines allocate, copy and decode from the same lists.
 * Adding a state variable: one entry in STATE_FIELDS, then its update in the three neuron kernels
 * (shaders/neurons.wgsl, src/engines/cpu/wasm/neurons.ts and its JavaScript reference
 * src/engines/reference/neurons.ts; then npm run build:wasm), and its entry in the Brian2 export's
 * STATE_MAP (src/interop/brian2.ts). Nothing else is written by hand (docs/development.md).
 */
import type { Params } from './params.js';

type WordType = 'f32' | 'u32';

/** Field order and types of the constant block (= the WGSL `Consts` uniform struct). */
export const UNIFORM_FIELDS = [
  // sizes and RNG key
  ['nCells', 'u32'],
  ['nx', 'u32'],
  ['ny', 'u32'],
  ['nz', 'u32'],
  ['seedLo', 'u32'],
  ['seedHi', 'u32'],
  ['subSteps', 'u32'],
  ['refSteps', 'u32'],
  ['bgC2', 'u32'],
  ['bgC3', 'u32'],
  ['bgGapLen', 'u32'],
  // membrane
  ['dtC', 'f32'],
  ['c6', 'f32'],
  ['gL', 'f32'],
  ['gLEL', 'f32'],
  ['EK', 'f32'],
  ['E2B', 'f32'],
  ['Eexc', 'f32'],
  ['Vth', 'f32'],
  ['Vreset', 'f32'],
  ['Vfloor', 'f32'],
  ['eAhp1', 'f32'],
  ['eAhp2', 'f32'],
  ['eAhp3', 'f32'],
  ['dAhp1', 'f32'],
  ['dAhp2', 'f32'],
  ['dAhp3', 'f32'],
  ['eBg', 'f32'],
  ['bgStep', 'f32'],
  ['tiny', 'f32'],
  // receptors
  ['invK1A', 'f32'],
  ['num1A', 'f32'],
  ['den1A', 'f32'],
  ['invK2B', 'f32'],
  ['num2B', 'f32'],
  ['den2B', 'f32'],
  ['g1A', 'f32'],
  ['g2B', 'f32'],
  ['e1Rise', 'f32'],
  ['e1Decay', 'f32'],
  ['c1Cross', 'f32'],
  ['e2B', 'f32'],
  // releasable pool and the 5-HT1A control of release
  ['ePool', 'f32'],
  ['keepU', 'f32'],
  ['quanta', 'f32'],
  ['rel1A', 'f32'],
  // grid
  ['fieldR', 'u32'],
  ['dCrel', 'f32'],
  ['sertScale', 'f32'],
  ['KmEff', 'f32'],
  ['kClearDt', 'f32'],
  ['lambdaDiff', 'f32'],
] as const;

export type ConstName = (typeof UNIFORM_FIELDS)[number][0];
export type Constants = { [K in ConstName]: number };

/** Byte size (and array stride) of one constant block (the WGSL `Consts`): 4 bytes a field, padded to 16. */
export const CONSTS_BYTES = Math.ceil((UNIFORM_FIELDS.length * 4) / 16) * 16;

/**
 * Constants packed in UNIFORM_FIELDS order (little endian, 4 bytes a field), CONSTS_BYTES long: the
 * WebGPU uniform buffer and the WebAssembly kernel's constant block.
 */
export function packConstants(k: Constants): ArrayBuffer {
  const buf = new ArrayBuffer(CONSTS_BYTES);
  const dv = new DataView(buf);
  UNIFORM_FIELDS.forEach(([name, type], idx) => {
    const v = k[name];
    if (type === 'u32') dv.setUint32(idx * 4, v >>> 0, true);
    else dv.setFloat32(idx * 4, v, true);
  });
  return buf;
}

/** What a state field's initial value may depend on (docs/model.md §3: the start at the estimated steady state). */
export interface InitContext {
  p: Params;
  /** 5-HT1A and 5-HT2B activations at equilibrium with the initial 5-HT c0 (drugs included). */
  a1: number;
  a2: number;
  /** Expected firing rate at the start, spikes per ms. */
  ratePerMs: number;
  /** The next uniform [0, 1) of the cell's initial-state stream (drawn in cell order, field by field). */
  uniform(): number;
  /** This cell's index. */
  cell: number;
  /** Draw 0 of the cell's background drive (background.ts): its first event step and draw counter. */
  background(cell: number): { bgNext: number; bgIdx: number };
  /** Per-cell 5-HT1A desensitisation to start from (docs/model.md §7; none: 0, the untreated tissue). */
  d1A?: ArrayLike<number>;
}

export interface StateField {
  name: string;
  type: WordType;
  unit: string;
  doc: string;
  /** Initial value of one cell (called cell by cell; rounded to the field's type). */
  init(x: InitContext): number;
}

/** The per-cell dynamic state, in this order in every engine (structure of arrays). */
export const STATE_FIELDS = [
  {
    name: 'V',
    type: 'f32',
    unit: 'mV',
    doc: 'membrane potential',
    init: (x) => x.p.Vreset_mV + (x.p.Vth_mV - x.p.Vreset_mV) * x.uniform(),
  },
  {
    name: 'gbg',
    type: 'f32',
    unit: 'nS',
    doc: 'background excitatory conductance',
    init: (x) => (x.p.bgRate_Hz / 1000) * x.p.bgStep_nS * x.p.tauBg_ms,
  },
  { name: 'ahp1', type: 'f32', unit: 'pA', doc: 'fast AHP current', init: (x) => x.ratePerMs * x.p.dAhp1_pA * x.p.tauAhp1_ms },
  { name: 'ahp2', type: 'f32', unit: 'pA', doc: 'medium AHP current', init: (x) => x.ratePerMs * x.p.dAhp2_pA * x.p.tauAhp2_ms },
  { name: 'ahp3', type: 'f32', unit: 'pA', doc: 'slow AHP current', init: (x) => x.ratePerMs * x.p.dAhp3_pA * x.p.tauAhp3_ms },
  { name: 'r1A', type: 'f32', unit: '1', doc: 'first stage of the two-stage 5-HT1A filter', init: (x) => x.a1 },
  { name: 's1A', type: 'f32', unit: '1', doc: 'effective 5-HT1A activation', init: (x) => x.a1 },
  { name: 's2B', type: 'f32', unit: '1', doc: 'effective 5-HT2B activation', init: (x) => x.a2 },
  {
    name: 'd1A',
    type: 'f32',
    unit: '1',
    doc: '5-HT1A-GIRK desensitisation (docs/model.md §7): g1A_eff = g1A (1 - d1A); frozen in the fast model, set by the chronic driver',
    init: (x) => (x.d1A ? x.d1A[x.cell] : 0),
  },
  {
    name: 'a1Sum',
    type: 'f32',
    unit: 'grid steps',
    doc: "sum of s1A over grid steps since the chronic driver last set it to 0 (its mean: the slow step's drive of d1A)",
    init: () => 0,
  },
  {
    name: 'pool',
    type: 'f32',
    unit: '1',
    doc: 'releasable pool P (1: full): refills toward 1 with tauRefill_s, a spike releases P (1 - rel1AMax s1A) and keeps P (1 - releaseFraction); starts at its steady state for the start rate',
    init: (x) => 1 / (1 + x.p.releaseFraction * x.ratePerMs * 1000 * x.p.tauRefill_s),
  },
  {
    name: 'd2B',
    type: 'f32',
    unit: '1',
    doc: '5-HT2B desensitisation: g2B_eff = g2B (1 - d2B); frozen in the fast model, set by the chronic driver',
    init: () => 0,
  },
  {
    name: 'a2Sum',
    type: 'f32',
    unit: 'grid steps',
    doc: "sum of s2B over grid steps since the chronic driver last set it to 0 (its mean: the slow step's drive of d2B)",
    init: () => 0,
  },
  { name: 'ref', type: 'u32', unit: 'fine steps', doc: 'refractory steps left', init: () => 0 },
  {
    name: 'bgNext',
    type: 'u32',
    unit: 'grid steps',
    doc: 'grid step of the next background event step (background.ts)',
    init: (x) => x.background(x.cell).bgNext,
  },
  {
    name: 'bgIdx',
    type: 'u32',
    unit: 'draws',
    doc: 'background draws so far; top bit: the next event step is a null step',
    init: (x) => x.background(x.cell).bgIdx,
  },
] as const satisfies readonly StateField[];

type ArrayFor<T extends WordType> = T extends 'u32' ? Uint32Array : Float32Array;
export type StateName = (typeof STATE_FIELDS)[number]['name'];
/** The per-cell state: one typed array per STATE_FIELDS entry. */
export type NeuronState = { [F in (typeof STATE_FIELDS)[number] as F['name']]: ArrayFor<F['type']> };
/** 32-bit words of state per cell. */
export const STATE_WORDS = STATE_FIELDS.length;

/** One trace sample: taken every `sampleSteps` grid steps, at the end of the window. */
export const SAMPLE_FIELDS = [
  { name: 'step', type: 'u32', doc: 'grid step count at the end of the window (time = step x dt_grid)' },
  { name: 'spikes', type: 'u32', doc: 'spikes in the window, all cells' },
  { name: 'probe', type: 'f32', doc: 'virtual microdialysis probe: mean c over the probe voxels, nM' },
  { name: 'meanC', type: 'f32', doc: 'mean c over the region, nM' },
  { name: 's1A', type: 'f32', doc: 'mean 5-HT1A activation over cells' },
  { name: 's2B', type: 'f32', doc: 'mean 5-HT2B activation over cells' },
] as const satisfies readonly { name: string; type: WordType; doc: string }[];

export type SampleName = (typeof SAMPLE_FIELDS)[number]['name'];
/** Trace samples of a batch: one typed array per SAMPLE_FIELDS entry. */
export type SampleBatch = { [F in (typeof SAMPLE_FIELDS)[number] as F['name']]: ArrayFor<F['type']> };
/** Words per sample record on the device (the fields, padded to a multiple of 4 words: 16-byte aligned). */
export const SAMPLE_WORDS = Math.ceil(SAMPLE_FIELDS.length / 4) * 4;

function arrayFor(type: WordType, n: number): Float32Array | Uint32Array {
  return type === 'u32' ? new Uint32Array(n) : new Float32Array(n);
}

/** Zeroed state for n cells (one array per field). */
export function allocState(n: number): NeuronState {
  return Object.fromEntries(STATE_FIELDS.map((f) => [f.name, arrayFor(f.type, n)])) as NeuronState;
}

/** Zeroed samples for n samples. */
export function emptySamples(n: number): SampleBatch {
  return Object.fromEntries(SAMPLE_FIELDS.map((f) => [f.name, arrayFor(f.type, n)])) as SampleBatch;
}

/** A copy of each state array. */
export function copyState(s: NeuronState): NeuronState {
  return Object.fromEntries(STATE_FIELDS.map((f) => [f.name, s[f.name].slice()])) as NeuronState;
}

/**
 * State packed as the device holds it: STATE_WORDS * n words, field f of cell i at f * n + i
 * (float32 fields as their bits).
 */
export function packState(s: NeuronState, n: number, out = new Uint32Array(STATE_WORDS * n)): Uint32Array {
  STATE_FIELDS.forEach((f, idx) => {
    const a = s[f.name];
    out.set(new Uint32Array(a.buffer, a.byteOffset, n), idx * n);
  });
  return out;
}

/** The inverse of packState (copies). */
export function unpackState(words: ArrayBuffer, n: number, byteOffset = 0): NeuronState {
  return Object.fromEntries(
    STATE_FIELDS.map((f, idx) => {
      const bytes = words.slice(byteOffset + idx * 4 * n, byteOffset + (idx + 1) * 4 * n);
      return [f.name, f.type === 'u32' ? new Uint32Array(bytes) : new Float32Array(bytes)];
    }),
  ) as NeuronState;
}

/**
 * Writes one sample record (values in SAMPLE_FIELDS order) at word offset `at` of `words` (float32
 * fields as their bits, rounded to float32 like every engine's samples).
 */
export function writeSample(words: Uint32Array, at: number, values: Record<SampleName, number>): void {
  const f32 = new Float32Array(words.buffer, words.byteOffset, words.length);
  SAMPLE_FIELDS.forEach((f, idx) => {
    if (f.type === 'u32') words[at + idx] = values[f.name] >>> 0;
    else f32[at + idx] = values[f.name];
  });
}

/**
 * The one sample decoder of every engine: `count` records of SAMPLE_FIELDS words, record i at word
 * `first + i * stride` of `words` (the WebGPU batch interleaves its sims: stride K * SAMPLE_WORDS).
 */
export function decodeSamples(words: Uint32Array, count: number, first = 0, stride = SAMPLE_WORDS): SampleBatch {
  const out = emptySamples(count);
  const f32 = new Float32Array(words.buffer, words.byteOffset, words.length);
  SAMPLE_FIELDS.forEach((f, idx) => {
    const dst = out[f.name];
    const src = f.type === 'u32' ? words : f32;
    for (let i = 0; i < count; i++) dst[i] = src[first + i * stride + idx];
  });
  return out;
}

/** The initial state of n cells (one value per field per cell, field by field, cells in order). */
export function initialCellState(n: number, x: Omit<InitContext, 'cell'>): NeuronState {
  const s = allocState(n);
  const ctx: InitContext = { ...x, cell: 0 };
  for (const f of STATE_FIELDS) {
    const a = s[f.name];
    const init = f.init as (x: InitContext) => number;
    for (let i = 0; i < n; i++) {
      ctx.cell = i;
      a[i] = init(ctx);
    }
  }
  return s;
}

/** WGSL name of a field constant: ST_V, ST_S1A, SMP_PROBE, ... */
export const wgslFieldConst = (prefix: 'ST' | 'SMP', name: string): string => `${prefix}_${name.toUpperCase()}`;
