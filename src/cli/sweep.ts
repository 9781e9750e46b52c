/**
 * `raphe sweep FILE|NAME`: a sweep file (or a built-in sweep by name, examples/sweeps/) validated, its
 * points run through the one phase loop (WebGPU: as many points per batch as the device allows; CPU: one
 * point per worker thread), each finished point appended at once to points.jsonl in --out, the table,
 * fits and report written at the end by the usual staged replacement. --resume runs only the points
 * missing from points.jsonl and refuses a folder whose sweep file (or --neurons/--seed) has changed.
 */
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import dpat from '../../examples/sweeps/dpat.json';
import resistance from '../../examples/sweeps/resistance.json';
import { resolveEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { ConfigError } from '../model/errors.js';
import { LIMITS } from '../model/scenario.js';
import { sweepFitsCsv, sweepTableCsv } from '../report/sweep-table.js';
import { sweepReportHtml } from '../report/sweep-report.js';
import { OutputFolder } from '../report/write.js';
import { sweepPoints } from '../sweep/points.js';
import { assembleSweep, runSweepPoints, sweepJson, type PointMeasure } from '../sweep/run.js';
import { MAX_POINTS, parseSweep } from '../sweep/spec.js';
import { memoryBudget, parseCli, parseEngine, parseIntOpt, readScenarioJson } from './args.js';
import { RunProgress } from './progress.js';

/** Built-in sweeps, runnable by name (the files in examples/sweeps/, bundled). */
export const BUILTIN_SWEEPS = new Map<string, unknown>([
  ['resistance', resistance],
  ['dpat', dpat],
]);

const JOURNAL = 'points.jsonl';
const SPEC_FILE = 'sweep-file.json';

/** JSON with NaN/Infinity as null. */
const jsonLine = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

const NUM_FIELDS = ['rateHz', 'medianCvIsi', 'probe5htNm', 's1A', 's2B', 'baselineRateHz', 'baselineProbe5htNm', 'wallSeconds'] as const;

/** The points already in a journal (a torn last line, from a kill mid-write, is ignored). */
function readJournal(file: string, valid: (m: PointMeasure) => boolean): Map<number, PointMeasure> {
  const out = new Map<number, PointMeasure>();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let m: PointMeasure;
    try {
      m = JSON.parse(line) as PointMeasure;
    } catch {
      continue;
    }
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number') continue;
    for (const k of NUM_FIELDS)
      if ((m as unknown as Record<string, unknown>)[k] === null) (m as unknown as Record<string, number>)[k] = NaN;
    if (m.complete && valid(m)) out.set(m.id, m);
  }
  return out;
}

export async function cmdSweep(
  argv: string[],
  hooks: { onReplaceStep?: (step: string) => void; settle: () => Promise<unknown> },
): Promise<number> {
  const { values: v, positionals } = parseCli(argv, {
    neurons: { type: 'string' },
    seed: { type: 'string' },
    engine: { type: 'string' },
    threads: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    resume: { type: 'boolean' },
    json: { type: 'boolean' },
    'max-points': { type: 'string' },
    'max-batch': { type: 'string' },
  });
  if (positionals.length === 0) {
    throw new ConfigError('sweep', `name a sweep file or a built-in sweep (${[...BUILTIN_SWEEPS.keys()].join(', ')})`);
  }
  if (positionals.length > 1) throw new ConfigError('sweep', `unexpected argument ${JSON.stringify(positionals[1])}`);
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  if (v.resume && v.out === undefined) throw new ConfigError('--resume', 'only goes with --out DIR (the folder of the sweep to resume)');
  if (v.resume && v.force) throw new ConfigError('--resume', 'does not go with --force (--force starts the sweep over)');
  const arg = positionals[0];
  const builtin = BUILTIN_SWEEPS.get(arg);
  let raw: unknown;
  let where: string;
  if (builtin !== undefined && !fs.existsSync(arg)) {
    raw = structuredClone(builtin);
    where = arg;
  } else {
    if (!fs.existsSync(arg)) {
      throw new ConfigError(
        'sweep',
        `no sweep file ${JSON.stringify(arg)} and no built-in sweep of that name; built-in: ${[...BUILTIN_SWEEPS.keys()].join(', ')}`,
      );
    }
    raw = readScenarioJson(arg);
    where = arg;
  }
  const neurons = v.neurons === undefined ? undefined : parseIntOpt('--neurons', v.neurons, 0, LIMITS.neurons.min, LIMITS.neurons.max);
  const seed = v.seed === undefined ? undefined : parseIntOpt('--seed', v.seed, 0, LIMITS.seed.min, LIMITS.seed.max);
  const maxPoints = parseIntOpt('--max-points', v['max-points'], MAX_POINTS, 1, 1e9);
  const threads = parseIntOpt('--threads', v.threads, 0, 0, 256) || availableParallelism();
  // most points per batch: default the device's limit on WebGPU, one per thread on the CPU engine
  const maxBatch = v['max-batch'] === undefined ? undefined : parseIntOpt('--max-batch', v['max-batch'], 0, 1, 1e6);
  const spec = parseSweep(raw, where, { neurons, seed, maxPoints, ...memoryBudget() });
  const points = sweepPoints(spec, where);
  const choice = parseEngine(v.engine);
  // what a resumed sweep must match: the sweep file and the flags that change its points
  const identity = jsonLine({ sweep: raw, neurons: neurons ?? null, seed: seed ?? null });

  let dir: string | undefined;
  let done = new Map<number, PointMeasure>();
  if (v.out !== undefined) {
    dir = path.resolve(v.out);
    if (v.resume) {
      let stored: string;
      try {
        stored = fs.readFileSync(path.join(dir, SPEC_FILE), 'utf8').trim();
      } catch {
        throw new ConfigError('--resume', `${v.out} holds no sweep to resume (no ${SPEC_FILE})`);
      }
      if (stored !== identity) {
        throw new ConfigError(
          '--resume',
          `${v.out} holds another sweep (its sweep file or --neurons/--seed differ); use a new folder or --force to start over`,
        );
      }
      const byId = new Map(points.map((p) => [p.id, p]));
      done = readJournal(path.join(dir, JOURNAL), (m) => jsonLine(byId.get(m.id)?.axes) === jsonLine(m.axes));
    } else {
      // the usual checks (earlier results refused without --force, files raphe did not write refused)
      OutputFolder.prepare(v.out, !!v.force).abandon();
      fs.mkdirSync(dir, { recursive: true });
      for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { force: true, recursive: true }); // --force: earlier raphe results
      fs.writeFileSync(path.join(dir, SPEC_FILE), identity + '\n');
      fs.writeFileSync(path.join(dir, JOURNAL), '');
    }
  }

  const engine = await resolveEngine(choice, (msg) => process.stderr.write(msg + '\n'), { cpu: nodeCpuProvider(threads) });
  const t0 = performance.now();
  const bar = new RunProgress(`raphe sweep ${spec.name} (${engine.kind}, ${spec.base.neurons} neurons)`);
  const journal = dir ? path.join(dir, JOURNAL) : undefined;
  const measures = await runSweepPoints(spec, points, engine, {
    done,
    maxBatch: maxBatch ?? (engine.kind === 'cpu' ? threads : undefined),
    onEstimate: bar.onEstimate,
    onPoint: (m) => {
      if (journal) fs.appendFileSync(journal, jsonLine(m) + '\n');
    },
    onProgress: (f, k, n) => {
      const before = done.size;
      const frac = n ? (before + f * (n - before)) / n : 1;
      bar.update(frac, `${k}/${n} points`);
    },
  });
  bar.done();
  const wallSeconds = (performance.now() - t0) / 1000;
  const result = assembleSweep(spec, points, measures);
  const obj = sweepJson(result);
  if (dir) {
    const meta = {
      engine: engine.kind,
      adapter: engine.adapter,
      neurons: spec.base.neurons,
      wallSeconds,
      description:
        typeof (raw as { description?: unknown }).description === 'string' ? (raw as { description: string }).description : undefined,
    };
    const journalText = fs.readFileSync(path.join(dir, JOURNAL), 'utf8');
    const out = OutputFolder.prepare(v.out!, true);
    out.stage(() => [
      [SPEC_FILE, identity + '\n'],
      [JOURNAL, journalText],
      ['table.csv', sweepTableCsv(result)],
      ['fits.csv', sweepFitsCsv(result)],
      ['sweep.json', JSON.stringify({ ...(obj as object), engine: engine.kind, adapter: engine.adapter, wallSeconds }, null, 2) + '\n'],
      ['report.html', sweepReportHtml(result, meta)],
    ]);
    out.moveAside(true, hooks.onReplaceStep);
    out.moveIn(hooks.onReplaceStep);
    await hooks.settle();
  }
  if (v.json) {
    process.stdout.write(JSON.stringify(obj, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)) + '\n');
  } else {
    const conv = result.fits.filter((f) => f.converged).length;
    const lines = [
      `sweep       ${spec.name}: ${points.length} points (${points.length - done.size} run now), ${engine.kind} (${engine.adapter}), ${wallSeconds.toFixed(1)} s`,
      `settled     ${result.points.filter((p) => p.settled).length} of ${points.length} points`,
      `fits        ${conv} of ${result.fits.length} converged`,
    ];
    for (const f of result.fits.filter((x) => x.converged && (x.readout === 'probeFold' || x.readout === 'rateRatio'))) {
      const o = Object.entries(f.others)
        .map(([k, x]) => `${k}=${x}`)
        .join(' ');
      lines.push(
        `  ${f.readout} vs ${f.axis}${o ? ` (${o})` : ''}: EC50 ${Number(f.ec50!.toPrecision(3))}, Hill ${f.hill!.toFixed(2)}, ${f.bottom!.toFixed(3)}-${f.top!.toFixed(3)}`,
      );
    }
    if (v.out !== undefined) lines.push(`written     ${v.out}/ (table.csv, fits.csv, sweep.json, report.html, points.jsonl)`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  const failed = result.points.filter((p) => !p.complete);
  if (failed.length) {
    process.stderr.write(`raphe: ${failed.length} points ended early: ${failed[0].error ?? 'incomplete'}\n`);
    return 1;
  }
  return 0;
}
