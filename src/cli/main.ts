/**
 * The `raphe` command line: run and experiment belmer2018 (benchmarks are `npm run bench`, not a
 * command). Bad input -> one line on stderr naming the field, exit code 2, nothing written, before any
 * simulation work. A fault of the environment (disk, signal, lost device) -> one line, exit 1 (130/143
 * for SIGINT/SIGTERM), earlier results untouched. A stack trace only with RAPHE_DEBUG=1.
 */
import { availableParallelism } from 'node:os';
import { resolveEngine, NoAdapterError, refuseUnfit, type ResolvedEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { QUICK, conditionScenarios, runBelmer2018, timecourseScenarios } from '../experiment/belmer2018.js';
import { runScenario } from '../experiment/run-scenario.js';
import { DRUG_NAMES, GENOTYPE_NAMES, dosesText, sertOccupancy } from '../model/drugs.js';
import { ConfigError, ConfigErrors } from '../model/errors.js';
import { unknownName } from '../model/suggest.js';
import { SCHEMA_FILES, SCHEMA_NAMES, schemaText } from './schema-files.js';
import { LIMITS, noSteadyStateReason, totalDurationS } from '../model/scenario.js';
import { PROBE_CEILING_NM, aboveCeiling } from '../model/settling.js';
import type { RunResult } from '../record/run-result.js';
import { belmerConditions } from '../model/findings.js';
import { formatFindingsTable } from '../report/findings-table.js';
import { RAPHE_VERSION, loadNwbWriter, type NwbWriter } from '../report/nwb.js';
import { writeExperimentOutputsAsync } from '../report/experiment-files.js';
import { writeNwbOffThread } from '../report/nwb-thread.js';
import { experimentScenarios, paramsDiff, provenance, resolvedScenario, versionLine } from '../report/provenance.js';
import { summaryJson, writeRunOutputsAsync } from '../report/run-files.js';
import { OutputFolder, OutputWriteError, settleOutputs } from '../report/write.js';
import {
  JOB_FLAG_OPTIONS,
  RUN_FLAG_OPTIONS,
  checkConditionMemory,
  optionArgs,
  parseCli,
  parseEngine,
  parseIntOpt,
  parseNumberOpt,
  readScenarioJson,
  scenarioFromFlags,
} from './args.js';
import { cmdChronicSsri, runChronicScenario } from './chronic.js';
import { cmdExport } from './export.js';
import { RunProgress } from './progress.js';
import { SlurmError } from './slurm.js';
import { terminalLine } from './terminal-text.js';
import { cmdSweep } from './sweep.js';

const USAGE = `raphe: dorsal raphe 5-HT neurons on WebGPU and CPU

usage:
  raphe --version            the version (and the git commit of a checkout)
  raphe run [--scenario FILE] [--genotype G] [--drug NAME=nM|PCT% ...] [--neurons N] [--duration S]
            [--baseline S] [--seed K] [--engine cpu|webgpu|auto] [--no-spikes] [--out DIR [--force] [--no-nwb]] [--json]
  raphe experiment belmer2018 [--quick] [--neurons N] [--seed K] [--engine cpu|webgpu|auto]
            [--threads T] [--duration-scale F] [--out DIR [--force] [--no-nwb]] [--json]
  raphe experiment chronic-ssri [--quick] [--neurons N] [--seed K] [--engine cpu|webgpu|auto]
            [--threads T] [--out DIR [--force]] [--json]   (21 days of fluoxetine, 5-HT1A desensitisation)
  raphe sweep FILE|NAME [--neurons N] [--seed K] [--engine cpu|webgpu|auto] [--threads T]
            [--max-points P] [--max-batch B] [--out DIR [--force] [--resume]] [--json]
            [--shard I/N]            run only shard I of N (0-based) of the points
            [--slurm --out DIR [--shards N] [--partition P] [--time HH:MM:SS] [--cpus C] [--mem M]
             [--gpus G] [--submit]] write DIR/sweep.sbatch, a SLURM job array of the shards (--submit: sbatch it)
            (built-in sweeps: resistance, dpat)
  raphe sweep collect DIR [--json] [--wait]
            merge the shards of DIR into DIR/results/ (--wait: until the job array has ended)
  raphe schema scenario      print the JSON Schema of scenario files (schema/scenario.schema.json)
  raphe export brian2 [--scenario FILE | the run flags] [--target cpp_standalone|cython|numpy]
            [--out FILE.py [--force]]   the scenario as a self-contained Brian2 2.5 script
  raphe export brian2 --read RAW.json   that script's raw output read as raphe run --json reads a run

genotypes: ${GENOTYPE_NAMES.join(', ')}
drugs (free nM; a SERT inhibitor also as its SERT occupancy, e.g. fluoxetine=80%): ${DRUG_NAMES.join(', ')}
`;

const HELP = new Set(['--help', '-h', 'help']);

/** The output folder, checked and its staging folder created before the run (undefined: no --out). */
function prepareOut(out: string | undefined, force: boolean | undefined): OutputFolder | undefined {
  if (force && out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  return out === undefined ? undefined : OutputFolder.prepare(out, !!force);
}

/** The NWB writer (its library loaded before the run, so a missing one is found first), unless --no-nwb or no --out. */
async function prepareNwb(out: string | undefined, noNwb: boolean | undefined): Promise<NwbWriter | undefined> {
  if (noNwb && out === undefined) throw new ConfigError('--no-nwb', 'only goes with --out DIR');
  if (out === undefined || noNwb) return undefined;
  try {
    return await loadNwbWriter();
  } catch (e) {
    throw new OutputWriteError(`cannot load the NWB writer (h5wasm): ${e instanceof Error ? e.message : e}; --no-nwb writes no NWB file`);
  }
}

/**
 * The write step's progress hook. Test hook: RAPHE_TEST_PAUSE_REPLACE=MS blocks MS ms with the old
 * results renamed aside and the new ones not yet in, so a test can send a signal right there.
 */
function replaceHook(): ((step: string) => void) | undefined {
  const ms = Number(process.env.RAPHE_TEST_PAUSE_REPLACE ?? 0);
  if (!(ms > 0)) return undefined;
  return (step) => {
    if (step !== 'aside') return;
    process.stderr.write('raphe: test pause: old results aside\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  };
}

/** Let a signal that arrived during a synchronous write be handled now (the handler exits 130/143). */
const handlePendingSignals = () => new Promise((r) => setImmediate(r));

/** Last line of defence: a result to print or write must be finite. */
function checkFinite(r: RunResult): void {
  const s = r.summary;
  const vals: [string, number | undefined][] = [
    ['mean rate', s.meanRateHz],
    ['probe 5-HT', s.probe5htNm],
    ['probe drift', s.probeDriftLastQuarter],
    ['mass balance error', s.massBalanceRelError],
    ['c0', s.c0Nm],
    ...r.phases.flatMap((p): [string, number | undefined][] => [
      [`phase ${p.name} rate`, p.meanRateHz],
      [`phase ${p.name} probe 5-HT`, p.probe5htNm],
    ]),
  ];
  for (const [name, x] of vals) {
    if (x === undefined || !Number.isFinite(x)) throw new OutputWriteError(`the run gave a non-finite ${name} (${x}); nothing reported`);
  }
}

function isiText(r: RunResult): string {
  const cv = r.summary.medianCvIsi;
  if (Number.isFinite(cv)) return cv.toFixed(3);
  return r.spikes ? 'n/a (too few ISIs: no cell fired 3 times in the last half)' : 'n/a (spikes not recorded)';
}

/** The engine; notices (e.g. the CPU fallback) go to stderr. The CPU engine runs on `cpuThreads` threads. */
async function engineFor(
  choice: string | undefined,
  job: { cells: number; sims: number },
  cpuThreads = availableParallelism(),
): Promise<ResolvedEngine> {
  return resolveEngine(parseEngine(choice), (msg) => process.stderr.write(msg + '\n'), { cpu: nodeCpuProvider(cpuThreads), job });
}

/** The scenario as the user gave it: the flags as typed and the scenario file's JSON (scenario.json's `given`). */
function givenScenario(v: { scenario?: string } & Record<string, unknown>): unknown {
  const flags = { ...v };
  if (v.scenario === undefined) return { flags };
  return { flags, scenarioFile: { path: v.scenario, content: readScenarioJson(v.scenario) } };
}

async function cmdRun(argv: string[], command: readonly string[]): Promise<number> {
  const { values: v, positionals } = parseCli(argv, {
    ...RUN_FLAG_OPTIONS,
    out: { type: 'string' },
    force: { type: 'boolean' },
    'no-nwb': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new ConfigError('run', `unexpected argument ${JSON.stringify(positionals[0])}`);
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  // the output folder first (its staging folder is removed again if the scenario is refused)
  const out = prepareOut(v.out, v.force);
  const sc = scenarioFromFlags(v);
  const choice = parseEngine(v.engine);
  if (sc.chronic) {
    const hooks = { onReplaceStep: replaceHook(), settle: handlePendingSignals, command };
    return runChronicScenario(sc, choice, !!v.json, { out, force: !!v.force, given: givenScenario(v), hooks });
  }
  const noSteady = noSteadyStateReason(sc);
  if (noSteady) process.stderr.write(`raphe: warning: ${noSteady}\n`);
  const nwb = await prepareNwb(v.out, v['no-nwb']);
  const engine = await engineFor(choice, { cells: sc.neurons, sims: 1 });
  refuseUnfit(engine, sc);
  const startedAt = new Date();
  const bar = new RunProgress(`raphe run (${engine.kind}, ${sc.neurons} neurons, ${totalDurationS(sc)} s)`);
  const r = await runScenario(sc, engine, { onProgress: (f) => bar.update(f), onEstimate: bar.onEstimate });
  bar.done();
  if (r.summary.complete) checkFinite(r);
  if (out) {
    const made = { engine: r.summary.engine, adapter: r.summary.adapter, engineReason: engine.reason, seed: sc.seed, command, startedAt };
    await writeRunOutputsAsync(out.given, r, {
      force: !!v.force,
      target: out,
      onStep: replaceHook(),
      nwb: nwb ? (file) => writeNwbOffThread(file, { result: r, scenario: sc, startedAt, version: RAPHE_VERSION }) : undefined,
      provenance: {
        provenance: provenance(made),
        scenario: { given: givenScenario(v), resolved: resolvedScenario(sc) },
        params: sc.params,
      },
    });
    await handlePendingSignals();
  }
  const s = r.summary;
  const settled = (ok: boolean | undefined, probe: number | undefined) =>
    noSteady
      ? ' (no steady state exists)'
      : probe !== undefined && aboveCeiling(probe)
        ? ` (not settled: above ${PROBE_CEILING_NM / 1000} µM, outside the physiological range)`
        : ok
          ? ' (settled)'
          : ' (not settled)';
  if (v.json) {
    const extra = noSteady ? { steadyState: false, warning: noSteady } : {};
    process.stdout.write(
      JSON.stringify({
        ...summaryJson(r).summary,
        engineReason: engine.reason,
        ...extra,
        phases: r.phases.map((p) => ({ ...p, sertOccupancy: sertOccupancy(p.doses) })),
        outDir: v.out ?? null,
      }) + '\n',
    );
  } else {
    const lines = [
      `engine      ${s.engine} (${s.adapter}); ${engine.reason}`,
      `neurons     ${s.neurons}, ${s.genotype}, seed ${s.seed}, ${s.durationS.toFixed(3)} s simulated in ${s.wallSeconds.toFixed(1)} s`,
      ...r.phases.map(
        (p) =>
          `phase       ${p.name} (${p.startS}-${p.endS} s, ${dosesText(p.doses)}): ` +
          `rate ${p.meanRateHz?.toFixed(3)} Hz, probe ${p.probe5htNm?.toFixed(2)} nM${noSteady || !p.settled ? settled(p.settled, p.probe5htNm) : ''}`,
      ),
      `rate        ${s.meanRateHz.toFixed(3)} Hz (last half), median ISI CV ${isiText(r)}`,
      `probe 5-HT  ${s.probe5htNm.toFixed(2)} nM (last half), drift over last quarter ${(100 * s.probeDriftLastQuarter).toFixed(2)}%${settled(s.settled, s.probe5htNm)}`,
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

/** `raphe schema NAME`: the JSON Schema of a file raphe reads, as committed in schema/. */
function cmdSchema(argv: string[]): number {
  const { positionals } = parseCli(argv, {});
  const name = positionals[0] ?? '';
  const file = `${name}.schema.json`;
  if (!SCHEMA_NAMES.includes(name) || !Object.hasOwn(SCHEMA_FILES, file)) {
    throw new ConfigError('schema', unknownName(`unknown schema ${JSON.stringify(name)}`, name, SCHEMA_NAMES));
  }
  if (positionals.length > 1) throw new ConfigError('schema', `unexpected argument ${JSON.stringify(positionals[1])}`);
  process.stdout.write(schemaText(SCHEMA_FILES[file]()));
  return 0;
}

const EXPERIMENTS = ['belmer2018', 'chronic-ssri'];
const COMMANDS = ['run', 'experiment', 'sweep', 'schema', 'export'];

/** Every experiment's flags: the name is found among them wherever it stands, and each experiment then checks its own. */
const EXPERIMENT_OPTIONS = {
  ...JOB_FLAG_OPTIONS,
  quick: { type: 'boolean' },
  'duration-scale': { type: 'string' },
  'no-nwb': { type: 'boolean' },
} as const;

async function cmdExperiment(argv: string[], command: readonly string[]): Promise<number> {
  const { values: v, positionals, tokens } = parseCli(argv, EXPERIMENT_OPTIONS);
  // the name: the first argument that names an experiment; any other argument is one too many
  const at = Math.max(
    0,
    positionals.findIndex((p) => EXPERIMENTS.includes(p)),
  );
  const name = positionals[at];
  const extra = positionals.find((_, i) => i !== at);
  if (name === undefined)
    throw new ConfigError('experiment', `name one of ${EXPERIMENTS.join(', ')} (e.g. raphe experiment belmer2018 --quick)`);
  if (!EXPERIMENTS.includes(name))
    throw new ConfigError('experiment', unknownName(`unknown experiment ${JSON.stringify(name)}`, name, EXPERIMENTS));
  if (extra !== undefined) throw new ConfigError('experiment', `unexpected argument ${JSON.stringify(extra)}`);
  if (name === 'chronic-ssri')
    return cmdChronicSsri(optionArgs(tokens), { onReplaceStep: replaceHook(), settle: handlePendingSignals, command });
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  const neurons = parseIntOpt('--neurons', v.neurons, v.quick ? QUICK.neurons : 9000, LIMITS.neurons.min, LIMITS.neurons.max);
  const seed = parseIntOpt('--seed', v.seed, 1, LIMITS.seed.min, LIMITS.seed.max);
  const threads = parseIntOpt('--threads', v.threads, 0, 0, 256);
  const durationScale = parseNumberOpt('--duration-scale', v['duration-scale'], 1, 0.01, 100);
  const choice = parseEngine(v.engine);
  checkConditionMemory(neurons, threads, '--duration-scale');
  const out = prepareOut(v.out, v.force);
  const nwb = await prepareNwb(v.out, v['no-nwb']);
  const durations = v.quick ? QUICK.durations : undefined;
  const scenarios = new Map(conditionScenarios({ neurons, seed, durationScale, durations }).map((s) => [s.name, s]));
  // on the CPU engine, the conditions side by side on its threads (--threads, default one per core; a thread
  // per condition where that is every core: ThreadedCpuBatch)
  const engine = await engineFor(choice, { cells: neurons, sims: belmerConditions().length }, threads || availableParallelism());
  for (const sc of scenarios.values()) refuseUnfit(engine, sc);
  const startedAt = new Date();
  const bar = new RunProgress(`raphe experiment belmer2018 (${engine.kind}, ${neurons} neurons)`);
  const res = await runBelmer2018({
    engine,
    neurons,
    seed,
    durationScale,
    durations,
    // the microdialysis time courses are a figure of the report: run only when a report is written
    timecourse: out !== undefined,
    onProgress: (f) => bar.update(f),
    onEstimate: bar.onEstimate,
  });
  bar.done();
  if (out) {
    const made = { engine: res.engine, adapter: res.adapter, engineReason: engine.reason, seed, command, startedAt };
    const conditions = [...scenarios.values()];
    const timecourse = timecourseScenarios({ neurons, seed, durationScale, durations });
    const record = { provenance: provenance(made), scenario: experimentScenarios('belmer2018', v, { conditions, timecourse }) };
    await writeExperimentOutputsAsync(
      out.given,
      res.conditions,
      res.findings,
      {
        title: `Belmer et al. 2018 on raphe (${neurons} neurons)`,
        engine: res.engine,
        adapter: res.adapter,
        neurons,
        wallSeconds: res.wallSeconds,
        timecourse: res.timecourse,
        provenance: { provenance: record.provenance, diffs: paramsDiff(conditions[0].params) },
      },
      {
        force: !!v.force,
        target: out,
        onStep: replaceHook(),
        nwb: (id) => {
          const c = res.conditions.find((x) => x.name === id);
          const scenario = scenarios.get(id);
          if (!nwb || !c || !scenario) return undefined;
          return (file) => writeNwbOffThread(file, { result: c.result, scenario, startedAt, version: RAPHE_VERSION });
        },
        provenance: record,
      },
    );
    await handlePendingSignals();
  }
  const allPass = res.findings.every((f) => f.pass);
  if (v.json) {
    process.stdout.write(
      JSON.stringify({
        experiment: 'belmer2018',
        engine: res.engine,
        adapter: res.adapter,
        engineReason: engine.reason,
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
      `Belmer et al. 2018 on raphe: ${neurons} neurons, ${res.engine} (${res.adapter}), ${res.wallSeconds.toFixed(1)} s\nengine: ${engine.reason}\n\n`,
    );
    process.stdout.write(formatFindingsTable(res.findings) + '\n');
    if (v.out !== undefined) process.stdout.write(`report: ${v.out}/report.html\n`);
  }
  return allPass ? 0 : 1;
}

let signalled = false;

/** SIGINT/SIGTERM: finish or undo an output folder's replacement, remove staging, exit 130/143. */
function onSignal(sig: 'SIGINT' | 'SIGTERM'): void {
  if (signalled) return;
  signalled = true;
  settleOutputs();
  process.stderr.write(`\nraphe: interrupted (${sig}); earlier results untouched\n`);
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

/** A closed stdout (e.g. piped into `head -1`) ends the command quietly. */
function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') {
    settleOutputs();
    process.exit(0);
  }
  process.stderr.write(`raphe: cannot write to stdout: ${e.code ?? e.message}\n`);
  process.exit(1);
}

/** Errors that are the user's: exit 2 (a WebGPU engine's refusal of an over-limit buffer included). */
function isUserError(e: unknown): e is Error {
  return e instanceof ConfigError || e instanceof NoAdapterError || (e instanceof Error && /LimitError|OverLimit/.test(e.name));
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  process.stdout.on('error', onStdoutError);
  try {
    if (COMMANDS.includes(cmd) && rest.some((a) => a === '--help' || a === '-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    const command = ['raphe', ...argv];
    if (cmd === '--version' || cmd === '-v') {
      if (rest.length) throw new ConfigError(cmd, `takes no arguments, got ${JSON.stringify(rest[0])}`);
      process.stdout.write(versionLine() + '\n');
      return 0;
    }
    if (cmd === 'run') return await cmdRun(rest, command);
    if (cmd === 'experiment') return await cmdExperiment(rest, command);
    if (cmd === 'schema') return cmdSchema(rest);
    if (cmd === 'export') return await cmdExport(rest);
    if (cmd === 'sweep') return await cmdSweep(rest, { onReplaceStep: replaceHook(), settle: handlePendingSignals }, command);
    if (cmd === undefined || HELP.has(cmd)) {
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    throw new ConfigError('command', unknownName(`unknown command ${JSON.stringify(cmd)}`, cmd, COMMANDS));
  } catch (e) {
    settleOutputs();
    if (process.env.RAPHE_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    // several problems of one file: one line each
    const lines = e instanceof ConfigErrors ? e.lines() : [e instanceof Error ? e.message : String(e)];
    const msg = lines.map(terminalLine).join('\nraphe: ');
    if (isUserError(e)) {
      process.stderr.write(`raphe: ${msg}\n`);
      return 2;
    }
    if (e instanceof OutputWriteError || e instanceof SlurmError) {
      process.stderr.write(`raphe: ${msg}\n`);
      return 1;
    }
    process.stderr.write(`raphe: failed: ${msg}${process.env.RAPHE_DEBUG === '1' ? '' : ' (RAPHE_DEBUG=1 shows the stack trace)'}\n`);
    return 1;
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
  }
}
