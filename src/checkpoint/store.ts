/**
 * A checkpoint's folder (`OUT.checkpoint/` beside a run's output folder OUT): written atomically and read
 * back as untrusted input.
 *
 * Writing generation G: its binary files (format.ts; names carry G, so they never overwrite the files of
 * the checkpoint in place) are written and each flushed to the disk (fsync); then the header, written
 * as checkpoint.json.tmp, flushed and renamed over checkpoint.json, and the folder flushed. Only then are
 * generation G-1's files removed. A process killed at any moment leaves checkpoint.json naming a complete
 * generation (the new one or the one before), and at worst unreferenced files that the next write removes.
 *
 * Reading: checkpoint.json checked field by field (validate.ts), then each file it names checked for its
 * length and SHA-256 before its bytes are decoded; any problem is a CheckpointError naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeSim, encodeCheckpoint, sha256, type Checkpoint, type FileEntry } from './format.js';
import { CheckpointError, parseHeader } from './validate.js';

const HEADER = 'checkpoint.json';
const DATA_FILE = /^g(\d+)-s\d+-(state|samples|spikes)\.bin$/;

/** The checkpoint folder of the output folder `out`: OUT.checkpoint beside it. */
export function checkpointDir(out: string): string {
  return `${path.resolve(out)}.checkpoint`;
}

/** Whether `dir` holds a checkpoint header (complete or not: a reader checks it). */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, HEADER));
}

function writeSynced(file: string, data: Uint8Array | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a folder (its entries); file systems that cannot are let be. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // EINVAL / EISDIR on some file systems: the rename is as durable as they make it
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The highest generation named by the files in `dir` (-1: none). */
function lastGeneration(dir: string): number {
  let g = -1;
  for (const name of fs.readdirSync(dir)) {
    const m = DATA_FILE.exec(name);
    if (m) g = Math.max(g, Number(m[1]));
  }
  return g;
}

/** Writes a run's checkpoints into one folder, each generation after the last one found there. */
export class CheckpointWriter {
  private generation: number | undefined;

  constructor(readonly dir: string) {}

  /** Write `c` (see the file comment); seconds it took. */
  write(c: Checkpoint): number {
    const t0 = performance.now();
    if (this.generation === undefined) {
      // the folder's own entry flushed too, once: a power cut must not lose the folder itself
      fs.mkdirSync(this.dir, { recursive: true });
      syncDir(path.dirname(this.dir));
      this.generation = lastGeneration(this.dir);
    }
    const g = ++this.generation;
    const { header, files } = encodeCheckpoint(c, g);
    for (const [name, bytes] of files) writeSynced(path.join(this.dir, name), bytes);
    const tmp = path.join(this.dir, `${HEADER}.tmp`);
    writeSynced(tmp, JSON.stringify(header));
    fs.renameSync(tmp, path.join(this.dir, HEADER));
    syncDir(this.dir);
    for (const name of fs.readdirSync(this.dir)) {
      const m = DATA_FILE.exec(name);
      if (m && Number(m[1]) !== g) fs.rmSync(path.join(this.dir, name), { force: true });
    }
    return (performance.now() - t0) / 1000;
  }
}

function readEntry(dir: string, e: FileEntry, where: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path.join(dir, e.name));
  } catch (err) {
    throw new CheckpointError(where, `cannot read ${e.name} (${(err as NodeJS.ErrnoException).code ?? err}): a torn checkpoint`);
  }
  if (bytes.byteLength !== e.bytes)
    throw new CheckpointError(where, `${e.name} is ${bytes.byteLength} bytes, not ${e.bytes}: a torn checkpoint`);
  if (sha256(bytes) !== e.sha256) throw new CheckpointError(where, `${e.name} does not match its SHA-256: a damaged checkpoint`);
  return bytes;
}

/** The checkpoint in `dir`, every field and file checked; `where` names it in errors (e.g. "--resume OUT"). */
export function readCheckpoint(dir: string, where: string): Checkpoint {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, HEADER), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      where,
      code === 'ENOENT' ? `no checkpoint in ${dir}` : `cannot read ${path.join(dir, HEADER)} (${code ?? e})`,
    );
  }
  const h = parseHeader(text, where);
  const sims = h.sims.map((s) =>
    decodeSim(
      s,
      readEntry(dir, s.files.state, where),
      readEntry(dir, s.files.samples, where),
      s.files.spikes ? readEntry(dir, s.files.spikes, where) : null,
    ),
  );
  return {
    scenarioHash: h.scenarioHash,
    meta: h.meta,
    progress: { phase: h.phase, stepInPhase: h.stepInPhase, wallSeconds: h.wallSeconds, sims },
  };
}

/** Removes the checkpoint in `dir`: its own files, then the folder if nothing else is in it. */
export function removeCheckpoint(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    if (DATA_FILE.test(name) || name === HEADER || name === `${HEADER}.tmp`) fs.rmSync(path.join(dir, name), { force: true });
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    // something else was put there: left to its owner
  }
}
