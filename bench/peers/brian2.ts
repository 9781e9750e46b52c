/**
 * The Brian2 peer (--peers brian2): the same model and tissue exported by `raphe export brian2`
 * (src/interop/brian2.ts) and run by /usr/bin/python3 with Brian2's cpp_standalone, one thread, in its own
 * process after raphe's engines at each size: a fresh build folder per size, so its time to first step is
 * the whole build (code generation and C++ compilation); its run time is the compiled binary's wall time
 * for --peer-seconds of biological time (one run: a compiled binary has no warm-up), recording as raphe's
 * engines do in the bench: no spikes per cell (recording.spikes false: the script counts them per fine
 * step), a trace sample every 100 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialState } from '../../src/engines/initial-state.js';
import { brian2Script } from '../../src/interop/brian2.js';
import { buildModel, deriveConstants } from '../../src/model/derive.js';
import { defaultParams } from '../../src/model/params.js';
import type { Scenario } from '../../src/model/scenario.js';
import type { BenchArgs } from '../args.js';
import { failedResult, processError, type BenchResult } from '../result.js';
import { bandwidthLimit, bytesPerGridStep } from '../roofline.js';

const PYTHON = '/usr/bin/python3';

/**
 * Brian2 at n cells: the bench's model (defaultParams, WT, no drug, seed 1, c0 30 nM, rate0 1 Hz) exported
 * as raphe export brian2 writes it, run by /usr/bin/python3 in a fresh build folder.
 */
export function runBrian2Peer(a: BenchArgs, n: number, bandwidth: number): Promise<BenchResult> {
  const id = 'brian2:cpp_standalone';
  const loadBefore = loadavg()[0];
  const params = defaultParams();
  const model = buildModel(params, 'wt', n, 1);
  const sc: Scenario = {
    name: `bench-${n}`,
    genotype: 'wt',
    neurons: n,
    seed: 1,
    phases: [{ name: 'run', durationS: a.peerSeconds, doses: {} }],
    params,
    recording: { spikes: false, sampleSteps: 100 },
    c0_nM: 30,
  };
  const state = initialState(model, deriveConstants(model, {}), 30, 1);
  const dir = mkdtempSync(join(tmpdir(), 'raphe-bench-brian2-'));
  const script = join(dir, 'model.py');
  writeFileSync(script, brian2Script({ scenario: sc, model, c0_nM: 30, rate0_Hz: 1, state, target: 'cpp_standalone', version: 'bench' }));
  const steps = Math.round(a.peerSeconds / model.dtGrid_s);
  const S = params.subSteps;
  return new Promise((res) => {
    const p = spawn(PYTHON, [script, '--build-dir', join(dir, 'build')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => {
      rmSync(dir, { recursive: true, force: true });
      res(failedResult(id, n, `${PYTHON}: ${e.message}`));
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), a.childTimeoutS * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      let j: { adapter: string; runSeconds: number; buildSeconds: number; timeToFirstStepSeconds: number } | undefined;
      try {
        j = JSON.parse(out.trim().split('\n').pop() ?? '');
      } catch {
        /* below */
      }
      if (!j || typeof j.runSeconds !== 'number') {
        const why = signal ? `killed (${signal})` : `exit ${code}`;
        return res(failedResult(id, n, processError(why, out, err)));
      }
      const nups = (n * S * steps) / j.runSeconds;
      const bytes = bytesPerGridStep(n, model.geometry.inside.length);
      res({
        id,
        neurons: n,
        engine: 'brian2',
        adapter: j.adapter,
        threads: 1,
        ok: true,
        regionVoxels: model.geometry.inside.length,
        gridSteps: steps,
        repeats: 1,
        neuronUpdatesPerSecond: nups,
        samples: [nups],
        realTimeFactor: j.runSeconds / a.peerSeconds,
        timeToFirstStepSeconds: j.timeToFirstStepSeconds,
        buildSeconds: j.buildSeconds,
        modelBuildSeconds: NaN,
        peakRssMiB: NaN,
        stateBytesPerNeuron: NaN,
        stateBytesTotalPerNeuron: NaN,
        bytesPerGridStep: bytes,
        bandwidthLimitUpdatesPerSecond: bandwidthLimit(bandwidth, n, S, bytes),
        fractionOfBandwidthLimit: NaN,
        loadBefore,
      });
    });
  });
}
