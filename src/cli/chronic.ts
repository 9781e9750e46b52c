/**
 * `raphe experiment chronic-ssri [--quick] [--neurons N] [--seed K] [--engine ...] [--threads T]
 * [--out DIR [--force]] [--json]`: the chronic experiment (src/experiment/chronic-ssri.ts); C1-C3 as the
 * main experiment prints F1-F7, and the trajectory table. Exit 0 when C1-C3 pass, 1 otherwise.
 * Also `raphe run --scenario FILE` with a chronic protocol (runChronicScenario).
 */
import { availableParallelism } from 'node:os';
import { resolveEngine, type ResolvedEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { runChronic } from '../experiment/chronic.js';
import {
  CHRONIC_CONDITIONS,
  CHRONIC_FULL,
  CHRONIC_QUICK,
  runChronicSsri,
  type ChronicExperimentResult,
} from '../experiment/chronic-ssri.js';
import type { ChronicReadout } from '../model/chronic.js';
import { ConfigError } from '../model/errors.js';
import { LIMITS, type Scenario } from '../model/scenario.js';
import { chronicReportHtml } from '../report/chronic-report.js';
import { formatFindingsTable } from '../report/findings-table.js';
import { OutputFolder, OutputWriteError, writeChronicOutputs } from '../report/write.js';
import { JOB_FLAG_OPTIONS, checkConditionMemory, parseCli, parseEngine, parseIntOpt } from './args.js';
import { Progress } from './progress.js';

const num = (x: number | undefined, d: number) => (x === undefined ? '' : Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** The trajectory as an aligned text table: condition, day, rate, probe, mean d1A, share desensitised, IC50. */
export function formatChronicTable(rows: readonly ChronicReadout[]): string {
  const header = ['condition', 'day', 'rate (Hz)', 'probe 5-HT (nM)', 'mean d1A', 'd1A >= 0.25', '8-OH-DPAT IC50 (nM)'];
  const body = rows.map((r) => [
    r.condition,
    String(r.day),
    num(r.rateHz, 3),
    num(r.probe5htNm, 1),
    num(r.meanD1A, 3),
    `${(100 * r.fractionDesensitised).toFixed(0)}%`,
    r.dpatIc50Nm === undefined ? '' : num(r.dpatIc50Nm, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}

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

export function chronicJson(res: ChronicExperimentResult): { days: unknown[]; findings: unknown[] } {
  return {
    days: res.days.map((r) => ({
      condition: r.condition,
      day: r.day,
      rateHz: r.rateHz,
      probe5htNm: r.probe5htNm,
      meanD1A: r.meanD1A,
      fractionDesensitised: r.fractionDesensitised,
      ...(r.dpatIc50Nm !== undefined ? { dpatIc50Nm: Number.isFinite(r.dpatIc50Nm) ? r.dpatIc50Nm : null } : {}),
    })),
    findings: res.findings.map((f) => ({ id: f.id, condition: f.condition, measured: f.measured, expected: f.expected, pass: f.pass })),
  };
}

export interface ChronicCliHooks {
  onReplaceStep?: (step: 'staged' | 'aside' | 'moved') => void;
  settle?: () => Promise<unknown>;
}

export async function cmdChronicSsri(argv: string[], hooks: ChronicCliHooks = {}): Promise<number> {
  const { values: v, positionals } = parseCli(argv, { ...JOB_FLAG_OPTIONS, quick: { type: 'boolean' } });
  if (positionals.length > 1) throw new ConfigError('experiment', `unexpected argument ${JSON.stringify(positionals[1])}`);
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  const size = v.quick ? CHRONIC_QUICK : CHRONIC_FULL;
  const neurons = parseIntOpt('--neurons', v.neurons, size.neurons, LIMITS.neurons.min, LIMITS.neurons.max);
  const seed = parseIntOpt('--seed', v.seed, 1, LIMITS.seed.min, LIMITS.seed.max);
  const threads = parseIntOpt('--threads', v.threads, 0, 0, 256);
  const choice = parseEngine(v.engine);
  checkConditionMemory(neurons, threads, '--neurons');
  const out = v.out === undefined ? undefined : OutputFolder.prepare(v.out, !!v.force);
  const engine = await engineFor(choice, neurons, CHRONIC_CONDITIONS.length, threads || availableParallelism());
  const bar = new Progress(`raphe experiment chronic-ssri (${engine.kind}, ${neurons} neurons)`);
  const res = await runChronicSsri({ engine, size, neurons, seed, onProgress: (f) => bar.update(f) });
  bar.done();
  checkFiniteChronic(res.days);
  if (out) {
    writeChronicOutputs(
      out.given,
      {
        'report.html': chronicReportHtml(res, { title: `Chronic fluoxetine on raphe (${neurons} neurons)`, engineReason: engine.reason }),
        'chronic.json': JSON.stringify({ ...chronicJson(res), ...meta(res, engine, seed) }, nullNaN, 2) + '\n',
        'trajectory.csv': trajectoryCsv(res),
        'findings.json': JSON.stringify(chronicJson(res).findings, null, 2) + '\n',
      },
      { force: !!v.force, target: out, onStep: hooks.onReplaceStep },
    );
    await hooks.settle?.();
  }
  const allPass = res.findings.every((f) => f.pass);
  if (v.json) {
    process.stdout.write(JSON.stringify({ ...chronicJson(res), ...meta(res, engine, seed), outDir: v.out ?? null }, nullNaN) + '\n');
  } else {
    process.stdout.write(
      `Chronic fluoxetine on raphe: ${neurons} neurons, ${res.engine} (${res.adapter}), ${res.wallSeconds.toFixed(1)} s\nengine: ${engine.reason}\n\n`,
    );
    process.stdout.write(formatFindingsTable(res.findings).replace(/findings pass$/, 'chronic findings pass') + '\n\n');
    process.stdout.write(formatChronicTable(res.days) + '\n');
    if (v.out !== undefined) process.stdout.write(`report: ${v.out}/report.html\n`);
  }
  return allPass ? 0 : 1;
}

const nullNaN = (_k: string, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x);

function meta(res: ChronicExperimentResult, engine: ResolvedEngine, seed: number) {
  return {
    experiment: 'chronic-ssri',
    engine: res.engine,
    adapter: res.adapter,
    engineReason: engine.reason,
    neurons: res.neurons,
    seed,
    wallSeconds: res.wallSeconds,
    allPass: res.findings.every((f) => f.pass),
  };
}

/** Every slow step of every condition: hours, day, mean d1A, share desensitised, rate, probe, mean activation. */
export function trajectoryCsv(res: Pick<ChronicExperimentResult, 'runs'>): string {
  const lines = ['condition,hours,day,mean_d1a,fraction_desensitised,rate_hz,probe_nm,mean_a1a,settled'];
  for (const r of res.runs) {
    for (const s of r.steps) {
      lines.push(
        [r.name, s.hours, s.hours / 24, s.meanD1A, s.fractionDesensitised, s.rateHz, s.probe5htNm, s.meanA1A, s.settled]
          .map((x) => (typeof x === 'number' ? Number(x.toPrecision(6)) : x))
          .join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** `raphe run --scenario FILE` with a chronic protocol: the one condition through the two-timescale driver. */
export async function runChronicScenario(sc: Scenario, engineChoice: string | undefined, json: boolean): Promise<number> {
  const engine = await engineFor(engineChoice, sc.neurons, 1, availableParallelism());
  const bar = new Progress(`raphe run chronic (${engine.kind}, ${sc.neurons} neurons, ${sc.chronic!.days} days)`);
  const t0 = performance.now();
  const [run] = await runChronic([sc], engine, { onProgress: (f) => bar.update(f) });
  bar.done();
  checkFiniteChronic(run.readouts);
  const wall = (performance.now() - t0) / 1000;
  if (json) {
    process.stdout.write(
      JSON.stringify(
        { name: sc.name, engine: run.engine, adapter: run.adapter, engineReason: engine.reason, wallSeconds: wall, days: run.readouts },
        nullNaN,
      ) + '\n',
    );
  } else {
    process.stdout.write(
      `chronic ${sc.name}: ${sc.neurons} neurons, ${run.engine} (${run.adapter}), ${wall.toFixed(1)} s; ${engine.reason}\n\n`,
    );
    process.stdout.write(formatChronicTable(run.readouts) + '\n');
  }
  return 0;
}
