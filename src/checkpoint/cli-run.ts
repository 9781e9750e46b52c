/**
 * `raphe run`'s checkpoint flags (docs/cli.md, "Checkpoints"): with --out DIR a run writes checkpoints
 * into DIR.checkpoint/ (every --checkpoint-every SECONDS, and on SIGINT/SIGTERM); `--resume DIR`, with
 * the flags or scenario file of the run that wrote it, continues from the checkpoint and writes DIR as
 * the run would have. The checkpoint also keeps what the outputs record about the run's start (the
 * scenario as given, the start time, --force), so a resumed run writes them as the first run would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../model/errors.js';
import type { Scenario } from '../model/scenario.js';
import { parseNumberOpt } from '../cli/args.js';
import type { ChronicCheckpointHooks, ChronicProgress } from '../experiment/chronic.js';
import { chronicCallerMeta, chronicCheckpoint, chronicProgressOf, isChronicCheckpoint } from './chronic.js';
import type { Checkpoint } from './format.js';
import { RunCheckpoints, scenarioHash } from './run-checkpoints.js';
import { checkpointDir, hasCheckpoint } from './store.js';
import { CheckpointError } from './validate.js';

export interface CheckpointFlags {
  out?: string;
  force?: boolean;
  resume?: string;
  'checkpoint-every'?: string;
}

/** What the CLI keeps in a checkpoint about the run's start. */
interface RunMeta {
  given: unknown;
  startedAt: string;
  force: boolean;
}

function runMeta(c: Checkpoint, where: string): RunMeta {
  const m = (isChronicCheckpoint(c) ? chronicCallerMeta(c) : c.meta) as Partial<RunMeta> | null;
  const t = typeof m?.startedAt === 'string' ? new Date(m.startedAt) : undefined;
  if (!m || typeof m !== 'object' || !t || Number.isNaN(t.getTime()) || typeof m.force !== 'boolean' || !('given' in m))
    throw new CheckpointError(where, 'meta is not a raphe run checkpoint (given, startedAt, force)');
  return m as RunMeta;
}

/** A run's checkpoints as the flags ask for them; undefined when the run writes no output folder. */
export class CliRunCheckpoint {
  private ck?: RunCheckpoints;

  private constructor(
    /** The output folder: --out, or the folder --resume names. */
    readonly out: string,
    readonly force: boolean,
    private readonly everyS: number | undefined,
    /** The checkpoint a resume continues (read and checked), and what it says of the run's start. */
    private readonly resumed?: { c: Checkpoint; meta: RunMeta; where: string },
  ) {}

  /** Checks the flags and reads --resume's checkpoint (a bad one: CheckpointError, before anything is written). */
  static open(v: CheckpointFlags): CliRunCheckpoint | undefined {
    const every = v['checkpoint-every'];
    const everyS = every === undefined ? undefined : parseNumberOpt('--checkpoint-every', every, 0, 0, 1e7);
    if (v.resume === undefined) {
      if (v.out === undefined) {
        if (every !== undefined) throw new ConfigError('--checkpoint-every', 'only goes with --out DIR or --resume DIR');
        return undefined;
      }
      if (hasCheckpoint(checkpointDir(v.out)) && !v.force)
        throw new ConfigError(
          '--out',
          `${checkpointDir(v.out)} holds the checkpoint of an unfinished run: --resume ${v.out} continues it, --force starts afresh`,
        );
      return new CliRunCheckpoint(v.out, !!v.force, everyS);
    }
    if (v.resume.trim() === '') throw new ConfigError('--resume', 'must name the output folder of the run to continue');
    if (v.out !== undefined && path.resolve(v.out) !== path.resolve(v.resume))
      throw new ConfigError('--resume', `continues into ${v.resume} itself; --out ${v.out} names another folder`);
    const where = `--resume ${v.resume}`;
    const dir = checkpointDir(v.resume);
    if (!fs.existsSync(dir)) throw new CheckpointError(where, `no checkpoint (${dir} does not exist)`);
    const c = RunCheckpoints.read(dir, undefined, where);
    const meta = runMeta(c, where);
    // DIR may hold the run's own outputs (killed after writing them, before removing its checkpoint), or
    // the earlier results its --force was replacing: a resume replaces them
    return new CliRunCheckpoint(v.resume, true, everyS, { c, meta, where });
  }

  /** Refuses, before any work, on a resume: scenarios other than the checkpoint's, or the checkpoint of another kind of job. */
  check(sc: Scenario | readonly Scenario[]): void {
    const scs = Array.isArray(sc) ? sc : [sc as Scenario];
    const where = this.resumed?.where ?? '--checkpoint-every';
    if (!this.resumed) return;
    if (this.resumed.c.scenarioHash !== scenarioHash(scs))
      throw new CheckpointError(where, 'the checkpoint is of another scenario: give the flags or scenario file of the run that wrote it');
    const chronic = isChronicCheckpoint(this.resumed.c);
    if (chronic !== !!scs[0].chronic)
      throw new CheckpointError(where, `the checkpoint is of ${chronic ? 'a chronic course' : 'a run'}, not of this job`);
  }

  /** The scenario as given (the first run's, on a resume), for scenario.json. */
  given(now: () => unknown): unknown {
    return this.resumed ? this.resumed.meta.given : now();
  }

  /** When the run started (the first run's, on a resume): provenance's date and the NWB session start. */
  startedAt(): Date {
    return this.resumed ? new Date(this.resumed.meta.startedAt) : new Date();
  }

  /** The run options for scenario `sc` (checked: check): its checkpoints, and a resume's progress. */
  runOptions(sc: Scenario, given: unknown, startedAt: Date, onLine: (line: string) => void) {
    this.check(sc);
    const hash = scenarioHash([sc]);
    const meta: RunMeta = { given, startedAt: startedAt.toISOString(), force: this.force };
    const hint = (line: string) => (line.startsWith('checkpoint written') ? `${line}; --resume ${this.out} continues the run` : line);
    this.ck = new RunCheckpoints(checkpointDir(this.out), hash, this.everyS, meta, (line) => onLine(hint(line)));
    // test hook: RAPHE_TEST_CHUNK_STEPS=N runs chunks of N grid steps (more points to stop at in a short run)
    const chunk = Number(process.env.RAPHE_TEST_CHUNK_STEPS ?? 0);
    return {
      checkpoint: this.ck.hooks(),
      ...(this.resumed ? { resume: this.resumed.c.progress } : {}),
      ...(chunk >= 1 ? { chunkSteps: Math.floor(chunk) } : {}),
    };
  }

  /**
   * The chronic driver's hooks for the course `scs` (checked: check): its checkpoints after its slow steps,
   * and a resume's progress (read as untrusted input against the course).
   */
  chronicHooks(scs: readonly Scenario[], given: unknown, startedAt: Date, onLine: (line: string) => void): ChronicCheckpointHooks {
    this.check(scs);
    const hash = scenarioHash(scs);
    const meta: RunMeta = { given, startedAt: startedAt.toISOString(), force: this.force };
    const hint = (line: string) => (line.startsWith('checkpoint written') ? `${line}; --resume ${this.out} continues the course` : line);
    this.ck = new RunCheckpoints(checkpointDir(this.out), hash, this.everyS, meta, (line) => onLine(hint(line)));
    const hooks = this.ck.hooksOf(
      (p: ChronicProgress) => chronicCheckpoint(p, hash, meta),
      (p) => `day ${(p.t / 24).toPrecision(3)} of the treatment`,
    );
    const ck = this.ck;
    const done = { ...hooks, finished: () => ck.disarm() };
    if (!this.resumed) return done;
    const shape = { names: scs.map((x) => x.name), nCells: scs[0].neurons, days: scs[0].chronic!.days };
    return { ...done, resume: chronicProgressOf(this.resumed.c, this.resumed.where, shape) };
  }

  /** The run is over: signals end the process at once again. */
  disarm(): void {
    this.ck?.disarm();
  }

  /** The outputs are written: the checkpoint goes. */
  remove(): void {
    this.ck?.remove();
  }
}
