/**
 * `raphe export brian2 [--scenario FILE | the run flags] [--target T] [--out FILE.py [--force]]`: the
 * scenario as one Brian2 script (src/interop/brian2.ts: the shipped python/raphe_brian2.py with the
 * scenario's data). The scenario goes through the same flag parsing and parseScenario as `raphe run`
 * (same refusals, same messages); the start is the same steady-state estimate `raphe run` starts from.
 * Without --out the script goes to stdout; with it, the file is checked writable before any work and
 * written whole (a temporary file renamed into place).
 * `raphe export brian2 --read RAW.json`: the script's raw output (the file's last line) read by raphe's
 * readouts (src/interop/brian2-read.ts), printed as the one JSON line of `raphe run --json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { nodeCpuProvider } from '../engines/node.js';
import { prepareScenarios } from '../experiment/run-scenario.js';
import { BRIAN2_TARGETS, brian2Script, type Brian2Target } from '../interop/brian2.js';
import { brian2Result, brian2SummaryJson } from '../interop/brian2-read.js';
import { ConfigError } from '../model/errors.js';
import { noSteadyStateReason } from '../model/scenario.js';
import { MAX_NAME_BYTES, OutputWriteError } from '../report/write.js';
import { RAPHE_VERSION } from '../report/nwb.js';
import { RUN_FLAG_OPTIONS, parseCli, parseEngine, scenarioFromFlags } from './args.js';

export const EXPORT_FORMATS = ['brian2'] as const;

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

/** The output file: checked, and a temporary file created beside it, before any work. */
class OutputFile {
  private done = false;
  private readonly cleanup = () => this.abandon();
  private constructor(
    readonly given: string,
    readonly file: string,
    readonly tmp: string,
  ) {
    process.on('exit', this.cleanup);
  }

  static prepare(given: string, force: boolean): OutputFile {
    if (given.trim() === '') throw new ConfigError('--out', 'must name a file');
    const file = path.resolve(given);
    if (Buffer.byteLength(path.basename(file)) > MAX_NAME_BYTES)
      throw new ConfigError('--out', `the file name is ${Buffer.byteLength(path.basename(file))} bytes; at most ${MAX_NAME_BYTES}`);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(file);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw new ConfigError(`--out ${given}`, `cannot use ${file}: ${code(e)}`);
    }
    if (st?.isDirectory()) throw new ConfigError(`--out ${given}`, 'is a folder; name the script file (e.g. model.py)');
    if (st && !st.isFile())
      throw new ConfigError(`--out ${given}`, 'is not a regular file (a FIFO, device or socket); --force replaces only a file');
    if (st && !force) throw new ConfigError(`--out ${given}`, 'exists; --force replaces it');
    const dir = path.dirname(file);
    let dst: fs.Stats;
    try {
      dst = fs.statSync(dir);
    } catch (e) {
      throw new ConfigError(`--out ${given}`, `cannot use the folder ${dir}: ${code(e)}`);
    }
    if (!dst.isDirectory()) throw new ConfigError(`--out ${given}`, `${dir} is not a folder`);
    const tmp = path.join(dir, `.${path.basename(file).slice(0, 100)}.raphe-staging-${process.pid}`);
    try {
      fs.writeFileSync(tmp, '', { flag: 'wx' });
    } catch (e) {
      throw new ConfigError(`--out ${given}`, `cannot write in ${dir}: ${code(e)}`);
    }
    return new OutputFile(given, file, tmp);
  }

  write(text: string): void {
    try {
      fs.writeFileSync(this.tmp, text);
      fs.renameSync(this.tmp, this.file);
      this.done = true;
    } catch (e) {
      this.abandon();
      throw new OutputWriteError(`--out ${this.given}: cannot write ${path.basename(this.file)}: ${code(e)}`);
    } finally {
      process.off('exit', this.cleanup);
    }
  }

  abandon(): void {
    if (this.done) return;
    try {
      fs.unlinkSync(this.tmp);
    } catch {}
    this.done = true;
    process.off('exit', this.cleanup);
  }
}

export async function cmdExport(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCli(argv, {
    ...RUN_FLAG_OPTIONS,
    target: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    read: { type: 'string' },
  });
  const format = positionals[0];
  if (format === undefined || !(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new ConfigError('export', `unknown format ${JSON.stringify(format ?? '')}; allowed: ${EXPORT_FORMATS.join(', ')}`);
  if (positionals.length > 1) throw new ConfigError('export', `unexpected argument ${JSON.stringify(positionals[1])}`);
  if (v.read !== undefined) {
    const other = Object.keys(v).find((k) => k !== 'read');
    if (other) throw new ConfigError('--read', `takes no other flag (got --${other}): the output names its scenario`);
    return readRaw(v.read);
  }
  if (v.force && v.out === undefined) throw new ConfigError('--force', 'only goes with --out FILE');
  const target = (v.target ?? 'cpp_standalone') as Brian2Target;
  if (!(BRIAN2_TARGETS as readonly string[]).includes(target))
    throw new ConfigError('--target', `must be one of ${BRIAN2_TARGETS.join(', ')}, got ${JSON.stringify(v.target)}`);
  // as `raphe run`: the output first (its temporary file is removed again if the scenario is refused)
  const out = v.out === undefined ? undefined : OutputFile.prepare(v.out, !!v.force);
  try {
    const sc = scenarioFromFlags(v);
    if (sc.chronic)
      throw new ConfigError(
        v.scenario === undefined ? 'export' : `${v.scenario}.chronic`,
        'a chronic treatment has no Brian2 export (its two-timescale driver runs in raphe only: raphe run or raphe experiment chronic-ssri); export a scenario with a protocol',
      );
    parseEngine(v.engine); // accepted (and checked) as by raphe run; the script's engine is Brian2
    const noSteady = noSteadyStateReason(sc);
    if (noSteady) process.stderr.write(`raphe: warning: ${noSteady}\n`);
    // the steady-state start of `raphe run` (the CLI's estimate cache included: a cached start is a fresh one's value)
    const estimate = nodeCpuProvider(1).estimate;
    if (!estimate) throw new Error('the CPU provider has no steady-state estimator');
    const [prep] = await prepareScenarios([sc], { estimate });
    // the state raphe run's engines start from: the built start after the engine's own warm-up
    // (docs/model.md §3), here on the CPU engine's threads (every engine leaves the same bits)
    const eng = await nodeCpuProvider().create({
      model: prep.model,
      doses: sc.phases[0].doses,
      c0_nM: prep.est.c0_nM,
      rate0_Hz: prep.est.rate_Hz,
      recordSpikes: false,
      sampleSteps: 1,
    });
    let state: Awaited<ReturnType<typeof eng.snapshot>>;
    try {
      state = await eng.snapshot();
    } finally {
      eng.dispose();
    }
    const text = brian2Script({
      scenario: sc,
      model: prep.model,
      c0_nM: prep.est.c0_nM,
      rate0_Hz: prep.est.rate_Hz,
      state,
      target,
      version: RAPHE_VERSION,
    });
    if (out) {
      out.write(text);
      process.stderr.write(`raphe: wrote ${v.out} (Brian2 ${target}; run: /usr/bin/python3 ${v.out})\n`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  } catch (e) {
    out?.abandon();
    throw e;
  }
}

/** Prints the `raphe run --json` line of a Brian2 script's raw output (the file's last non-empty line). */
function readRaw(file: string): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`--read ${file}`, `cannot read it: ${code(e)}`);
  }
  const last = text.trimEnd().split('\n').pop() ?? '';
  let raw: unknown;
  try {
    raw = JSON.parse(last);
  } catch {
    throw new ConfigError(`--read ${file}`, 'its last line is not JSON (the raw output of a script raphe export brian2 wrote)');
  }
  process.stdout.write(JSON.stringify(brian2SummaryJson(brian2Result(raw, `--read ${file}`))) + '\n');
  return 0;
}
