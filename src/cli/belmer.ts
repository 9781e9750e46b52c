/**
 * `raphe experiment belmer2018` (docs/experiment.md): the conditions of F1-F7 (at one seed or several),
 * the findings table, and with --out the report folder (report, CSVs, NWB per condition, provenance).
 */
import { availableParallelism } from 'node:os';
import { refuseUnfit } from '../engines/create.js';
import { QUICK, conditionScenarios, runBelmer2018, seedList, timecourseScenarios } from '../experiment/belmer2018.js';
import { ConfigError } from '../model/errors.js';
import { LIMITS } from '../model/scenario.js';
import { belmerConditions } from '../model/findings.js';
import { formatFindingsTable } from '../report/findings-table.js';
import { RAPHE_VERSION } from '../report/nwb.js';
import { timecourseNwbWriter, writeExperimentOutputsAsync } from '../report/experiment-files.js';
import { writeNwbOffThread } from '../report/nwb-thread.js';
import { experimentScenarios, paramsDiff, provenance } from '../report/provenance.js';
import { summaryJson } from '../report/run-files.js';
import {
  JOB_FLAG_OPTIONS,
  checkConditionMemory,
  checkSeedsMemory,
  type parseCli,
  parseEngine,
  parseIntOpt,
  parseNumberOpt,
  parseSeeds,
} from './args.js';
import { engineFor, handlePendingSignals, prepareNwb, prepareOut, replaceHook } from './job-io.js';
import { RunProgress } from './progress.js';

/** Every experiment's flags: the name is found among them wherever it stands, and each experiment then checks its own. */
export const EXPERIMENT_OPTIONS = {
  ...JOB_FLAG_OPTIONS,
  quick: { type: 'boolean' },
  seeds: { type: 'string' },
  'duration-scale': { type: 'string' },
  'no-nwb': { type: 'boolean' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'string' },
} as const;

/** The parsed flags of `raphe experiment`. */
type ExperimentFlags = ReturnType<typeof parseCli<typeof EXPERIMENT_OPTIONS>>['values'];

export async function cmdBelmer2018(v: ExperimentFlags, command: readonly string[]): Promise<number> {
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  for (const flag of ['checkpoint-every', 'resume'] as const)
    if (v[flag] !== undefined)
      throw new ConfigError(
        `--${flag}`,
        'belmer2018 writes no checkpoints yet (its conditions run in minutes): raphe run and chronic-ssri do',
      );
  const neurons = parseIntOpt('--neurons', v.neurons, v.quick ? QUICK.neurons : 9000, LIMITS.neurons.min, LIMITS.neurons.max);
  const seed = parseIntOpt('--seed', v.seed, 1, LIMITS.seed.min, LIMITS.seed.max);
  const seeds = parseSeeds(v.seeds, seed);
  const threads = parseIntOpt('--threads', v.threads, 0, 0, 256);
  const durationScale = parseNumberOpt('--duration-scale', v['duration-scale'], 1, 0.01, 100);
  const choice = parseEngine(v.engine);
  checkConditionMemory(neurons, threads, '--duration-scale');
  const durations = v.quick ? QUICK.durations : undefined;
  const scenarios = new Map(conditionScenarios({ neurons, seed, durationScale, durations }).map((s) => [s.name, s]));
  checkSeedsMemory([...scenarios.values()], seeds);
  const out = prepareOut(v.out, v.force);
  const nwb = await prepareNwb(v.out, v['no-nwb']);
  // on the CPU engine, the conditions side by side on its threads (--threads, default one per core; a thread
  // per condition where that is every core: ThreadedCpuBatch)
  const engine = await engineFor(choice, { cells: neurons, sims: belmerConditions().length * seeds }, threads || availableParallelism());
  for (const sc of scenarios.values()) refuseUnfit(engine, sc);
  const startedAt = new Date();
  const seedsText = seeds > 1 ? `, seeds ${seed}-${seed + seeds - 1}` : '';
  const bar = new RunProgress(`raphe experiment belmer2018 (${engine.kind}, ${neurons} neurons${seedsText})`);
  const res = await runBelmer2018({
    engine,
    neurons,
    seed,
    seeds,
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
    const conditions = seedList(seed, seeds).flatMap((s) => conditionScenarios({ neurons, seed: s, durationScale, durations }));
    const timecourse = timecourseScenarios({ neurons, seed, durationScale, durations });
    const record = { provenance: provenance(made), scenario: experimentScenarios('belmer2018', v, { conditions, timecourse }) };
    await writeExperimentOutputsAsync(
      out.given,
      res.conditions,
      res.findings,
      {
        title: `Belmer et al. 2018 on raphe (${neurons} neurons${seedsText})`,
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
        nwb: (id, s) => {
          const c = res.conditions.find((x) => x.name === id);
          const result = s === undefined ? c?.result : c?.seeds?.find((x) => x.seed === s)?.result;
          const scenario = conditions.find((x) => x.name === id && x.seed === (s ?? seed));
          if (!nwb || !result || !scenario) return undefined;
          return (file) => writeNwbOffThread(file, { result, scenario, startedAt, version: RAPHE_VERSION });
        },
        timecourseNwb: timecourseNwbWriter(nwb, res.timecourse, timecourse, startedAt),
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
        ...(seeds > 1 ? { seeds: seedList(seed, seeds) } : {}),
        wallSeconds: res.wallSeconds,
        allPass,
        findings: res.findings,
        ...(res.perSeed ? { perSeed: res.perSeed } : {}),
        conditions: res.conditions.flatMap((c) => (c.seeds ?? [c]).map((x) => summaryJson(x.result).summary)),
        outDir: v.out ?? null,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `Belmer et al. 2018 on raphe: ${neurons} neurons${seedsText}, ${res.engine} (${res.adapter}), ${res.wallSeconds.toFixed(1)} s\nengine: ${engine.reason}\n\n`,
    );
    process.stdout.write(formatFindingsTable(res.findings) + '\n');
    if (v.out !== undefined) process.stdout.write(`report: ${v.out}/report.html\n`);
  }
  return allPass ? 0 : 1;
}
