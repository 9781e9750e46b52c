/**
 * The `raphe` command line: run, experiment belmer2018, bench. Bad input -> one line on stderr naming
 * the field, exit code 2, nothing written.
 */
import { availableParallelism } from 'node:os';
import { resolveEngine, NoAdapterError, type ResolvedEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { QUICK, runBelmer2018 } from '../experiment/belmer2018.js';
import { runScenario } from '../experiment/run-scenario.js';
import { ConfigError } from '../model/errors.js';
import { totalDurationS } from '../model/scenario.js';
import { formatFindingsTable } from '../report/findings-table.js';
import { OutputExistsError, earlierOutputs, summaryJson, writeExperimentOutputs, writeRunOutputs } from '../report/write.js';
import { parseCli, parseEngine, parseIntOpt, parsePositive, scenarioFromFlags } from './args.js';
import { Progress } from './progress.js';

const USAGE = `raphe: dorsal raphe 5-HT neurons on WebGPU and CPU

usage:
  raphe run [--scenario FILE] [--genotype G] [--drug NAME=nM ...] [--neurons N] [--duration S]
            [--baseline S] [--seed K] [--engine cpu|webgpu|auto] [--no-spikes] [--out DIR [--force]] [--json]
  raphe experiment belmer2018 [--quick] [--neurons N] [--seed K] [--engine cpu|webgpu|auto]
            [--threads T] [--duration-scale F] [--out DIR [--force]] [--json]

genotypes: wt, htr2b-ko, htr1a-ko, sert-ko
drugs (free nM): fluoxetine, citalopram, escitalopram, paroxetine, sertraline, fluvoxamine,
                 8-oh-dpat, way-100635, bw723c86, rs-127445
`;

function checkOut(out: string | undefined, force: boolean | undefined): void {
  if (out === undefined) return;
  if (out.trim() === '') throw new ConfigError('--out', 'must name a folder');
  if (!force && earlierOutputs(out).length) throw new OutputExistsError(out);
}

/** The engine; notices (e.g. the CPU fallback) go to stderr. The CPU engine runs on `cpuThreads` threads. */
async function engineFor(choice: string | undefined, cpuThreads = availableParallelism()): Promise<ResolvedEngine> {
  return resolveEngine(parseEngine(choice), (msg) => process.stderr.write(msg + '\n'), { cpu: nodeCpuProvider(cpuThreads) });
}

async function cmdRun(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCli(argv, {
    scenario: { type: 'string' },
    genotype: { type: 'string' },
    drug: { type: 'string', multiple: true },
    neurons: { type: 'string' },
    duration: { type: 'string' },
    baseline: { type: 'string' },
    seed: { type: 'string' },
    engine: { type: 'string' },
    'no-spikes': { type: 'boolean' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new ConfigError('run', `unexpected argument ${JSON.stringify(positionals[0])}`);
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  const sc = scenarioFromFlags(v);
  checkOut(v.out, v.force);
  const engine = await engineFor(v.engine);
  const bar = new Progress(`raphe run (${engine.kind}, ${sc.neurons} neurons, ${totalDurationS(sc)} s)`);
  const r = await runScenario(sc, engine, { onProgress: (f) => bar.update(f) });
  bar.done();
  if (v.out !== undefined) writeRunOutputs(v.out, r, { force: !!v.force });
  const s = r.summary;
  if (v.json) {
    process.stdout.write(JSON.stringify({ ...summaryJson(r).summary, phases: r.phases, outDir: v.out ?? null }) + '\n');
  } else {
    const lines = [
      `engine      ${s.engine} (${s.adapter})`,
      `neurons     ${s.neurons}, ${s.genotype}, seed ${s.seed}, ${s.durationS.toFixed(3)} s simulated in ${s.wallSeconds.toFixed(1)} s`,
      ...r.phases.map(
        (p) =>
          `phase       ${p.name} (${p.startS}-${p.endS} s, ${
            Object.entries(p.drugs)
              .map(([d, c]) => `${d} ${c} nM`)
              .join(', ') || 'no drug'
          }): ` + `rate ${p.meanRateHz?.toFixed(3)} Hz, probe ${p.probe5htNm?.toFixed(2)} nM${p.settled ? '' : ' (not settled)'}`,
      ),
      `rate        ${s.meanRateHz.toFixed(3)} Hz (last half), median ISI CV ${Number.isFinite(s.medianCvIsi) ? s.medianCvIsi.toFixed(3) : 'n/a (spikes not recorded)'}`,
      `probe 5-HT  ${s.probe5htNm.toFixed(2)} nM (last half), drift over last quarter ${(100 * s.probeDriftLastQuarter).toFixed(2)}%${s.settled ? ' (settled)' : ' (not settled)'}`,
      `mass bal.   relative error ${s.massBalanceRelError.toExponential(2)}`,
    ];
    if (v.out !== undefined) lines.push(`written     ${v.out}/`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!s.complete) {
    process.stderr.write(`raphe: run ended early: ${s.error}\n`);
    return 1;
  }
  return 0;
}

async function cmdExperiment(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCli(argv, {
    quick: { type: 'boolean' },
    neurons: { type: 'string' },
    seed: { type: 'string' },
    engine: { type: 'string' },
    threads: { type: 'string' },
    'duration-scale': { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1 || positionals[0] !== 'belmer2018') {
    throw new ConfigError('experiment', `unknown experiment ${JSON.stringify(positionals[0] ?? '')}; allowed: belmer2018`);
  }
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  const neurons = parseIntOpt('--neurons', v.neurons, v.quick ? QUICK.neurons : 9000, 1, 1e8);
  const seed = parseIntOpt('--seed', v.seed, 1, 0, 2 ** 53 - 1);
  const threads = parseIntOpt('--threads', v.threads, 0, 0, 256);
  const durationScale = parsePositive('--duration-scale', v['duration-scale'], 1, 0.01, 100, '');
  checkOut(v.out, v.force);
  // on the CPU engine, one condition per thread (--threads, default one per core)
  const engine = await engineFor(v.engine, threads || availableParallelism());
  const bar = new Progress(`raphe experiment belmer2018 (${engine.kind}, ${neurons} neurons)`);
  const res = await runBelmer2018({
    engine,
    neurons,
    seed,
    durationScale,
    durations: v.quick ? QUICK.durations : undefined,
    onProgress: (f) => bar.update(f),
  });
  bar.done();
  if (v.out !== undefined) {
    writeExperimentOutputs(
      v.out,
      res.conditions,
      res.findings,
      {
        title: `Belmer et al. 2018 on raphe (${neurons} neurons)`,
        engine: res.engine,
        adapter: res.adapter,
        neurons,
        wallSeconds: res.wallSeconds,
      },
      { force: !!v.force },
    );
  }
  const allPass = res.findings.every((f) => f.pass);
  if (v.json) {
    process.stdout.write(
      JSON.stringify({
        experiment: 'belmer2018',
        engine: res.engine,
        adapter: res.adapter,
        neurons,
        seed,
        wallSeconds: res.wallSeconds,
        allPass,
        findings: res.findings,
        conditions: res.conditions.map((c) => summaryJson(c.result).summary),
        outDir: v.out ?? null,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `Belmer et al. 2018 on raphe: ${neurons} neurons, ${res.engine} (${res.adapter}), ${res.wallSeconds.toFixed(1)} s\n\n`,
    );
    process.stdout.write(formatFindingsTable(res.findings) + '\n');
    if (v.out !== undefined) process.stdout.write(`report: ${v.out}/report.html\n`);
  }
  return allPass ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'run') return await cmdRun(rest);
    if (cmd === 'experiment') return await cmdExperiment(rest);
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    throw new ConfigError('command', `unknown command ${JSON.stringify(cmd)}; allowed: run, experiment`);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof OutputExistsError || e instanceof NoAdapterError) {
      process.stderr.write(`raphe: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
