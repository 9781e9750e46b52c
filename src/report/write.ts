/**
 * The atomic output folder every job writes its --out files through (what each job writes is apart:
 * run-files.ts, experiment-files.ts, chronic-files.ts here, and the sweep's with the sweep):
 *  - A folder that already holds earlier raphe output is refused (OutputExistsError) unless `force`,
 *    and the refusal happens before anything is written.
 *  - A folder holding files raphe did not write is refused (they would be lost in the replacement).
 *  - The staging folder (next to the target: same parent, so renames stay on one file system; named
 *    in staging.ts) is created before the run (OutputFolder.prepare), so an unusable --out is a user
 *    error found first, and a full disk an environment failure found first. Leftovers of killed runs
 *    in the same parent are settled there too (staging.ts).
 *  - The files are written into the staging folder (at once, or by stageAsync with the event loop
 *    turning, so that a signal during a large run's write is answered), each flushed to the disk
 *    (fsync), then the folder replaces the target by rename: an earlier results folder is renamed
 *    aside, the staged one renamed in, the old one removed. A failure midway puts the earlier folder
 *    back; a signal finishes the step (settleOutputs). A failed write names the file and the errno in
 *    one line (OutputWriteError).
 * The folder's whole life (refusals, staging, replacement, undo, signals) is one state machine, kept in
 * one file so that its steps are read together to see that no path leaves a half-written folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../model/errors.js';
import { cleanLeftovers, makeStagingDir } from './staging.js';
import { syncFolder, writeContent, writeContentAsync, type Content } from './write-file.js';

export type { Content, FileWriter } from './write-file.js';

/** Every file name raphe writes into an output folder; any of them marks a folder as holding results. */
export const OUTPUT_FILE_NAMES = [
  'summary.json',
  'spikes.csv',
  'traces.csv',
  'report.html',
  'findings.csv',
  'findings.json',
  'conditions.json',
  'run.nwb',
  'conditions',
  'microdialysis.csv',
  'microdialysis',
  'findings-seeds.csv',
  // every job's --out folder (provenance.ts)
  'provenance.json',
  'scenario.json',
  // raphe sweep
  'sweep-file.json',
  'points.jsonl',
  'table.csv',
  'fits.csv',
  'sweep.json',
  // raphe sweep --traces: points/ID/traces.csv and points/ID/point.nwb
  'points',
  'point.nwb',
  // raphe sweep --shard, --slurm, collect
  'shard.json',
  'sweep.sbatch',
  'sweep-input.json',
  'slurm.json',
  'logs',
  'shards',
  'results',
  // raphe experiment chronic-ssri
  'chronic.json',
  'trajectory.csv',
] as const;

export class OutputExistsError extends ConfigError {
  readonly dir: string;
  constructor(dir: string) {
    super(`--out ${dir}`, 'holds earlier results; use --force to overwrite');
    this.name = 'OutputExistsError';
    this.dir = dir;
  }
}

export interface WriteOptions {
  force: boolean;
  /**
   * Called at each step of the write ('staged' when the staging folder is complete, 'aside' when an
   * earlier results folder has been renamed aside, 'moved' when the new one is in place). For tests and progress output; an exception thrown here aborts the
   * write and rolls back like any other failure.
   */
  onStep?: (step: 'staged' | 'aside' | 'moved') => void;
  /** A folder prepared before the run (OutputFolder.prepare); default: prepared here. */
  target?: OutputFolder;
}

export interface WriteResult {
  dir: string;
  /** Absolute paths written, in order. */
  files: string[];
}

/** Names in `dir` that are earlier raphe output (empty when `dir` does not exist). */
export function earlierOutputs(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const names = new Set<string>(OUTPUT_FILE_NAMES);
  return entries.filter((n) => names.has(n));
}

/** A write that failed for a cause of the environment (disk full, read-only, I/O): the CLI exits 1. */
export class OutputWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputWriteError';
  }
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));

/**
 * The folders of `dir` and above it that do not exist yet, outermost first, once the nearest existing
 * ancestor is found to be a folder (refused in one line naming --out otherwise).
 */
export function missingParents(given: string, dir: string): string[] {
  const missing: string[] = [];
  for (let p = dir; ; p = path.dirname(p)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw new ConfigError(`--out ${given}`, `cannot use ${p}: ${code(e)}`);
    }
    if (st) {
      if (!st.isDirectory()) throw new ConfigError(`--out ${given}`, `${p} is not a folder`);
      return missing;
    }
    missing.unshift(p);
    if (p === path.dirname(p)) return missing;
  }
}

/** Errors of the environment, not of the user's --out: a failure to write is then an OutputWriteError. */
const ENVIRONMENT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EFBIG']);

/** A failure to use --out, as the user's error or (a full disk, an I/O error) the environment's. */
function cannotUse(given: string, what: string, e: unknown): Error {
  const c = code(e);
  return ENVIRONMENT_CODES.has(c)
    ? new OutputWriteError(`--out ${given}: ${what}: ${c}`)
    : new ConfigError(`--out ${given}`, `${what}: ${c}`);
}

/** Longest file or folder name most file systems take, bytes. */
export const MAX_NAME_BYTES = 255;

function rmQuiet(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/** Remove parent folders this run created, innermost first, each only while empty: another raphe started
 * beside this one (the shards of a sweep) may have put its own output in one meanwhile. */
function removeCreated(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      fs.rmdirSync(d);
    } catch {
      // not empty (someone else's output) or already gone: left as it is
    }
  }
}

/** Every output folder being written, so a signal handler can finish or undo its replacement. */
const ACTIVE = new Set<OutputFolder>();

/**
 * One output folder, from the checks before a run to the one rename that puts the results in place:
 *  prepare (before the run: every user error is a ConfigError, and the staging folder is created, so
 *  a folder that cannot be created or written is found before any simulation work), stage (write the
 *  files into the staging folder), moveAside (an earlier results folder is renamed aside), moveIn (the
 *  staged folder is renamed to the target, the old one removed). `abandon` removes what was created.
 */
export class OutputFolder {
  /** 'prepared' -> 'staged' -> 'aside' -> 'done' (or 'abandoned'). */
  state: 'prepared' | 'staged' | 'aside' | 'done' | 'abandoned' = 'prepared';
  private constructor(
    readonly given: string,
    readonly dir: string,
    readonly staging: string,
    readonly aside: string,
    /** Parent folders created by prepare, outermost first. */
    readonly created: string[],
  ) {}

  static prepare(given: string, force: boolean): OutputFolder {
    if (given.trim() === '') throw new ConfigError('--out', 'must name a folder');
    const dir = path.resolve(given);
    for (const part of dir.split(path.sep)) {
      if (Buffer.byteLength(part) > MAX_NAME_BYTES)
        throw new ConfigError(`--out`, `a folder name in the path is ${Buffer.byteLength(part)} bytes; at most ${MAX_NAME_BYTES}`);
    }
    const parent = path.dirname(dir);
    cleanLeftovers(parent); // before the checks: a killed replacement of this very folder is finished first
    checkTarget(given, dir, force);
    // the missing parents are created (and removed again on failure)
    const missing = missingParents(given, parent);
    const created: string[] = [];
    let making = '';
    const undo = () => removeCreated(created);
    try {
      for (const d of missing) {
        making = d;
        try {
          fs.mkdirSync(d);
          created.push(d);
        } catch (e) {
          // made meanwhile by another raphe (shards of one sweep start side by side): theirs, not undone
          if (code(e) !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw e;
        }
      }
    } catch (e) {
      undo();
      throw cannotUse(given, `cannot create the folder ${making}`, e);
    }
    let staging: string;
    try {
      staging = makeStagingDir(dir);
    } catch (e) {
      undo();
      throw cannotUse(given, `cannot write in ${parent}`, e);
    }
    try {
      const probe = path.join(staging, '.write-test');
      fs.writeFileSync(probe, 'raphe\n');
      fs.unlinkSync(probe);
    } catch (e) {
      rmQuiet(staging);
      undo();
      throw cannotUse(given, `cannot write in ${parent}`, e);
    }
    const out = new OutputFolder(given, dir, staging, `${staging}-old`, created);
    ACTIVE.add(out);
    return out;
  }

  /** Write the files into the staging folder. A failure (disk full, ...) removes it: OutputWriteError. */
  stage(build: () => [string, Content][], onStep?: WriteOptions['onStep']): void {
    try {
      const files = build();
      for (const [name, content] of files) {
        try {
          writeContent(this.staging, name, content);
        } catch (e) {
          throw new OutputWriteError(`--out ${this.given}: cannot write ${name}: ${code(e)}`);
        }
      }
      this.staged(files, onStep);
    } catch (e) {
      this.abandon();
      throw e;
    }
  }

  /** `stage`, with turns of the event loop while each file is written (a signal is answered meanwhile). */
  async stageAsync(build: () => [string, Content][], onStep?: WriteOptions['onStep']): Promise<void> {
    try {
      const files = build();
      for (const [name, content] of files) {
        try {
          await writeContentAsync(this.staging, name, content);
        } catch (e) {
          throw new OutputWriteError(`--out ${this.given}: cannot write ${name}: ${code(e)}`);
        }
      }
      this.staged(files, onStep);
    } catch (e) {
      this.abandon();
      throw e;
    }
  }

  /** Every file written: their folders' entries flushed, the state 'staged'. */
  private staged(files: [string, Content][], onStep?: WriteOptions['onStep']): void {
    try {
      // the folders' entries reach the disk before the folder is renamed into place
      for (const d of new Set(files.map(([name]) => path.dirname(path.join(this.staging, name))))) syncFolder(d);
    } catch (e) {
      throw new OutputWriteError(`--out ${this.given}: cannot write the folder: ${code(e)}`);
    }
    this.state = 'staged';
    onStep?.('staged');
  }

  /** Rename an earlier results folder aside (nothing when there is none). */
  moveAside(force: boolean, onStep?: WriteOptions['onStep']): void {
    try {
      checkTarget(this.given, this.dir, force); // again: another process may have written there meanwhile
      if (fs.existsSync(this.dir)) fs.renameSync(this.dir, this.aside);
      this.state = 'aside';
      onStep?.('aside');
    } catch (e) {
      this.putBack();
      this.abandon();
      if (e instanceof ConfigError || e instanceof OutputWriteError) throw e;
      throw new OutputWriteError(`--out ${this.given}: cannot replace the folder: ${code(e)}`);
    }
  }

  /** Rename the staged folder to the target, then remove the old one. */
  moveIn(onStep?: WriteOptions['onStep']): void {
    try {
      fs.renameSync(this.staging, this.dir);
    } catch (e) {
      this.putBack();
      this.abandon();
      throw new OutputWriteError(`--out ${this.given}: cannot move the results in place: ${code(e)}`);
    }
    this.state = 'done';
    ACTIVE.delete(this);
    rmQuiet(this.aside);
    onStep?.('moved');
  }

  private putBack(): void {
    if (fs.existsSync(this.aside) && !fs.existsSync(this.dir)) {
      try {
        fs.renameSync(this.aside, this.dir);
      } catch {
        // the earlier results stay in `aside`, named in the error below
      }
    }
  }

  /** Remove the staging folder and created parents; earlier results are put back. */
  abandon(): void {
    if (this.state === 'done' || this.state === 'abandoned') return;
    this.putBack();
    rmQuiet(this.staging);
    if (!fs.existsSync(this.aside)) removeCreated(this.created);
    this.state = 'abandoned';
    ACTIVE.delete(this);
  }

  /**
   * The checks passed, and the caller writes into the target itself (a sweep's journal): remove the
   * staging folder only. The parents prepare created stay: removing them would race with another
   * process preparing a sibling folder (the shards of one sweep, started side by side).
   */
  release(): void {
    if (this.state !== 'prepared') return;
    rmQuiet(this.staging);
    this.state = 'abandoned';
    ACTIVE.delete(this);
  }

  /** On a signal: a replacement midway (old aside) is finished; anything earlier is undone. */
  settle(): void {
    if (this.state === 'aside') this.moveIn();
    else this.abandon();
  }
}

/** Finish or undo every output folder in progress (for SIGINT/SIGTERM handlers). */
export function settleOutputs(): void {
  for (const o of [...ACTIVE]) {
    try {
      o.settle();
    } catch {
      // keep settling the others
    }
  }
}

function checkTarget(given: string, dir: string, force: boolean): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const c = code(e);
    if (c === 'ENOENT') return;
    throw new ConfigError(`--out ${given}`, c === 'ENOTDIR' ? 'a part of the path is not a folder' : `cannot use the folder: ${c}`);
  }
  if (!st.isDirectory()) throw new ConfigError(`--out ${given}`, 'exists and is not a folder');
  const names = new Set<string>(OUTPUT_FILE_NAMES);
  const entries = fs.readdirSync(dir);
  const other = entries.filter((n) => !names.has(n));
  if (other.length)
    throw new ConfigError(
      `--out ${given}`,
      `holds files raphe did not write (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}); choose a new or empty folder`,
    );
  if (!force && entries.length > 0) throw new OutputExistsError(given);
}

/**
 * Write `files` into `dir` with the safety rules above, in one go (prepare, stage, replace). `build`
 * produces the contents; serialization errors write nothing.
 */
export function writeAtomically(dirIn: string, build: () => [string, Content][], opts: WriteOptions): WriteResult {
  const out = opts.target ?? OutputFolder.prepare(dirIn, opts.force);
  const files: string[] = [];
  out.stage(listing(out, build, files), opts.onStep);
  out.moveAside(opts.force, opts.onStep);
  out.moveIn(opts.onStep);
  return { dir: out.dir, files };
}

/** writeAtomically with the files staged by OutputFolder.stageAsync (a large run's, answering signals meanwhile). */
export async function writeAtomicallyAsync(dirIn: string, build: () => [string, Content][], opts: WriteOptions): Promise<WriteResult> {
  const out = opts.target ?? OutputFolder.prepare(dirIn, opts.force);
  const files: string[] = [];
  await out.stageAsync(listing(out, build, files), opts.onStep);
  out.moveAside(opts.force, opts.onStep);
  out.moveIn(opts.onStep);
  return { dir: out.dir, files };
}

/** `build`, noting the paths its files will have in `out` into `files`. */
function listing(out: OutputFolder, build: () => [string, Content][], files: string[]): () => [string, Content][] {
  return () => {
    const f = build();
    for (const [name] of f) files.push(path.join(out.dir, name));
    return f;
  };
}
