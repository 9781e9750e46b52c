import { NoAdapterError, refuseUnfit } from '../engines/create.js';
import { runScenario } from '../experiment/run-scenario.js';
import { DRUG_NAMES, GENOTYPE_NAMES, dosesText, sertOccupancy } from '../model/drugs.js';
import { ConfigError, ConfigErrors } from '../model/errors.js';
import { unknownName } from '../model/suggest.js';
import { SCHEMA_FILES, SCHEMA_NAMES, schemaText } from './schema-files.js';
import { noSteadyStateReason, totalDurationS } from '../model/scenario.js';
import { PROBE_CEILING_NM, aboveCeiling } from '../model/settling.js';
import type { RunResult } from '../record/run-result.js';
import { RAPHE_VERSION } from '../report/nwb.js';
import { provenance, resolvedScenario, versionLine } from '../report/provenance.js';
import { summaryJson, writeRunOutputsAsync } from '../report/run-files.js';
import { writeNwbOffThread } from '../report/nwb-thread.js';
import { OutputWriteError, settleOutputs } from '../report/write.js';
import { RUN_FLAG_OPTIONS, optionArgs, parseCli, parseEngine, readScenarioJson, scenarioFromFlags } from './args.js';
import { EXPERIMENT_OPTIONS, cmdBelmer2018 } from './belmer.js';
import { cmdChronicSsri, runChronicScenario } from './chronic.js';
import { engineFor, handlePendingSignals, prepareNwb, prepareOut, replaceHook } from './job-io.js';
import { cmdExport } from './export.js';
import { RunProgress } from './progress.js';
import { SlurmError } from './slurm.js';
import { terminalLine } from './terminal-text.js';
import { cmdSweep } from './sweep.js';
import { CliRunCheckpoint } from '../checkpoint/cli-run.js';
import { stopAtCheckpoint } from '../checkpoint/run-checkpoints.js';

const USAGE = `raphe: dorsal raphe 5-HT neurons on WebGPU and CPU

usage:
  raphe --version            the version (and the git commit of a checkout)
  raphe run [--scenario FILE] [--genotype G] [--drug NAME=nM|PCT% ...] [--neurons N] [--duration S]
            [--baseline S] [--seed K] [--engine cpu|webgpu|auto] [--no-spikes] [--out DIR [--force] [--no-nwb]] [--json]
            [--checkpoint-every S] [--resume DIR]   (checkpoints in DIR.checkpoint/; --resume continues a stopped run)
  raphe experiment belmer2018 [--quick] [--neurons N] [--seed K] [--seeds S] [--engine cpu|webgpu|auto]
            [--threads T] [--duration-scale F] [--out DIR [--force] [--no-nwb]] [--json]
            (--seeds S: every condition at seeds K..K+S-1, findings on the means with 95% intervals)
  raphe experiment chronic-ssri [--quick] [--neurons N] [--seed K] [--seeds S] [--engine cpu|webgpu|auto]
            [--threads T] [--out DIR [--force]] [--json] [--checkpoint-every S] [--resume DIR]
            (21 days of fluoxetine, 5-HT1A desensitisation; checkpoints as raphe run's)
  raphe sweep FILE|NAME [--neurons N] [--seed K] [--engine cpu|webgpu|auto] [--threads T]
            [--max-points P] [--max-batch B] [--out DIR [--force] [--resume] [--traces]] [--json]
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
    'checkpoint-every': { type: 'string' },
    resume: { type: 'string' },
  });
  if (positionals.length) throw new ConfigError('run', `unexpected argument ${JSON.stringify(positionals[0])}`);
  if (v.force && v.out === undefined && v.resume === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  const ck = CliRunCheckpoint.open(v); // --resume's checkpoint read and checked before anything is written
  // the output folder first (its staging folder is removed again if the scenario is refused)
  const out = prepareOut(ck?.out ?? v.out, ck?.force ?? v.force);
  const sc = scenarioFromFlags(v);
  const choice = parseEngine(v.engine);
  ck?.check(sc);
  if (sc.chronic) {
    const hooks = { onReplaceStep: replaceHook(), settle: handlePendingSignals, command };
    const given = ck?.given(() => givenScenario(v)) ?? givenScenario(v);
    return runChronicScenario(sc, choice, !!v.json, { out, force: ck?.force ?? !!v.force, given, hooks, checkpoint: ck });
  }
  const noSteady = noSteadyStateReason(sc);
  if (noSteady) process.stderr.write(`raphe: warning: ${noSteady}\n`);
  const nwb = await prepareNwb(out?.given, v['no-nwb']);
  const engine = await engineFor(choice, { cells: sc.neurons, sims: 1 });
  refuseUnfit(engine, sc);
  const startedAt = ck?.startedAt() ?? new Date();
  const given = ck?.given(() => givenScenario(v)) ?? givenScenario(v);
  const ckRun = ck?.runOptions(sc, given, startedAt, (line) => process.stderr.write(`\nraphe: ${line}\n`));
  const bar = new RunProgress(`raphe run (${engine.kind}, ${sc.neurons} neurons, ${totalDurationS(sc)} s)`);
  const r = await runScenario(sc, engine, { onProgress: (f) => bar.update(f), onEstimate: bar.onEstimate, ...ckRun });
  ck?.disarm();
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
        scenario: { given, resolved: resolvedScenario(sc) },
        params: sc.params,
      },
    });
    if (r.summary.complete) ck?.remove();
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
        outDir: out?.given ?? null,
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
    if (out) lines.push(`written     ${out.given}/`);
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
  return cmdBelmer2018(v, command);
}

let signalled = false;

/** SIGINT/SIGTERM: finish or undo an output folder's replacement, remove staging, exit 130/143. */
function onSignal(sig: 'SIGINT' | 'SIGTERM'): void {
  if (!signalled && stopAtCheckpoint(() => onSignal(sig))) return; // a checkpoint at the chunk's end first, then here
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
