/**
 * A sweep's --out folder, from the refusals to the finished results. `checkSweepFolder` makes every
 * refusal and writes nothing (the caller resolves the engine next, itself a refusal, so nothing exists
 * before all have passed); `openSweepFolder` creates what the run appends its points to; `finish`
 * writes the results by the usual staged replacement. Three ways in:
 *  - a new folder (absent or empty): the journal lives in the folder itself from the start, so a
 *    killed sweep leaves its finished points there and --resume picks them up;
 *  - --resume: the folder must hold the same sweep (sweep-file.json) and no file raphe did not write;
 *    its journal is read as untrusted (bad lines named and their points run again, a torn last line
 *    cut away before appending);
 *  - --force over earlier results: the new sweep runs in a staging folder beside the target (same
 *    parent, so the final swap is one rename) and replaces the earlier folder only once it is complete.
 *    A refusal, an error, Ctrl-C or SIGTERM before that leave the earlier results as they were (the
 *    staging folder is removed with the other output folders in progress). The price: a --force sweep
 *    that is killed cannot be resumed; it starts over, as `run --force` would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../model/errors.js';
import { MAX_NAME_BYTES, OUTPUT_FILE_NAMES, OutputExistsError, OutputFolder, OutputWriteError, missingParents } from '../report/write.js';
import { SPEC_FILE } from './identity.js';
import { carryPointFolders } from '../report/point-files.js';
import { JOURNAL, cutTornLine, readJournal, type JournalRead } from './journal.js';
import { writeFolder, type FileList, type SweepHooks, type SweepProvenance } from './output.js';
import type { SweepPoint } from './points.js';
import type { Readout } from './spec.js';

export type FolderMode = 'new' | 'force' | 'resume';

/** A folder that passed every check; nothing is written yet. */
export interface CheckedFolder {
  given: string;
  dir: string;
  mode: FolderMode;
  /** sweep-file.json's line. */
  identity: string;
  /** --resume: the journal as read (its points are not run again). */
  journal?: JournalRead;
}

/** A folder open for the run: where each finished point is appended. */
export interface OpenFolder extends CheckedFolder {
  journalFile: string;
  /** The journal's good lines so far, in file order: the results' points.jsonl. */
  lines: string[];
  /** --force: the staging folder the new sweep runs in. */
  staging?: OutputFolder;
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));

/** The entries of a folder (none when it does not exist), refusing what is not a usable folder. */
function entriesOf(given: string, dir: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const c = errCode(e);
    if (c === 'ENOENT') return [];
    throw new ConfigError(`--out ${given}`, c === 'ENOTDIR' ? 'a part of the path is not a folder' : `cannot use the folder: ${c}`);
  }
  if (!st.isDirectory()) throw new ConfigError(`--out ${given}`, 'exists and is not a folder');
  return fs.readdirSync(dir);
}

/** Every refusal of an --out folder, before anything is created or run. */
export function checkSweepFolder(
  given: string,
  mode: FolderMode,
  identity: string,
  points: readonly SweepPoint[],
  readout: Readout,
  another = '--neurons/--seed',
): CheckedFolder {
  if (given.trim() === '') throw new ConfigError('--out', 'must name a folder');
  const dir = path.resolve(given);
  for (const part of dir.split(path.sep)) {
    if (Buffer.byteLength(part) > MAX_NAME_BYTES)
      throw new ConfigError('--out', `a folder name in the path is ${Buffer.byteLength(part)} bytes; at most ${MAX_NAME_BYTES}`);
  }
  missingParents(given, path.dirname(dir)); // the nearest existing ancestor must be a folder (the rest are made later)
  const entries = entriesOf(given, dir);
  const names = new Set<string>(OUTPUT_FILE_NAMES);
  const other = entries.filter((n) => !names.has(n));
  if (other.length)
    throw new ConfigError(
      `--out ${given}`,
      `holds files raphe did not write (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}); choose a new or empty folder`,
    );
  if (mode === 'new' && entries.length > 0) throw new OutputExistsError(given);
  if (mode !== 'resume') return { given, dir, mode, identity };
  let stored: string;
  try {
    stored = fs.readFileSync(path.join(dir, SPEC_FILE), 'utf8').trim();
  } catch {
    throw new ConfigError('--resume', `${given} holds no sweep to resume (no ${SPEC_FILE})`);
  }
  if (stored !== identity) {
    throw new ConfigError(
      '--resume',
      `${given} holds another sweep (its sweep file, ${another} differ); use a new folder or --force to start over`,
    );
  }
  return { given, dir, mode, identity, journal: readJournal(path.join(dir, JOURNAL), points, readout) };
}

/** Create the folder (or the staging folder of --force) with its identity and an empty journal; --resume: repair the journal. */
export function openSweepFolder(f: CheckedFolder, warn: (line: string) => void): OpenFolder {
  const start = (dir: string) => {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, SPEC_FILE), f.identity + '\n');
      fs.writeFileSync(path.join(dir, JOURNAL), '');
    } catch (e) {
      throw new OutputWriteError(`--out ${f.given}: cannot write ${path.join(dir, JOURNAL)}: ${errCode(e)}`);
    }
  };
  if (f.mode === 'force') {
    const staging = OutputFolder.prepare(f.given, true);
    start(staging.staging);
    return { ...f, journalFile: path.join(staging.staging, JOURNAL), lines: [], staging };
  }
  const journalFile = path.join(f.dir, JOURNAL);
  if (f.mode === 'new') {
    OutputFolder.prepare(f.given, false).release(); // the parents, and a write test beside the folder
    start(f.dir);
    return { ...f, journalFile, lines: [] };
  }
  const j = f.journal!;
  const shown = path.join(f.given, JOURNAL);
  for (const d of j.dropped) warn(`raphe: ${shown} line ${d.line}: ${d.why}; the point is run again`);
  cutTornLine(journalFile, j);
  return { ...f, journalFile, lines: [...j.lines.values()] };
}

/** The folder the run writes into: the target itself, or --force's staging folder. */
export const liveDir = (f: OpenFolder) => path.dirname(f.journalFile);

/**
 * Write the finished folder: `files` beside the identity and the journal's good lines. A new or
 * resumed folder is replaced whole by a staged one, which takes the point folders of `pointIds`
 * (--traces; see src/report/point-files.ts); --force's staging folder, which already holds the
 * identity, the journal and the point folders, receives the rest and is swapped in.
 */
export async function finishSweepFolder(
  f: OpenFolder,
  files: (p?: SweepProvenance) => FileList,
  hooks: SweepHooks,
  pointIds: ReadonlySet<number> = new Set(),
): Promise<void> {
  if (f.staging) {
    await writeFolder(f.given, files, hooks, f.staging);
    return;
  }
  const journalText = f.lines.map((l) => l + '\n').join('');
  await writeFolder(
    f.given,
    (p) => [[SPEC_FILE, f.identity + '\n'], [JOURNAL, journalText], ...files(p)],
    hooks,
    undefined,
    (staging) => carryPointFolders(f.dir, staging, pointIds, f.given),
  );
}
