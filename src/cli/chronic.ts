/**
 * `raphe experiment chronic-ssri [--quick] [--neurons N] [--seed K] [--seeds S] [--engine ...] [--threads T]
 * [--out DIR [--force]] [--json]`: the chronic experiment (src/experiment/chronic-ssri.ts); C1-C3 as the
 * main experiment prints F1-F7, and the trajectory table. Exit 0 when C1-C3 pass, 1 otherwise. With
 * `--seeds S` > 1 the experiment runs at each seed in turn (experiment/chronic-seeds.ts): the findings on
 * the means with 95% intervals, the table as mean ± 95% interval per day; the seeds run one after another,
 * so the memory check is that of one seed.
 * Also `raphe run --scenario FILE` with a chronic protocol (runChronicScenario).
 */
import { availableParallelism } from 'node:os';
import { refuseUnfit, resolveEngine, type ResolvedEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { runChronic } from '../experiment/chronic.js';
import { seedList } from '../experiment/belmer2018.js';
import { runChronicSsriSeeds } from '../experiment/chronic-seeds.js';
import { CHRONIC_CONDITIONS, CHRONIC_FULL, CHRONIC_QUICK, chronicScenarios, runChronicSsri } from '../experiment/chronic-ssri.js';
import type { ChronicReadout } from '../model/chronic.js';
import { dosesText } from '../model/drugs.js';
import { ConfigError } from '../model/errors.js';
import { LIMITS, noSteadyStateReason, type Scenario } from '../model/scenario.js';
import { chronicSummary, finiteOrNull, writeChronicOutputs } from '../report/chronic-files.js';
import { formatChronicSeedsTable, formatChronicTable } from '../report/chronic-table.js';
import { formatFindingsTable } from '../report/findings-table.js';
import { experimentScenarios, provenance, resolvedScenario } from '../report/provenance.js';
import { OutputFolder, OutputWriteError } from '../report/write.js';
import { JOB_FLAG_OPTIONS, checkConditionMemory, parseCli, parseEngine, parseIntOpt, parseSeeds } from './args.js';
import { Progress } from './progress.js';
import { CliRunCheckpoint } from '../checkpoint/cli-run.js';

/** The checks a result must pass before it is printed or written (never a NaN reported as a result). */
function checkFiniteChronic(rows: readonly ChronicReadout[]): void {
  for (const r of rows) {
    for (const [k, x] of [
      ['rate', r.rateHz],
      ['probe 5-HT', r.probe5htNm],
      ['mean d1A', r.meanD1A],
      ['share desensitised', r.fractionDesensitised],
    ] as const) {
      if (!Number.isFinite(x))
        throw new OutputWriteError(`chronic: ${r.condition} day ${r.day} gave a non-finite ${k} (${x}); nothing reported`);
    }
  }
}

async function engineFor(choice: string | undefined, cells: number, sims: number, threads: number): Promise<ResolvedEngine> {
  return resolveEngine(parseEngine(choice), (msg) => process.stderr.write(msg + '\n'), {
    cpu: nodeCpuProvider(threads),
    job: { cells, sims },
  });
}

export interface ChronicCliHooks {
  onReplaceStep?: (step: 'staged' | 'aside' | 'moved') => void;
  settle?: () => Promise<unknown>;
  /** The command line as typed, for provenance.json (default: this process's arguments). */
  command?: readonly string[];
}

export async function cmdChronicSsri(argv: string[], hooks: ChronicCliHooks = {}): Promise<number> {
  const { values: v, positionals } = parseCli(argv, {
    ...JOB_FLAG_OPTIONS,
    quick: { type: 'boolean' },
    seeds: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    resume: { type: 'string' },
  });
  if (positionals.length > 1) throw new ConfigError('experiment', `unexpected argument ${JSON.stringify(positionals[1])}`);
  if (v.force && v.out === undefined && v.resume === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  // --resume's checkpoint read and checked before anything is written
  const ck = CliRunCheckpoint.open(v);
  const size = v.quick ? CHRONIC_QUICK : CHRONIC_FULL;
  const neurons = parseIntOpt('--neurons', v.neurons, size.neurons, LIMITS.neurons.min, LIMITS.neurons.max);
  const seed = parseIntOpt('--seed', v.seed, 1, LIMITS.seed.min, LIMITS.seed.max);
  const seeds = parseSeeds(v.seeds, seed);
  if (seeds > 1 && ck)
    throw new ConfigError('--seeds', 'runs the seeds in turn without checkpoints: leave out --checkpoint-every and --resume');
  const threads = parseIntOpt('--threads', v.threads, 0, 0, 256);
  const choice = parseEngine(v.engine);
  checkConditionMemory(neurons, Math.max(threads || Math.min(availableParallelism(), 8), CHRONIC_CONDITIONS.length), '--neurons');
  const scenarios = chronicScenarios({ size, neurons, seed });
  ck?.check(scenarios);
  const outDir = ck?.out ?? v.out;
  const force = ck?.force ?? !!v.force;
  const out = outDir === undefined ? undefined : OutputFolder.prepare(outDir, force);
  const engine = await engineFor(choice, neurons, CHRONIC_CONDITIONS.length, threads || availableParallelism());
  for (const sc of scenarios) refuseUnfit(engine, sc);
  const startedAt = ck?.startedAt() ?? new Date();
  const given = ck?.given(() => ({ flags: { ...v } })) ?? { flags: { ...v } };
  const checkpoint = ck?.chronicHooks(scenarios, given, startedAt, (line) => process.stderr.write(`\nraphe: ${line}\n`));
  const seedsText = seeds > 1 ? `, seeds ${seed}-${seed + seeds - 1}` : '';
  const bar = new Progress(`raphe experiment chronic-ssri (${engine.kind}, ${neurons} neurons${seedsText})`);
  const job = { engine, size, neurons, seed, onProgress: (f: number) => bar.update(f) };
  const over = seeds > 1 ? await runChronicSsriSeeds(job, seeds) : undefined;
  // over seeds: the first seed's result (its figures), its findings and wall time those over the seeds
  const res = over
    ? { ...over.perSeed[0]!, findings: over.findings, wallSeconds: over.wallSeconds }
    : await runChronicSsri({ ...job, checkpoint });
  ck?.disarm();
  bar.done();
  for (const r of over?.perSeed ?? [res]) checkFiniteChronic(r.days);
  const made = { engine: res.engine, adapter: res.adapter, engineReason: engine.reason, seed, command: hooks.command, startedAt };
  const info = {
    engineReason: engine.reason,
    seed,
    provenance: {
      provenance: provenance(made),
      scenario: experimentScenarios(
        'chronic-ssri',
        // the flags as first given (a resume's are the killed run's)
        (given as { flags: object }).flags,
        { conditions: seedList(seed, seeds).flatMap((s) => (s === seed ? scenarios : chronicScenarios({ size, neurons, seed: s }))) },
        { size },
      ),
      params: scenarios[0].params,
    },
    ...(over ? { seeds: over } : {}),
  };
  if (out) {
    writeChronicOutputs(out.given, res, info, { force, target: out, onStep: hooks.onReplaceStep });
    ck?.remove();
    await hooks.settle?.();
  }
  const allPass = res.findings.every((f) => f.pass);
  if (v.json) {
    process.stdout.write(JSON.stringify({ ...chronicSummary(res, info), outDir: v.out ?? null }, finiteOrNull) + '\n');
  } else {
    process.stdout.write(
      `Chronic fluoxetine on raphe: ${neurons} neurons${seedsText}, ${scenarios[0].params.voxel_um} µm grid, ${res.engine} (${res.adapter}), ${res.wallSeconds.toFixed(1)} s\nengine: ${engine.reason}\n\n`,
    );
    process.stdout.write(formatFindingsTable(res.findings).replace(/^(\d+\/\d+) findings pass$/m, '$1 chronic findings pass') + '\n\n');
    process.stdout.write((over ? formatChronicSeedsTable(over.days, seeds) : formatChronicTable(res.days)) + '\n');
    if (outDir !== undefined) process.stdout.write(`report: ${outDir}/report.html\n`);
  }
  return allPass ? 0 : 1;
}

/** Where `raphe run` of a chronic scenario writes, and what its provenance records. */
export interface ChronicRunOut {
  out?: OutputFolder;
  /** Its checkpoints (--out, --checkpoint-every) and a resume's (--resume). */
  checkpoint?: CliRunCheckpoint;
  force: boolean;
  /** The scenario as the user gave it (scenario.json). */
  given: unknown;
  hooks: ChronicCliHooks;
}

/** What a chronic scenario holds, in words: its drugs and for how long. */
function treatmentText(sc: Scenario): string {
  const c = sc.chronic!;
  const drugs = dosesText(c.doses);
  return `${drugs === 'no drug' ? 'No drug' : drugs} held for ${c.days} days (${sc.genotype}).`;
}

/**
 * `raphe run --scenario FILE` with a chronic protocol: the one condition through the two-timescale
 * driver; with --out, the chronic files (report.html, chronic.json, trajectory.csv, provenance).
 */
export async function runChronicScenario(
  sc: Scenario,
  engineChoice: string | undefined,
  json: boolean,
  o?: ChronicRunOut,
): Promise<number> {
  const noSteady = noSteadyStateReason(sc);
  if (noSteady) process.stderr.write(`raphe: warning: ${noSteady}\n`);
  const engine = await engineFor(engineChoice, sc.neurons, 1, availableParallelism());
  refuseUnfit(engine, sc);
  const ck = o?.checkpoint;
  const startedAt = ck?.startedAt() ?? new Date();
  const bar = new Progress(`raphe run chronic (${engine.kind}, ${sc.neurons} neurons, ${sc.chronic!.days} days)`);
  const t0 = performance.now();
  const checkpoint = ck?.chronicHooks([sc], o?.given, startedAt, (line) => process.stderr.write(`\nraphe: ${line}\n`));
  const [run] = await runChronic([sc], engine, { onProgress: (f) => bar.update(f), checkpoint });
  ck?.disarm();
  bar.done();
  checkFiniteChronic(run.readouts);
  const wall = (performance.now() - t0) / 1000;
  if (o?.out) {
    const res = {
      runs: [run],
      days: run.readouts,
      dpat: [],
      findings: [],
      wallSeconds: wall,
      neurons: sc.neurons,
      engine: run.engine,
      adapter: run.adapter,
    };
    const made = {
      engine: run.engine,
      adapter: run.adapter,
      engineReason: engine.reason,
      seed: sc.seed,
      command: o.hooks.command,
      startedAt,
    };
    const info = {
      engineReason: engine.reason,
      seed: sc.seed,
      scenario: sc.name,
      intro: treatmentText(sc),
      provenance: { provenance: provenance(made), scenario: { given: o.given, resolved: resolvedScenario(sc) }, params: sc.params },
    };
    writeChronicOutputs(o.out.given, res, info, { force: o.force, target: o.out, onStep: o.hooks.onReplaceStep });
    ck?.remove();
    await o.hooks.settle?.();
  }
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          name: sc.name,
          engine: run.engine,
          adapter: run.adapter,
          engineReason: engine.reason,
          wallSeconds: wall,
          days: run.readouts,
          ...(o?.out ? { outDir: o.out.given } : {}),
        },
        finiteOrNull,
      ) + '\n',
    );
  } else {
    process.stdout.write(
      `chronic ${sc.name}: ${sc.neurons} neurons, ${run.engine} (${run.adapter}), ${wall.toFixed(1)} s; ${engine.reason}\n\n`,
    );
    process.stdout.write(formatChronicTable(run.readouts) + '\n');
    if (o?.out) process.stdout.write(`report: ${o.out.given}/report.html\n`);
  }
  return 0;
}
