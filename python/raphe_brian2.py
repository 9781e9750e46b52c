#!/usr/bin/env python3
"""raphe's model (docs/model.md) as a Brian2 2.5 network, run on a scenario's data written by `raphe export brian2`.

    python3 SCRIPT.py [--target cpp_standalone|cython|numpy] [--build-dir DIR] [--threads T] [--out RAW.json]

The data (docs/brian2.md): the scenario (its parameters, protocol and recording), raphe's tissue for its seed
(region, probe, each cell's voxel, position and tonic drive, each region voxel's SERT Vmax and non-exocytotic
release as raphe spreads them over the cells' release cubes, as exact binary arrays), raphe's starting state,
the drugs and the genotype. `raphe export brian2` writes one script: this file with the data in RAPHE_DATA
below (None as shipped). What is Brian2's own: the integration (exponential Euler on the membrane), the
refractoriness and the Poisson background (PoissonInput, Brian2's generator seeded with the scenario's seed).

Output: one line of JSON (the last line of stdout, or the file --out), the run's raw recording in the shape of
raphe's own (src/model/layout.ts SAMPLE_FIELDS, src/engines/engine.ts RecordBatch) and no readout:
    format            "raphe-brian2-raw/1"
    rapheVersion, scenario, c0_nM, rate0_Hz, regionVoxels   the data this run was made from
    adapter           "Brian2 <version>, <target>[, T OpenMP threads]"
    buildSeconds, timeToFirstStepSeconds, runSeconds, wallSeconds
    gridSteps         grid steps run (the phases' steps summed)
    samples           {step, spikes, probe, meanC, s1A, s2B}: one entry per trace window, step = grid step at
                      its end, spikes = spikes of all cells in it
    spikes            {cells, steps}: every spike (cell, fine step), time-ordered; null without recording.spikes
    mass              {released, uptaken, cleared, gridStart, gridEnd}: 5-HT in nM x voxel
`raphe export brian2 --read RAW.json` turns it into raphe's summary (`raphe run --json`).
"""
import argparse
import base64
import json
import math
import shutil
import sys
import tempfile
import time
import warnings
import zlib

import numpy as np

warnings.filterwarnings('ignore', category=FutureWarning, module='pythran')
T_START = time.perf_counter()

import brian2 as b2  # noqa: E402
from brian2 import (NeuronGroup, PoissonInput, PopulationRateMonitor, SpikeMonitor, StateMonitor, Synapses,  # noqa: E402
                    linked_var, ms, mV, nS, pA, pF, Hz, second, um, prefs, set_device, device)

DATA_FORMAT = 'raphe-brian2-data/1'
RAW_FORMAT = 'raphe-brian2-raw/1'
TARGETS = ['cpp_standalone', 'cython', 'numpy']
AVOGADRO = 6.02214076e23
# Brian2 variables that carry a unit, and that unit (the data's initial state is in these units).
STATE_UNITS = {'V': mV, 'gbg': nS, 'h1': pA, 'h2': pA, 'h3': pA}


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--target', choices=TARGETS, default=None, help="Brian2's code target (default: the data's)")
    ap.add_argument('--build-dir', default=None, help='cpp_standalone project folder (default: a temporary one, removed)')
    ap.add_argument('--threads', type=int, default=0, help='cpp_standalone OpenMP threads (0: none, one thread)')
    ap.add_argument('--out', default=None, help='write the raw JSON here instead of to stdout')
    return ap.parse_args(argv)


def load_data():
    if RAPHE_DATA is None:
        sys.exit('raphe_brian2: no data: run the script `raphe export brian2` writes (this file with its scenario)')
    data = json.loads(RAPHE_DATA)
    if data.get('format') != DATA_FORMAT:
        sys.exit(f'raphe_brian2: the data is {data.get("format")!r}, this script reads {DATA_FORMAT!r}')
    return data


def array(a):
    """A typed array of the data ({dtype, length, zlib_base64}) as numpy, or a number as itself."""
    if not isinstance(a, dict):
        return a
    v = np.frombuffer(zlib.decompress(base64.b64decode(a['zlib_base64'])), dtype=a['dtype'])
    assert v.size == a['length'], (v.size, a['length'])
    return v


def finite(v):
    """A number for JSON, which has no NaN or infinity: those become null."""
    v = float(v)
    return v if math.isfinite(v) else None


def receptor_terms(drugs, target, doses):
    """a_R = (c/K_R + num) / (den + c/K_R): num = sum of agonists' e A/K, den = 1 + sum of ligands' L/K."""
    num, den = 0.0, 1.0
    for name, A in doses.items():
        d = drugs[name]
        if A <= 0 or d['target'] != target:
            continue
        den += A / d['K_nM']
        if d['action'] == 'agonist':
            num += d['efficacy'] * A / d['K_nM']
    return num, den


def ssri_potency_2b(P, g):
    """SSRI potency at SERT relative to WT (src/model/sert-2b.ts): 1 - w (1 - min(1, 5-HT2B expression))."""
    w = P.get('ssriRecognition2B', 0)
    if w == 0:
        return 1
    return 1 - w * (1 - min(1, g['g2B'] * P['htr2bExpression']))


def km_eff(P, drugs, doses, potency=1):
    """Km x (1 + sum potency S/K_S) over the SERT inhibitors (competitive)."""
    return P['Km_nM'] * (1 + sum(potency * A / drugs[n]['K_nM'] for n, A in doses.items() if A > 0 and drugs[n]['target'] == 'sert'))


def constants(data):
    """The model's constants (src/model/derive.ts) in float64 (raphe rounds them to float32): Brian2's namespace."""
    sc, g, tis = data['scenario'], data['genotype'], data['tissue']
    P, N = sc['params'], sc['neurons']
    dt = P['dt_ms'] * ms
    S = int(P['subSteps'])
    dt_grid = S * dt
    dt_grid_s = float(dt_grid / second)
    n_region = tis['regionVoxels']['length']
    # 5-HT1A two-stage filter and 5-HT2B filter, exact over one grid step with the occupancy held.
    tauR, tauD = P['tau1ARise_ms'], P['tau1ADecay_ms']
    dtg_ms = P['dt_ms'] * S
    e1R, e1D = math.exp(-dtg_ms / tauR), math.exp(-dtg_ms / tauD)
    sample_steps = int(sc['recording']['sampleSteps'])
    quanta = int(data['releaseQuanta'])
    dC_spike = P['Q_molecules'] * (P['refCells_n'] / N) / AVOGADRO / (P['alpha'] * (P['voxel_um'] * 1e-5) ** 3) * 1e9
    field_r = int(math.floor(P['releaseField_um'] / P['voxel_um'] + 0.5))  # round(), halves up as raphe's
    assert field_r == tis['fieldR'], f'release cube half-width {field_r}, raphe built {tis["fieldR"]}'
    return {
        'dt': dt, 'S': S, 'dt_grid': dt_grid, 'dt_grid_s': dt_grid_s, 'N': N, 'n_region': n_region,
        'ref_steps': int(round(P['tRef_ms'] / P['dt_ms'])),
        'g1A': P['g1A_nS'] * g['g1A'] * P['htr1aExpression'] * nS,
        'g2B': P['g2B_nS'] * g['g2B'] * P['htr2bExpression'] * nS,
        # Releasable pool (docs/model.md section 3): refill over a grid step, the share a spike keeps, the cut of
        # release by full 5-HT1A activation, the quanta of a full-pool spike.
        'ePool': math.exp(-dt_grid_s / P['tauRefill_s']), 'keepU': 1 - P['releaseFraction'], 'rel1A': P['rel1AMax'],
        'quanta': quanta, 'field_r': field_r, 'sert_scale': data['sertScale'],
        # A full-pool spike's dC = Q N_ref/N / (N_A alpha h^3) nM spread evenly over its (2r+1)^3 cube: per quantum
        # and cube voxel dC / (quanta (2r+1)^3).
        'dC_rel': dC_spike / (quanta * (2 * field_r + 1) ** 3),
        'k_clear_dt': P['kClear_perH'] / 3600 * dt_grid_s,
        # Diffusion number D* dt_grid / h^2 of the explicit 7-point stencil, D* = D / lambda^2.
        'lam_diff': P['D_cm2ps'] * 1e8 / P['lambda'] ** 2 * dt_grid_s / P['voxel_um'] ** 2,
        'e1R': e1R, 'e1D': e1D, 'e2B': math.exp(-dtg_ms / P['tau2B_ms']),
        'c1X': (dtg_ms / tauD) * e1D if abs(tauR - tauD) < 1e-9 else (tauR / (tauR - tauD)) * (e1R - e1D),
        'C': P['C_pF'] * pF, 'gL': P['gL_nS'] * nS,
        'EL': P['EL_mV'] * mV, 'EK': P['EK_mV'] * mV, 'E2B': P['E2B_mV'] * mV, 'Eexc': P['Eexc_mV'] * mV,
        'Vth': P['Vth_mV'] * mV, 'Vreset': P['Vreset_mV'] * mV, 'Vfloor': P['Vfloor_mV'] * mV,
        'tau_ahp1': P['tauAhp1_ms'] * ms, 'tau_ahp2': P['tauAhp2_ms'] * ms, 'tau_ahp3': P['tauAhp3_ms'] * ms,
        'dAhp1': P['dAhp1_pA'] * pA, 'dAhp2': P['dAhp2_pA'] * pA, 'dAhp3': P['dAhp3_pA'] * pA,
        'tau_bg': P['tauBg_ms'] * ms, 'bg_step': P['bgStep_nS'] * nS, 'bg_rate': P['bgRate_Hz'] * Hz,
        'invK1A': 1 / P['K1A_nM'], 'invK2B': 1 / P['K2B_nM'],
        'sample_steps': sample_steps, 'dt_sample': sample_steps * dt_grid,
        'w_region': 1 / n_region, 'w_cell': 1 / N,
    }


# ---------------------------------------------------------------------------------------------------
# Schedule of one grid step n (t = n dt_grid), as in raphe (docs/model.md §4: neurons see a frozen c, the
# grid sees the step's spikes at once). Brian2 runs every object whose clock ticks at t in the order
# (slot, order); the grid objects tick every dt_grid, the neurons every dt:
#   'start'           tonic release, uptake + clearance (on the c the last step's spikes were released into)
#   'groups' -21      diffusion: summed variable lap = sum over region neighbours of (c_w - c_v)
#   'groups' -19      c += lam lap (zero flux: only region neighbours are connected)
#   'groups' -11/-9   readout (every sampleSteps grid steps): probe, region mean, mean s1A, s2B -> monitor
#   'groups' -5       receptors: occupancy from the voxel's c, filters over one grid step; the pool refills
#   'groups' 0        membrane, AHP, background conductance (every dt); 'after_groups' the floor on V
#   'thresholds', 'synapses' (release into the cube's voxels from the pool as it stands, the Poisson
#   background), 'resets' (the pool keeps keepU of itself)
# The grid is a NeuronGroup of the region's voxels: diffusion as a summed variable over Synapses between
# face neighbours of the region, and release as on_pre of one synapse per cell and region voxel of its
# release cube. This runs on every target, cpp_standalone included (a network_operation would not); the
# work per grid step is one pass over ~6 synapses a voxel, next to the neurons' ten sub-steps, and a spike
# costs one update per voxel of its cube (raphe's box sums cost a pass over the grid every step instead).

def build_grid(data, k):
    """The region's voxels (box voxel v = i + nx (j + ny k)): tonic release, uptake, clearance, diffusion."""
    tis = data['tissue']
    nx, ny, nz = tis['nx'], tis['ny'], tis['nz']
    region = array(tis['regionVoxels'])
    region_of_box = np.full(nx * ny * nz, -1, dtype=np.int64)
    region_of_box[region] = np.arange(region.size)
    cell_region = region_of_box[array(tis['cellVoxel'])]
    assert (cell_region >= 0).all(), 'every cell lies in a region voxel'
    voxels = NeuronGroup(k['n_region'], '''
c : 1             # extracellular 5-HT, nM
lap : 1           # sum over region neighbours of (c_w - c_v), nM (from the diffusion synapses)
vmax_dt : 1 (constant)   # SERT Vmax x dt_grid of the cells whose cube holds the voxel, nM
tonic_dt : 1 (constant)  # non-exocytotic release per grid step of those cells, nM
KmEff : 1 (shared)       # Km x (1 + sum S/K_S), nM: set per phase
released : 1      # mass accounting, nM x voxel
uptaken : 1
cleared : 1
''', dt=k['dt_grid'], order=-20, name='voxels')
    voxels.c = data['start']['c0_nM']
    # SERT and tonic release as raphe spreads them over the cells' release cubes (raphe's data, per region voxel)
    voxels.vmax_dt = array(tis['voxelVmaxDt']).astype(np.float64)
    voxels.tonic_dt = array(tis['voxelTonicDt']).astype(np.float64)
    # Tonic release, then uptake (Michaelis-Menten, competitive SSRI, Vmax x sert_scale) and clearance,
    # explicit over dt_grid, never below zero: when u + k exceeds c the voxel is emptied and what was there is
    # split between them in proportion. Skipped at t = 0 (raphe's first grid update follows the first spikes).
    voxels.run_regularly('''
on = int(t > 0.5*dt_grid)
c = c + on * tonic_dt
released += on * tonic_dt
u = on * vmax_dt * sert_scale * c / (KmEff + c)
kc = on * k_clear_dt * c
rem = u + kc
empty = int(rem > c)
rem_safe = rem + int(rem <= 0)
uptaken += (1 - empty) * u + empty * c * u / rem_safe
cleared += (1 - empty) * kc + empty * c * kc / rem_safe
c = (1 - empty) * (c - rem)
''', when='start', name='uptake')
    diffusion = Synapses(voxels, voxels, 'lap_post = c_pre - c_post : 1 (summed)', dt=k['dt_grid'], name='diffusion')
    # Neighbour bits of the zero-flux stencil: -x 1, +x 2, -y 4, +y 8, -z 16, +z 32 (64 = in the region).
    nbr = array(tis['nbrMask'])[region].astype(np.int64)
    pre, post = [], []
    for bit, off in ((1, -1), (2, 1), (4, -nx), (8, nx), (16, -nx * ny), (32, nx * ny)):
        has = (nbr & bit) != 0
        post.append(np.nonzero(has)[0])
        pre.append(region_of_box[region[has] + off])
    pre, post = np.concatenate(pre), np.concatenate(post)
    assert (pre >= 0).all(), 'a neighbour bit points outside the region'
    diffusion.connect(i=pre, j=post)
    voxels.run_regularly('c = c + lam_diff * lap', when='groups', order=-19, name='diffuse')
    return voxels, diffusion, cell_region, region_of_box


def build_neurons(data, k, voxels, cell_region, region_of_box):
    """Neurons (docs/model.md §2), V integrated by exponential Euler (exact for V with the conductances held
    over a sub-step, as raphe's). Refractoriness: raphe holds V for ref_steps sub-steps after the spike's
    own; Brian2 counts the spike's step in `refractory`, hence (ref_steps + 1) dt."""
    tis, N = data['tissue'], k['N']
    neurons = NeuronGroup(N, '''
dV/dt = (gL*(EL - V) - (h1 + h2 + h3) - g1A*(1 - d1A)*s1A*(V - EK) - g2B*(1 - d2B)*s2B*(V - E2B) - gbg*(V - Eexc) + Idrive) / C : volt (unless refractory)
dh1/dt = -h1 / tau_ahp1 : amp
dh2/dt = -h2 / tau_ahp2 : amp
dh3/dt = -h3 / tau_ahp3 : amp
dgbg/dt = -gbg / tau_bg : siemens
r1A : 1           # first stage of the 5-HT1A filter
s1A : 1           # 5-HT1A activation (GIRK)
s2B : 1           # 5-HT2B activation (cation current)
d1A : 1 (constant)   # 5-HT1A-GIRK desensitisation (0 without chronic treatment)
d2B : 1 (constant)   # 5-HT2B desensitisation, frozen as d1A
P : 1             # releasable pool (1: full)
q = floor(P * (1 - rel1A * s1A) * quanta + 0.5) : 1   # release quanta of a spike now, rounded as raphe's
Idrive : amp (constant)
x : metre (constant)
y : metre (constant)
z : metre (constant)
clocal : 1 (linked)      # 5-HT of the cell's voxel, nM
num1A : 1 (shared)
den1A : 1 (shared)
num2B : 1 (shared)
den2B : 1 (shared)
''', threshold='V >= Vth', reset='V = Vreset; h1 += dAhp1; h2 += dAhp2; h3 += dAhp3; P = P * keepU',
        refractory=(k['ref_steps'] + 1) * k['dt'], method='exponential_euler', dt=k['dt'], order=0, name='neurons')
    neurons.clocal = linked_var(voxels, 'c', index=cell_region)
    neurons.Idrive = array(tis['cellIdrivePa']).astype(np.float64) * pA
    pos = array(tis['cellPosUm']).astype(np.float64).reshape(N, 3)
    neurons.x, neurons.y, neurons.z = pos[:, 0] * um, pos[:, 1] * um, pos[:, 2] * um
    for name, v in data['start']['state'].items():
        v = np.asarray(array(v), dtype=np.float64)
        setattr(neurons, name, v * STATE_UNITS[name] if name in STATE_UNITS else v)
    neurons.run_regularly('V = V + (Vfloor - V) * int(V < Vfloor)', when='after_groups', name='floor')
    # Receptors, once per grid step from the voxel's c at its start (competitive occupancy with the drugs);
    # then the releasable pool refills toward 1 over the grid step.
    neurons.run_regularly('''
x1 = clocal * invK1A
a1 = (x1 + num1A) / (den1A + x1)
x2 = clocal * invK2B
a2 = (x2 + num2B) / (den2B + x2)
s1A = a1 + (s1A - a1) * e1D + (r1A - a1) * c1X
r1A = a1 + (r1A - a1) * e1R
s2B = a2 + (s2B - a2) * e2B
P = 1 - (1 - P) * ePool
''', dt=k['dt_grid'], when='groups', order=-5, name='receptors')
    # Background: Poisson events at bg_rate, each a step of bg_step in gbg (Brian2's generator).
    background = PoissonInput(neurons, 'gbg', 1, k['bg_rate'], weight='bg_step')
    # Release: one synapse per cell and region voxel of its release cube. A spike releases q quanta (from the
    # pool before the reset depletes it: 'synapses' runs before 'resets'), each dC_rel in every cube voxel.
    release = Synapses(neurons, voxels, on_pre='c_post += q_pre * dC_rel\nreleased_post += q_pre * dC_rel', dt=k['dt'],
                       name='release')
    pre, post = cube_synapses(tis, region_of_box, k['field_r'])
    release.connect(i=pre, j=post)
    return neurons, background, release


def cube_synapses(tis, region_of_box, r):
    """(cell, region voxel) of every region voxel of each cell's release cube: the (2r+1)^3 box voxels about
    its soma voxel, clipped to the box; box voxels off the region get nothing (that release is lost)."""
    nx, ny, nz = tis['nx'], tis['ny'], tis['nz']
    vox = array(tis['cellVoxel']).astype(np.int64)
    d = np.arange(-r, r + 1)
    dx, dy, dz = (a.ravel() for a in np.meshgrid(d, d, d, indexing='ij'))
    x, y, z = (vox % nx)[:, None] + dx, (vox // nx % ny)[:, None] + dy, (vox // (nx * ny))[:, None] + dz
    in_box = (x >= 0) & (x < nx) & (y >= 0) & (y < ny) & (z >= 0) & (z < nz)
    target = np.where(in_box, region_of_box[np.where(in_box, x + nx * (y + ny * z), 0)], -1)
    keep = target >= 0
    cells = np.broadcast_to(np.arange(vox.size)[:, None], keep.shape)
    return cells[keep], target[keep]


def build_recording(data, k, voxels, neurons, probe_region):
    """Every sampleSteps grid steps, after the grid update: probe, region mean, mean s1A and s2B (SAMPLE_FIELDS);
    each cell's spikes (recording.spikes true, as raphe records them), else only how many per fine step."""
    dt_sample, N = k['dt_sample'], k['N']
    readout = NeuronGroup(1, 'probe : 1\nmeanC : 1\nmeanS1A : 1\nmeanS2B : 1', dt=dt_sample, order=-10, name='readout')
    k['w_probe'] = 1 / probe_region.size
    rd_probe = Synapses(voxels, readout, 'probe_post = w_probe * c_pre : 1 (summed)', dt=dt_sample, name='rd_probe')
    rd_probe.connect(i=probe_region, j=0)
    rd_region = Synapses(voxels, readout, 'meanC_post = w_region * c_pre : 1 (summed)', dt=dt_sample, name='rd_region')
    rd_region.connect(i=np.arange(k['n_region']), j=0)
    rd_s1A = Synapses(neurons, readout, 'meanS1A_post = w_cell * s1A_pre : 1 (summed)', dt=dt_sample, name='rd_s1a')
    rd_s1A.connect(i=np.arange(N), j=0)
    rd_s2B = Synapses(neurons, readout, 'meanS2B_post = w_cell * s2B_pre : 1 (summed)', dt=dt_sample, name='rd_s2b')
    rd_s2B.connect(i=np.arange(N), j=0)
    trace = StateMonitor(readout, ['probe', 'meanC', 'meanS1A', 'meanS2B'], record=0, dt=dt_sample, when='groups', order=-9,
                         name='trace')
    objects = [readout, rd_probe, rd_region, rd_s1A, rd_s2B, trace]
    if data['scenario']['recording']['spikes']:
        spikes = SpikeMonitor(neurons, name='spikes')
        return objects + [spikes], trace, spikes, None
    pop = PopulationRateMonitor(neurons, name='pop_rate')
    return objects + [pop], trace, None, pop


def recorded(data, k, voxels, trace, spikes, pop):
    """The raw recording in raphe's shapes: trace windows, spikes (cell, fine step), mass in nM x voxel."""
    S, N, sample_steps = k['S'], k['N'], k['sample_steps']
    total_steps = sum(data['phaseSteps'])
    n_samples = total_steps // sample_steps
    if spikes is not None:
        sp_fine = np.rint(np.asarray(spikes.t / k['dt'])).astype(np.int64)
        sp_cell = np.asarray(spikes.i, dtype=np.int64)
        keep = sp_fine < total_steps * S
        sp_fine, sp_cell = sp_fine[keep], sp_cell[keep]
        counts = np.bincount(sp_fine // (S * sample_steps), minlength=n_samples)[:n_samples]
        spikes_out = {'cells': sp_cell.tolist(), 'steps': sp_fine.tolist()}
    else:
        # spikes of fine step i = rate[i] x N x dt (an integer up to rounding)
        per_step = np.rint(np.asarray(pop.rate / Hz) * N * float(k['dt'] / second)).astype(np.int64)
        counts = per_step[:n_samples * S * sample_steps].reshape(n_samples, S * sample_steps).sum(axis=1)
        spikes_out = None
    tr_k = np.rint(np.asarray(trace.t / second) / (sample_steps * k['dt_grid_s'])).astype(np.int64)
    take = (tr_k >= 1) & (tr_k <= n_samples)
    order = np.argsort(tr_k[take])
    window = tr_k[take][order]
    assert window.size == n_samples and (window == np.arange(1, n_samples + 1)).all(), 'one sample per window'

    def series(name):
        return [finite(v) for v in np.asarray(getattr(trace, name)[0])[take][order].tolist()]

    return {
        'gridSteps': total_steps,
        'samples': {'step': (window * sample_steps).tolist(), 'spikes': counts.tolist(), 'probe': series('probe'),
                    'meanC': series('meanC'), 's1A': series('meanS1A'), 's2B': series('meanS2B')},
        'spikes': spikes_out,
        'mass': {'released': finite(np.sum(voxels.released[:])), 'uptaken': finite(np.sum(voxels.uptaken[:])),
                 'cleared': finite(np.sum(voxels.cleared[:])), 'gridStart': data['start']['c0_nM'] * k['n_region'],
                 'gridEnd': finite(np.sum(voxels.c[:]))},
    }


def main(argv):
    args = parse_args(argv)
    data = load_data()
    target = args.target or data['target']
    build_dir = None
    if target == 'cpp_standalone':
        build_dir = args.build_dir or tempfile.mkdtemp(prefix='raphe_brian2_')
        set_device('cpp_standalone', build_on_run=False, directory=build_dir)
        if args.threads > 0:
            prefs.devices.cpp_standalone.openmp_threads = args.threads
    else:
        prefs.codegen.target = target
    # after set_device: in standalone mode the seed is written into the generated code (before it, the binary
    # would seed itself from the clock)
    b2.seed(data['scenario']['seed'])
    b2.BrianLogger.log_level_warn()
    # The release synapses run on the neurons' clock (each spike at its sub-step) into voxels of the grid's
    # clock: intended (the grid reads the released 5-HT at its next step), so Brian2's dt-mismatch warning is off.
    b2.BrianLogger.suppress_name('synapses_dt_mismatch')

    k = constants(data)
    voxels, diffusion, cell_region, region_of_box = build_grid(data, k)
    probe_region = region_of_box[array(data['tissue']['probeVoxels'])]
    neurons, background, release = build_neurons(data, k, voxels, cell_region, region_of_box)
    recording, trace, spikes, pop = build_recording(data, k, voxels, neurons, probe_region)
    # the groups bring their run_regularly operations; the schedule orders everything by (when, order, name)
    net = b2.Network(voxels, diffusion, neurons, background, release, *recording)
    P, drugs = data['scenario']['params'], data['drugs']

    def set_doses(doses):
        neurons.num1A, neurons.den1A = receptor_terms(drugs, '5ht1a', doses)
        neurons.num2B, neurons.den2B = receptor_terms(drugs, '5ht2b', doses)
        voxels.KmEff = km_eff(P, drugs, doses, ssri_potency_2b(P, data['genotype']))

    # The protocol. One more sub-step after the last phase: the sample at t = T is taken at the start of it.
    phases = data['scenario']['protocol']
    build_s = 0.0
    if target != 'cpp_standalone':
        set_doses(phases[0]['drugs'])
        t0 = time.perf_counter()
        net.run(0 * ms, namespace=k)  # code generation and compilation
        build_s = time.perf_counter() - t0
    t_first = time.perf_counter()
    for ph, steps in zip(phases, data['phaseSteps']):
        set_doses(ph['drugs'])
        net.run(steps * k['dt_grid'], namespace=k)
    net.run(k['dt'], namespace=k)
    if target == 'cpp_standalone':
        t0 = time.perf_counter()
        device.build(directory=build_dir, compile=True, run=False, with_output=False)
        build_s = time.perf_counter() - t0
        t_first = time.perf_counter()
        device.run(build_dir, False, [])
    run_s = time.perf_counter() - t_first
    time_to_first_step = t_first - T_START

    raw = {
        'format': RAW_FORMAT, 'rapheVersion': data['rapheVersion'], 'scenario': data['scenario'],
        'c0_nM': data['start']['c0_nM'], 'rate0_Hz': data['start']['rate0_Hz'], 'regionVoxels': k['n_region'],
        'adapter': f'Brian2 {b2.__version__}, {target}' + (f', {args.threads} OpenMP threads' if args.threads > 0 else ''),
        'buildSeconds': build_s, 'timeToFirstStepSeconds': time_to_first_step, 'runSeconds': run_s,
        **recorded(data, k, voxels, trace, spikes, pop),
    }
    if build_dir and not args.build_dir:
        shutil.rmtree(build_dir, ignore_errors=True)
    raw['wallSeconds'] = time.perf_counter() - T_START
    text = json.dumps(raw, allow_nan=False)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    else:
        print(text)


# The scenario's data (a JSON text, DATA_FORMAT), written here by `raphe export brian2`; None in the shipped file.
RAPHE_DATA = None

if __name__ == '__main__':
    main(sys.argv[1:])
