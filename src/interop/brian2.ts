/**
 * `raphe export brian2`: one self-contained Brian2 2.5 script of a scenario, written from the same model
 * (docs/model.md) and the same tissue raphe runs. Everything model-specific comes from src/model/:
 *   - PARAMS: every entry of PARAM_SPECS (value, unit, doc), so a new parameter appears without an edit;
 *   - DRUGS and the genotype's factors from drugs.ts (the script computes the occupancy terms and Km_eff
 *     of each phase with the same formulas as receptorTerms / sertInhibitionFactor);
 *   - the tissue from buildModel (geometry.ts, derive.ts): region mask and neighbour bits of the zero-flux
 *     stencil, probe voxels, each cell's voxel, position, tonic drive and SERT density, as exact binary
 *     arrays (zlib + base64);
 *   - the start from the same steady-state estimate and initial state raphe run starts from (c0, rate0,
 *     each cell's V; the STATE_FIELDS of layout.ts, each mapped below to a Brian2 variable);
 *   - the protocol's phases (scenario.ts), lengths rounded to grid steps as raphe does.
 * What is Brian2's own: the integration (exponential Euler on the membrane), the refractoriness, and the
 * Poisson background (PoissonInput, Brian2's generator seeded with the scenario's seed; not Philox).
 * The equations and update order are written out in the Python below, section by section, next to the
 * CPU engine's (src/engines/cpu/neurons.ts, grid.ts).
 */
import { deflateSync } from 'node:zlib';
import { DRUGS, GENOTYPES } from '../model/drugs.js';
import type { Model } from '../model/derive.js';
import { STATE_FIELDS, type NeuronState } from '../model/layout.js';
import { PARAM_KEYS, PARAM_SPECS } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';

export const BRIAN2_TARGETS = ['cpp_standalone', 'cython', 'numpy'] as const;
export type Brian2Target = (typeof BRIAN2_TARGETS)[number];

export interface Brian2ExportInput {
  scenario: Scenario;
  model: Model;
  /** The steady-state start raphe run uses (prepareScenarios). */
  c0_nM: number;
  rate0_Hz: number;
  /** raphe's initial cell state (initialState) for that start. */
  state: NeuronState;
  target: Brian2Target;
  version: string;
}

/**
 * How each raphe state field starts in Brian2: the variable it becomes, or null for a field that is
 * raphe's own bookkeeping (its refractory counter and its Philox background draws, which Brian2 does
 * with `refractory` and PoissonInput). A new STATE_FIELDS entry must be added here (export refuses it
 * otherwise): it needs its equation in the script too.
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
};

/** A typed array as the Python expression that rebuilds it exactly. */
function pyArray(a: Float32Array | Float64Array | Uint32Array | Uint8Array): string {
  const dtype = a instanceof Float32Array ? '<f4' : a instanceof Float64Array ? '<f8' : a instanceof Uint32Array ? '<u4' : 'u1';
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const b64 = deflateSync(bytes, { level: 9 }).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 100) lines.push(`    '${b64.slice(i, i + 100)}'`);
  return `_arr('${dtype}', ${a.length}, (\n${lines.join('\n')}\n))`;
}

/** A JSON value as a Python literal (JSON is Python but for true/false/null). */
function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`non-finite number ${v} in the export`);
    return Number.isInteger(v) ? String(v) : String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`)
    .join(', ')}}`;
}

function comment(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function brian2Script(x: Brian2ExportInput): string {
  const { scenario: sc, model: m } = x;
  const p = sc.params;
  const params = PARAM_KEYS.map((k) => {
    const s = PARAM_SPECS[k];
    return `    ${JSON.stringify(k)}: ${py(p[k])},  # ${s.unit}: ${comment(s.doc)}${s.choice ? ' (choice)' : ''}`;
  }).join('\n');
  const drugs = Object.entries(DRUGS)
    .map(([name, d]) => `    ${JSON.stringify(name)}: ${py({ target: d.target, action: d.action, K_nM: d.K_nM, efficacy: d.efficacy })},`)
    .join('\n');
  const g = GENOTYPES[sc.genotype];
  const phases = sc.phases.map((ph) => ({
    name: ph.name,
    durationS: ph.durationS,
    steps: Math.round(ph.durationS / m.dtGrid_s),
    drugs: ph.drugs,
  }));
  const init: string[] = [];
  for (const f of STATE_FIELDS) {
    if (!Object.hasOwn(STATE_MAP, f.name)) throw new Error(`state field ${f.name} has no Brian2 counterpart in src/interop/brian2.ts`);
    const to = STATE_MAP[f.name];
    if (!to) continue;
    const a = x.state[f.name as keyof NeuronState] as Float32Array;
    const uniform = a.every((v) => v === a[0]);
    init.push(`    ${JSON.stringify(to.name)}: ${uniform ? `${py(a[0])}` : pyArray(a)},  # ${to.unit}: ${comment(f.doc)}`);
  }
  const scenarioJson = {
    name: sc.name,
    genotype: sc.genotype,
    neurons: sc.neurons,
    seed: sc.seed,
    recording: sc.recording,
    c0_nM: sc.c0_nM ?? null,
  };
  const geo = m.geometry;
  return `#!/usr/bin/env python3
"""raphe ${x.version} scenario ${JSON.stringify(sc.name)} as a Brian2 2.5 script (written by \`raphe export brian2\`).

The model of raphe's docs/model.md: ${sc.neurons} leaky integrate-and-fire 5-HT neurons with a three-component
AHP, a Poisson background, a tonic drive and 5-HT1A / 5-HT2B autoreceptors, releasing into and taking up
from one shared 3-D extracellular 5-HT grid (${geo.nx} x ${geo.ny} x ${geo.nz} box, ${geo.inside.length} voxels of the
region, zero flux at its surface), with the scenario's protocol of drug phases. The tissue (cells' voxels,
positions, tonic drive, SERT density; the region and the probe) and the starting state are raphe's own for
seed ${sc.seed}; the background drive is Brian2's (PoissonInput, seeded with the same seed).

    python3 THIS_FILE.py [--target cpp_standalone|cython|numpy] [--build-dir DIR] [--threads T]

The last line of stdout is one JSON object with the fields of \`raphe run --json\` (rates, probe 5-HT, drift,
ISI CV, mass balance, phases) plus Brian2's timings: buildSeconds (code generation and compilation: the time
to first step), runSeconds (the simulation alone).
"""
import argparse
import base64
import json
import math
import os
import sys
import tempfile
import time
import zlib

import warnings

import numpy as np

warnings.filterwarnings('ignore', category=FutureWarning, module='pythran')
T_START = time.perf_counter()

# ---------------------------------------------------------------------------------------------------
# Parameters: raphe's one parameter schema (src/model/params.ts) with this scenario's values.
PARAMS = {
${params}
}

# Drugs (src/model/drugs.ts): target, action, affinity K (nM), efficacy.
DRUGS = {
${drugs}
}

SCENARIO = ${py(scenarioJson)}
GENOTYPE = ${py({ name: sc.genotype, g1A: g.g1A, g2B: g.g2B, sert: g.sert })}
# The protocol: phases in order, each with its free drug concentrations (nM); steps = round(durationS / dt_grid).
PHASES = ${py(phases)}

# The start (raphe's steady-state estimate, docs/model.md §3 and §6): uniform c0 over the region, the
# estimated rate, and raphe's initial state of each cell.
C0_NM = ${py(x.c0_nM)}
RATE0_HZ = ${py(x.rate0_Hz)}
DEFAULT_TARGET = ${JSON.stringify(x.target)}


def _arr(dtype, n, chunks):
    a = np.frombuffer(zlib.decompress(base64.b64decode(''.join(chunks))), dtype=dtype)
    assert a.size == n, (a.size, n)
    return a


# ---------------------------------------------------------------------------------------------------
# The tissue, as raphe builds it (src/model/geometry.ts, derive.ts): box voxel v = i + nx (j + ny k).
NX, NY, NZ = ${geo.nx}, ${geo.ny}, ${geo.nz}
# Box indices of the region's voxels (centre inside the ellipsoid), ascending.
REGION_VOXELS = ${pyArray(geo.inside)}
# Per box voxel: neighbour bits of the zero-flux stencil (-x 1, +x 2, -y 4, +y 8, -z 16, +z 32; 64 = in the region).
NBR_MASK = ${pyArray(geo.nbrMask)}
# Box indices of the region voxels inside the microdialysis probe (a cylinder along z through the centre).
PROBE_VOXELS = ${pyArray(geo.probe)}
# Per cell: its box voxel, position (um, xyz interleaved), tonic drive (pA), SERT density factor.
CELL_VOXEL = ${pyArray(m.vox)}
CELL_POS_UM = ${pyArray(m.pos)}
CELL_IDRIVE_PA = ${pyArray(m.Idrive)}
CELL_SERT_DENSITY = ${pyArray(m.rho)}
# Initial state of each cell (src/model/layout.ts STATE_FIELDS; a number = the same for every cell).
INITIAL = {
${init.join('\n')}
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split('\\n')[0])
    ap.add_argument('--target', choices=['cpp_standalone', 'cython', 'numpy'], default=DEFAULT_TARGET)
    ap.add_argument('--build-dir', default=None, help='cpp_standalone project folder (default: a temporary one, removed)')
    ap.add_argument('--threads', type=int, default=0, help='cpp_standalone OpenMP threads (0: none, one thread)')
    return ap.parse_args()


ARGS = parse_args()

import brian2 as b2  # noqa: E402
from brian2 import (NeuronGroup, PoissonInput, PopulationRateMonitor, SpikeMonitor, StateMonitor, Synapses,  # noqa: E402
                    defaultclock, linked_var, ms, mV, nS, pA, pF, Hz, second, um, prefs, set_device, device)

BUILD_DIR = None
if ARGS.target == 'cpp_standalone':
    BUILD_DIR = ARGS.build_dir or tempfile.mkdtemp(prefix='raphe_brian2_')
    set_device('cpp_standalone', build_on_run=False, directory=BUILD_DIR)
    if ARGS.threads > 0:
        prefs.devices.cpp_standalone.openmp_threads = ARGS.threads
else:
    prefs.codegen.target = ARGS.target
# after set_device: in standalone mode the seed is written into the generated code (before it, the binary
# would seed itself from the clock)
b2.seed(SCENARIO['seed'])
b2.BrianLogger.log_level_warn()
# The release synapses run on the neurons' clock (each spike at its sub-step) into voxels of the grid's
# clock: intended (the grid reads the released 5-HT at its next step), so Brian2's dt-mismatch warning is off.
b2.BrianLogger.suppress_name('synapses_dt_mismatch')

P = PARAMS
N = SCENARIO['neurons']
AVOGADRO = 6.02214076e23

# ---------------------------------------------------------------------------------------------------
# Derived constants (src/model/derive.ts), in float64 here (raphe rounds them to float32).
dt = P['dt_ms'] * ms
S = int(P['subSteps'])
dt_grid = S * dt
dt_grid_s = float(dt_grid / second)
ref_steps = int(round(P['tRef_ms'] / P['dt_ms']))
n_region = REGION_VOXELS.size
region_of_box = np.full(NX * NY * NZ, -1, dtype=np.int64)
region_of_box[REGION_VOXELS] = np.arange(n_region)
cell_region = region_of_box[CELL_VOXEL]
assert (cell_region >= 0).all(), 'every cell lies in a region voxel'
probe_region = region_of_box[PROBE_VOXELS]

g1A = P['g1A_nS'] * GENOTYPE['g1A'] * P['htr1aExpression'] * nS
g2B = P['g2B_nS'] * GENOTYPE['g2B'] * P['htr2bExpression'] * nS
sert_factor = GENOTYPE['sert'] * P['sertExpression']
# Release: a spike raises c of its voxel by dC = Q N_ref/N / (N_A alpha h^3), nM.
voxel_volume_L = P['alpha'] * (P['voxel_um'] * 1e-5) ** 3
dC_spike = P['Q_molecules'] * (P['refCells_n'] / N) / AVOGADRO / voxel_volume_L * 1e9
# SERT: the cells of a voxel pool their transporters, Vmax_v = sum_i rho_i capacity n_region / N (nM/s).
vmax_region = np.zeros(n_region)
np.add.at(vmax_region, cell_region, CELL_SERT_DENSITY * P['sertCapacity_nMps'] * n_region / N)
vmax_dt_region = vmax_region * dt_grid_s * sert_factor  # nM per grid step
k_clear_dt = P['kClear_perH'] / 3600 * dt_grid_s
# Diffusion number D* dt_grid / h^2 of the explicit 7-point stencil, D* = D / lambda^2.
D_star_um2ps = P['D_cm2ps'] * 1e8 / P['lambda'] ** 2
lam_diff = D_star_um2ps * dt_grid_s / P['voxel_um'] ** 2
# 5-HT1A two-stage filter and 5-HT2B filter, exact over one grid step with the occupancy held.
tauR, tauD = P['tau1ARise_ms'], P['tau1ADecay_ms']
dtg_ms = P['dt_ms'] * S
e1R, e1D = math.exp(-dtg_ms / tauR), math.exp(-dtg_ms / tauD)
c1X = (dtg_ms / tauD) * e1D if abs(tauR - tauD) < 1e-9 else (tauR / (tauR - tauD)) * (e1R - e1D)
e2B = math.exp(-dtg_ms / P['tau2B_ms'])


def receptor_terms(target, doses):
    """a_R = (c/K_R + num) / (den + c/K_R): num = sum of agonists' e A/K, den = 1 + sum of ligands' L/K."""
    num, den = 0.0, 1.0
    for name, A in doses.items():
        d = DRUGS[name]
        if A <= 0 or d['target'] != target:
            continue
        den += A / d['K_nM']
        if d['action'] == 'agonist':
            num += d['efficacy'] * A / d['K_nM']
    return num, den


def km_eff(doses):
    """Km x (1 + sum S/K_S) over the SERT inhibitors (competitive)."""
    f = 1.0
    for name, A in doses.items():
        d = DRUGS[name]
        if A > 0 and d['target'] == 'sert':
            f += A / d['K_nM']
    return P['Km_nM'] * f


# ---------------------------------------------------------------------------------------------------
# Schedule of one grid step n (t = n dt_grid), as in raphe (docs/model.md §4: neurons see a frozen c, the
# grid sees the step's spikes at once). Brian2 runs every object whose clock ticks at t in the order
# (slot, order); the grid objects tick every dt_grid, the neurons every dt:
#   'start'           uptake + clearance of the voxels (on the c the last step's spikes were released into)
#   'groups' -21      diffusion: summed variable lap = sum over region neighbours of (c_w - c_v)
#   'groups' -19      c += lam lap (zero flux: only region neighbours are connected)
#   'groups' -11/-9   readout (every sampleSteps grid steps): probe, region mean, mean s1A, s2B -> monitor
#   'groups' -5       receptors: occupancy from the cell's voxel c, filters advanced over one grid step
#   'groups' 0        membrane, AHP, background conductance (every dt); 'after_groups' the floor on V
#   'thresholds', 'synapses' (release into the voxel, the Poisson background), 'resets'
# The grid is a NeuronGroup of the region's voxels: diffusion as a summed variable over Synapses between
# face neighbours of the region and release as on_pre of one synapse per cell into its voxel. This runs
# on every target, cpp_standalone included (a network_operation would not), and the work per grid step
# is one pass over ~6 synapses a voxel, next to the neurons' ten sub-steps.

voxels = NeuronGroup(n_region, '''
c : 1             # extracellular 5-HT, nM
lap : 1           # sum over region neighbours of (c_w - c_v), nM (from the diffusion synapses)
vmax_dt : 1 (constant)   # SERT Vmax of the voxel's cells x dt_grid, nM
KmEff : 1 (shared)       # Km x (1 + sum S/K_S), nM: set per phase
released : 1      # mass accounting, nM x voxel
uptaken : 1
cleared : 1
''', dt=dt_grid, order=-20, name='voxels')
voxels.c = C0_NM
voxels.vmax_dt = vmax_dt_region
# Uptake (Michaelis-Menten, competitive SSRI) and clearance, explicit over dt_grid, never below zero: when
# u + k exceeds c the voxel is emptied and what was there is split between them in proportion. Skipped at
# t = 0 (raphe's first uptake follows the first step's release).
voxels.run_regularly('''
on = int(t > 0.5*dt_grid)
u = on * vmax_dt * c / (KmEff + c)
kc = on * k_clear_dt * c
rem = u + kc
empty = int(rem > c)
rem_safe = rem + int(rem <= 0)
uptaken += (1 - empty) * u + empty * c * u / rem_safe
cleared += (1 - empty) * kc + empty * c * kc / rem_safe
c = (1 - empty) * (c - rem)
''', when='start', name='uptake')
diffusion = Synapses(voxels, voxels, 'lap_post = c_pre - c_post : 1 (summed)', dt=dt_grid, name='diffusion')
nbr = NBR_MASK[REGION_VOXELS].astype(np.int64)
pre, post = [], []
for bit, off in ((1, -1), (2, 1), (4, -NX), (8, NX), (16, -NX * NY), (32, NX * NY)):
    has = (nbr & bit) != 0
    post.append(np.nonzero(has)[0])
    pre.append(region_of_box[REGION_VOXELS[has] + off])
pre, post = np.concatenate(pre), np.concatenate(post)
assert (pre >= 0).all(), 'a neighbour bit points outside the region'
diffusion.connect(i=pre, j=post)
voxels.run_regularly('c = c + lam_diff * lap', when='groups', order=-19, name='diffuse')

# ---------------------------------------------------------------------------------------------------
# Neurons (docs/model.md §2), V integrated by exponential Euler (exact for V with the conductances held
# over a sub-step, as raphe's). Refractoriness: raphe holds V for ref_steps sub-steps after the spike's
# own; Brian2 counts the spike's step in \`refractory\`, hence (ref_steps + 1) dt.
C = P['C_pF'] * pF
gL, EL, EK, E2B, Eexc = P['gL_nS'] * nS, P['EL_mV'] * mV, P['EK_mV'] * mV, P['E2B_mV'] * mV, P['Eexc_mV'] * mV
Vth, Vreset, Vfloor = P['Vth_mV'] * mV, P['Vreset_mV'] * mV, P['Vfloor_mV'] * mV
tau_ahp1, tau_ahp2, tau_ahp3 = P['tauAhp1_ms'] * ms, P['tauAhp2_ms'] * ms, P['tauAhp3_ms'] * ms
dAhp1, dAhp2, dAhp3 = P['dAhp1_pA'] * pA, P['dAhp2_pA'] * pA, P['dAhp3_pA'] * pA
tau_bg, bg_step, bg_rate = P['tauBg_ms'] * ms, P['bgStep_nS'] * nS, P['bgRate_Hz'] * Hz
invK1A, invK2B = 1 / P['K1A_nM'], 1 / P['K2B_nM']

neurons = NeuronGroup(N, '''
dV/dt = (gL*(EL - V) - (h1 + h2 + h3) - g1A*(1 - d1A)*s1A*(V - EK) - g2B*s2B*(V - E2B) - gbg*(V - Eexc) + Idrive) / C : volt (unless refractory)
dh1/dt = -h1 / tau_ahp1 : amp
dh2/dt = -h2 / tau_ahp2 : amp
dh3/dt = -h3 / tau_ahp3 : amp
dgbg/dt = -gbg / tau_bg : siemens
r1A : 1           # first stage of the 5-HT1A filter
s1A : 1           # 5-HT1A activation (GIRK)
s2B : 1           # 5-HT2B activation (cation current)
d1A : 1 (constant)   # 5-HT1A-GIRK desensitisation (0 without chronic treatment)
Idrive : amp (constant)
x : metre (constant)
y : metre (constant)
z : metre (constant)
clocal : 1 (linked)      # 5-HT of the cell's voxel, nM
num1A : 1 (shared)
den1A : 1 (shared)
num2B : 1 (shared)
den2B : 1 (shared)
''', threshold='V >= Vth', reset='V = Vreset; h1 += dAhp1; h2 += dAhp2; h3 += dAhp3',
    refractory=(ref_steps + 1) * dt, method='exponential_euler', dt=dt, order=0, name='neurons')
neurons.clocal = linked_var(voxels, 'c', index=cell_region)
neurons.Idrive = CELL_IDRIVE_PA.astype(np.float64) * pA
pos = CELL_POS_UM.astype(np.float64).reshape(N, 3)
neurons.x, neurons.y, neurons.z = pos[:, 0] * um, pos[:, 1] * um, pos[:, 2] * um
_units = {'V': mV, 'gbg': nS, 'h1': pA, 'h2': pA, 'h3': pA}
for name, v in INITIAL.items():
    v = np.asarray(v, dtype=np.float64)
    setattr(neurons, name, v * _units[name] if name in _units else v)
neurons.run_regularly('V = V + (Vfloor - V) * int(V < Vfloor)', when='after_groups', name='floor')
# Receptors, once per grid step from the voxel's c at its start (competitive occupancy with the drugs).
neurons.run_regularly('''
x1 = clocal * invK1A
a1 = (x1 + num1A) / (den1A + x1)
x2 = clocal * invK2B
a2 = (x2 + num2B) / (den2B + x2)
s1A = a1 + (s1A - a1) * e1D + (r1A - a1) * c1X
r1A = a1 + (r1A - a1) * e1R
s2B = a2 + (s2B - a2) * e2B
''', dt=dt_grid, when='groups', order=-5, name='receptors')
# Background: Poisson events at bg_rate, each a step of bg_step in gbg (Brian2's generator).
background = PoissonInput(neurons, 'gbg', 1, bg_rate, weight='bg_step')
# Release: one synapse per cell into its voxel.
release = Synapses(neurons, voxels, on_pre='c_post += dC_spike\\nreleased_post += dC_spike', dt=dt, name='release')
release.connect(i=np.arange(N), j=cell_region)

# ---------------------------------------------------------------------------------------------------
# Recording (src/model/layout.ts SAMPLE_FIELDS): every sampleSteps grid steps, after the grid update.
sample_steps = int(SCENARIO['recording']['sampleSteps'])
dt_sample = sample_steps * dt_grid
readout = NeuronGroup(1, 'probe : 1\\nmeanC : 1\\nmeanS1A : 1\\nmeanS2B : 1', dt=dt_sample, order=-10, name='readout')
w_probe, w_region, w_cell = 1 / probe_region.size, 1 / n_region, 1 / N
rd_probe = Synapses(voxels, readout, 'probe_post = w_probe * c_pre : 1 (summed)', dt=dt_sample, name='rd_probe')
rd_probe.connect(i=probe_region, j=0)
rd_region = Synapses(voxels, readout, 'meanC_post = w_region * c_pre : 1 (summed)', dt=dt_sample, name='rd_region')
rd_region.connect(i=np.arange(n_region), j=0)
rd_s1A = Synapses(neurons, readout, 'meanS1A_post = w_cell * s1A_pre : 1 (summed)', dt=dt_sample, name='rd_s1a')
rd_s1A.connect(i=np.arange(N), j=0)
rd_s2B = Synapses(neurons, readout, 'meanS2B_post = w_cell * s2B_pre : 1 (summed)', dt=dt_sample, name='rd_s2b')
rd_s2B.connect(i=np.arange(N), j=0)
trace = StateMonitor(readout, ['probe', 'meanC', 'meanS1A', 'meanS2B'], record=0, dt=dt_sample, when='groups', order=-9,
                     name='trace')
# Spikes: each cell's (recording.spikes true, as raphe records them), else only how many per fine step.
RECORD_SPIKES = bool(SCENARIO['recording']['spikes'])
spikes = SpikeMonitor(neurons, name='spikes') if RECORD_SPIKES else None
pop = None if RECORD_SPIKES else PopulationRateMonitor(neurons, name='pop_rate')

net = b2.Network(b2.collect())


def set_doses(doses):
    neurons.num1A, neurons.den1A = receptor_terms('5ht1a', doses)
    neurons.num2B, neurons.den2B = receptor_terms('5ht2b', doses)
    voxels.KmEff = km_eff(doses)


# ---------------------------------------------------------------------------------------------------
# The protocol. One more sub-step after the last phase: the sample at t = T is taken at the start of it.
build_s = 0.0
run_s = 0.0
if ARGS.target != 'cpp_standalone':
    set_doses(PHASES[0]['drugs'])
    t0 = time.perf_counter()
    net.run(0 * ms)  # code generation and compilation
    build_s = time.perf_counter() - t0
t_first = time.perf_counter()
for ph in PHASES:
    set_doses(ph['drugs'])
    net.run(ph['steps'] * dt_grid)
net.run(dt)
if ARGS.target == 'cpp_standalone':
    t0 = time.perf_counter()
    device.build(directory=BUILD_DIR, compile=True, run=False, with_output=False)
    build_s = time.perf_counter() - t0
    t_first = time.perf_counter()
    device.run(BUILD_DIR, False, [])
run_s = time.perf_counter() - t_first
time_to_first_step = t_first - T_START

# ---------------------------------------------------------------------------------------------------
# Readouts, as raphe's (src/record/analysis.ts, src/experiment/run-scenario.ts assembleResult).
total_steps = sum(ph['steps'] for ph in PHASES)
end_s = total_steps * dt_grid_s
n_samples = total_steps // sample_steps
if RECORD_SPIKES:
    sp_t = np.asarray(spikes.t / dt)
    sp_fine = np.rint(sp_t).astype(np.int64)
    sp_cell = np.asarray(spikes.i, dtype=np.int64)
    keep = sp_fine < total_steps * S
    sp_fine, sp_cell = sp_fine[keep], sp_cell[keep]
    counts = np.bincount(sp_fine // (S * sample_steps), minlength=n_samples)[:n_samples]
else:
    # spikes of fine step k = rate[k] x N x dt (an integer up to rounding)
    per_step = np.rint(np.asarray(pop.rate / Hz) * N * float(dt / second)).astype(np.int64)
    counts = per_step[:n_samples * S * sample_steps].reshape(n_samples, S * sample_steps).sum(axis=1)
tr_t = np.asarray(trace.t / second)
tr_k = np.rint(tr_t / (sample_steps * dt_grid_s)).astype(np.int64)
take = (tr_k >= 1) & (tr_k <= n_samples)
order = np.argsort(tr_k[take])
samp_k = tr_k[take][order]
assert samp_k.size == n_samples and (samp_k == np.arange(1, n_samples + 1)).all(), 'one sample per window'
tS = samp_k * sample_steps * dt_grid_s
rate_hz = counts / N / (sample_steps * dt_grid_s)
probe = np.asarray(trace.probe[0])[take][order]


def mean_over(t, y, a, b):
    m = (t > a) & (t <= b + 1e-12)
    return float(np.mean(y[m])) if m.any() else float('nan')


def relative_drift(t, y, a, b):
    m = (t > a) & (t <= b + 1e-12)
    n = int(m.sum())
    if n < 3:
        return float('nan')
    x, v = t[m], y[m]
    sx, sy, sxx, sxy = x.sum(), v.sum(), (x * x).sum(), (x * v).sum()
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    mean = sy / n
    return 0.0 if mean == 0 else float(slope * (b - a) / abs(mean))


PROBE_FLOOR_NM = 0.1
DRIFT_TOL = 0.02


def is_settled(drift, mean):
    return bool(math.isfinite(drift) and (abs(drift) < DRIFT_TOL or abs(drift * mean) < PROBE_FLOOR_NM))


def isi_stats(from_step, to_step):
    m = (sp_fine > from_step) & (sp_fine <= to_step)
    cells, steps = sp_cell[m], sp_fine[m]
    o = np.lexsort((steps, cells))
    cells, steps = cells[o], steps[o]
    same = cells[1:] == cells[:-1]
    isi = (steps[1:] - steps[:-1])[same].astype(np.float64)
    owner = cells[1:][same]
    n = np.bincount(owner, minlength=N)
    s1 = np.bincount(owner, weights=isi, minlength=N)
    s2 = np.bincount(owner, weights=isi * isi, minlength=N)
    use = n >= 2
    if not use.any():
        return float('nan'), float('nan')
    mean = s1[use] / n[use]
    cv = np.sqrt(np.maximum(0, s2[use] / n[use] - mean * mean)) / mean
    return float(np.median(cv)), float(np.mean(cv < 0.5))


half, quarter = end_s / 2, end_s * 0.75
phases_out = []
t_ph = 0.0
for ph in PHASES:
    end = t_ph + ph['steps'] * dt_grid_s
    mid = (t_ph + end) / 2
    q = t_ph + 0.75 * (end - t_ph)
    d = relative_drift(tS, probe, q, end)
    phases_out.append({'name': ph['name'], 'startS': t_ph, 'endS': end, 'drugs': ph['drugs'],
                       'meanRateHz': mean_over(tS, rate_hz, mid, end), 'probe5htNm': mean_over(tS, probe, mid, end),
                       'probeDriftLastQuarter': d, 'settled': is_settled(d, mean_over(tS, probe, q, end))})
    t_ph = end
drift = relative_drift(tS, probe, quarter, end_s)
if RECORD_SPIKES:
    cv, regular = isi_stats(int(round(half / dt_grid_s)) * S, int(round(end_s / dt_grid_s)) * S)
else:
    cv, regular = float('nan'), float('nan')  # as raphe: no ISI statistics without the spikes
released = float(np.sum(voxels.released[:]))
uptaken = float(np.sum(voxels.uptaken[:]))
cleared = float(np.sum(voxels.cleared[:]))
grid_start = C0_NM * n_region
grid_end = float(np.sum(voxels.c[:]))
mass_err = abs(grid_end - grid_start - (released - uptaken - cleared)) / released if released > 0 else 0.0
if BUILD_DIR and not ARGS.build_dir:
    import shutil
    shutil.rmtree(BUILD_DIR, ignore_errors=True)


def finite_or_none(v):
    return v if not isinstance(v, float) or math.isfinite(v) else None


summary = {
    'engine': 'brian2',
    'adapter': f'Brian2 {b2.__version__}, {ARGS.target}' + (f', {ARGS.threads} OpenMP threads' if ARGS.threads > 0 else ''),
    'neurons': N,
    'durationS': end_s,
    'genotype': SCENARIO['genotype'],
    'seed': SCENARIO['seed'],
    'meanRateHz': mean_over(tS, rate_hz, half, end_s),
    'medianCvIsi': cv,
    'fractionRegular': regular,
    'probe5htNm': mean_over(tS, probe, half, end_s),
    'probeDriftLastQuarter': drift,
    'settled': is_settled(drift, mean_over(tS, probe, quarter, end_s)),
    'massBalanceRelError': mass_err,
    'c0Nm': C0_NM,
    'rate0Hz': RATE0_HZ,
    'wallSeconds': time.perf_counter() - T_START,
    'complete': True,
    'engineReason': 'Brian2 script exported by raphe ${x.version} (raphe export brian2)',
    'buildSeconds': build_s,
    'timeToFirstStepSeconds': time_to_first_step,
    'runSeconds': run_s,
    'phases': phases_out,
    'outDir': None,
}
print(json.dumps({k: (finite_or_none(v) if k != 'phases' else [{a: finite_or_none(b) for a, b in p.items()} for p in v])
                  for k, v in summary.items()}))
`;
}
