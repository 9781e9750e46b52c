/**
 * `raphe export brian2`: a scenario as a Brian2 2.5 script. The model is python/raphe_brian2.py, a real
 * Python file shipped with raphe (linted by py_compile and pyflakes); this file writes only its DATA,
 * everything from src/model/ and the tissue raphe runs:
 *   - the scenario in the scenario-file shape (every parameter of PARAM_SPECS with its value, the
 *     protocol, recording), and each phase's grid steps, rounded as raphe rounds them;
 *   - DRUGS and the genotype's factors from drugs.ts (the script computes the occupancy terms and Km_eff
 *     of each phase with the same formulas as receptorTerms / sertInhibitionFactor / ssriPotency2B);
 *   - the tissue from buildModel (geometry.ts, derive.ts): region voxels and neighbour bits of the
 *     zero-flux stencil, probe voxels, each cell's voxel, position and tonic drive, the release cube's
 *     half-width, and each region voxel's SERT Vmax and non-exocytotic release as raphe spreads them over
 *     the cells' cubes (release-field.ts), as exact binary arrays ({dtype, length, zlib_base64});
 *   - the start from the same steady-state estimate and initial state a raphe run starts from (c0, rate0,
 *     each cell's V; the STATE_FIELDS of layout.ts, each mapped below to a Brian2 variable).
 * The exported script is the shipped file with the data as JSON in its RAPHE_DATA line. It writes the raw
 * recording; brian2-read.ts turns that into raphe's summary with raphe's own readouts.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { DRUGS, GENOTYPES } from '../model/drugs.js';
import type { Model } from '../model/derive.js';
import { STATE_FIELDS, type NeuronState } from '../model/layout.js';
import { RELEASE_QUANTA } from '../model/release-quanta.js';
import type { Scenario } from '../model/scenario.js';

export const BRIAN2_TARGETS = ['cpp_standalone', 'cython', 'numpy'] as const;
export type Brian2Target = (typeof BRIAN2_TARGETS)[number];

/** The data's format tag (python/raphe_brian2.py DATA_FORMAT). */
export const BRIAN2_DATA_FORMAT = 'raphe-brian2-data/1';
/** The shipped model, relative to raphe's root (the package folder). */
export const BRIAN2_MODEL_FILE = path.join('python', 'raphe_brian2.py');
/** The one line of the shipped model that the export replaces with the data. */
const DATA_LINE = 'RAPHE_DATA = None\n';

export interface Brian2ExportInput {
  scenario: Scenario;
  model: Model;
  /** The steady-state start raphe run uses (prepareScenarios). */
  c0_nM: number;
  rate0_Hz: number;
  /** The cell state raphe's engines start from at that start: the built state after their warm-up (docs/model.md §3). */
  state: NeuronState;
  target: Brian2Target;
  version: string;
  /** Factor on every voxel's SERT Vmax (the chronic driver's sertScale); 1 when absent. */
  sertScale?: number;
}

/**
 * How each raphe state field starts in Brian2: the variable it becomes (in the unit the script gives it),
 * or null for a field that is raphe's own bookkeeping (its refractory counter and its Philox background
 * draws, which Brian2 does with `refractory` and PoissonInput). A new STATE_FIELDS entry must be added
 * here (export refuses it otherwise): it needs its equation in the script too.
 */
const STATE_MAP: Record<string, { name: string; unit: string } | null> = {
  V: { name: 'V', unit: 'mV' },
  gbg: { name: 'gbg', unit: 'nS' },
  ahp1: { name: 'h1', unit: 'pA' },
  ahp2: { name: 'h2', unit: 'pA' },
  ahp3: { name: 'h3', unit: 'pA' },
  r1A: { name: 'r1A', unit: '1' },
  s1A: { name: 's1A', unit: '1' },
  s2B: { name: 's2B', unit: '1' },
  ref: null,
  bgNext: null,
  bgIdx: null,
  // 5-HT1A desensitisation (docs/model.md §7): frozen in the fast model, so a per-cell constant here
  d1A: { name: 'd1A', unit: '1' },
  // the chronic driver's running sum of s1A (raphe's bookkeeping for the slow step; no fast dynamics)
  a1Sum: null,
  // the releasable pool (docs/model.md §3): refills toward 1, a spike releases from it
  pool: { name: 'P', unit: '1' },
  // 5-HT2B desensitisation: frozen in the fast model, as d1A
  d2B: { name: 'd2B', unit: '1' },
  // the chronic driver's running sum of s2B, as a1Sum
  a2Sum: null,
};

/** A typed array as exact little-endian bytes, deflated and base64-encoded (the script's `array`). */
export interface PackedArray {
  dtype: '<f4' | '<f8' | '<u4' | 'u1';
  length: number;
  zlib_base64: string;
}

function packed(a: Float32Array | Float64Array | Uint32Array | Uint8Array): PackedArray {
  const dtype = a instanceof Float32Array ? '<f4' : a instanceof Float64Array ? '<f8' : a instanceof Uint32Array ? '<u4' : 'u1';
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return { dtype, length: a.length, zlib_base64: deflateSync(bytes, { level: 9 }).toString('base64') };
}

/** The data python/raphe_brian2.py runs (its RAPHE_DATA, or the file of its --data). */
export function brian2Data(x: Brian2ExportInput) {
  const { scenario: sc, model: m } = x;
  const g = GENOTYPES[sc.genotype];
  const state: Record<string, number | PackedArray> = {};
  for (const f of STATE_FIELDS) {
    if (!Object.hasOwn(STATE_MAP, f.name)) throw new Error(`state field ${f.name} has no Brian2 counterpart in src/interop/brian2.ts`);
    const to = STATE_MAP[f.name];
    if (!to) continue;
    const a = x.state[f.name as keyof NeuronState] as Float32Array;
    state[to.name] = a.every((v) => v === a[0]) ? a[0] : packed(a);
  }
  for (const v of Object.values(sc.params))
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`non-finite parameter ${v} in the export`);
  const geo = m.geometry;
  const inRegion = (a: Float32Array) => Float32Array.from(geo.inside, (v) => a[v]);
  return {
    format: BRIAN2_DATA_FORMAT,
    rapheVersion: x.version,
    target: x.target,
    // the scenario file raphe would read back (brian2-read.ts does, from the script's output)
    scenario: {
      name: sc.name,
      genotype: sc.genotype,
      neurons: sc.neurons,
      seed: sc.seed,
      protocol: sc.phases.map((ph) => ({ name: ph.name, durationS: ph.durationS, drugs: ph.doses })),
      params: sc.params,
      recording: sc.recording,
      ...(sc.c0_nM !== undefined ? { c0_nM: sc.c0_nM } : {}),
    },
    phaseSteps: sc.phases.map((ph) => Math.round(ph.durationS / m.dtGrid_s)),
    drugs: Object.fromEntries(
      Object.entries(DRUGS).map(([name, d]) => [name, { target: d.target, action: d.action, K_nM: d.K_nM, efficacy: d.efficacy }]),
    ),
    genotype: { name: sc.genotype, g1A: g.g1A, g2B: g.g2B, sert: g.sert },
    releaseQuanta: RELEASE_QUANTA,
    sertScale: x.sertScale ?? 1,
    start: { c0_nM: x.c0_nM, rate0_Hz: x.rate0_Hz, state },
    tissue: {
      nx: geo.nx,
      ny: geo.ny,
      nz: geo.nz,
      regionVoxels: packed(geo.inside),
      nbrMask: packed(geo.nbrMask),
      probeVoxels: packed(geo.probe),
      cellVoxel: packed(m.vox),
      cellPosUm: packed(m.pos),
      cellIdrivePa: packed(m.Idrive),
      fieldR: m.fieldR,
      // per region voxel (the order of regionVoxels), nM per grid step
      voxelVmaxDt: packed(inRegion(m.vmaxDt)),
      voxelTonicDt: packed(inRegion(m.tonicDt)),
    },
  };
}

/** The shipped model file: found from this module upwards (src/interop/ in a checkout, build/node/ in the bundle). */
export function brian2ModelPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, BRIAN2_MODEL_FILE);
    if (existsSync(file)) return file;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`the Brian2 model ${BRIAN2_MODEL_FILE} is missing from raphe's installation`);
    dir = up;
  }
}

/**
 * The exported script: the shipped model with the data in its RAPHE_DATA line, as a raw string of JSON
 * (every ' escaped as \u0027, so the string cannot end early; JSON never ends in a backslash).
 */
export function brian2Script(x: Brian2ExportInput): string {
  const model = readFileSync(brian2ModelPath(), 'utf8');
  const at = model.indexOf(`\n${DATA_LINE}`);
  if (at < 0 || model.indexOf(`\n${DATA_LINE}`, at + 1) >= 0)
    throw new Error(`${BRIAN2_MODEL_FILE} must hold one line ${DATA_LINE.trim()}`);
  const json = JSON.stringify(brian2Data(x), null, 1).replaceAll("'", '\\u0027');
  return `${model.slice(0, at + 1)}RAPHE_DATA = r'''${json}'''\n${model.slice(at + 1 + DATA_LINE.length)}`;
}
