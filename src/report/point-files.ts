/**
 * A sweep point's own files under `raphe sweep --traces`: points/ID/traces.csv (the columns of a run's
 * traces.csv) and points/ID/point.nwb (a run's NWB file, spikes included when recorded), written by the
 * run writers the moment the point finishes, before its journal line. Each point folder appears whole:
 * it is staged beside its place and renamed in (write.ts), so a killed sweep leaves no half-written
 * points/ID, and a point run again (killed after its folder, before its line) replaces its folder, or
 * removes it when the run keeps no files.
 * When the sweep is done its finished folder takes the point folders of the points it holds, hard-linked
 * (copied where the file system cannot link), so the earlier folder stays whole until the one rename.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from '../model/scenario.js';
import type { RunResult } from '../record/run-result.js';
import { tracesCsvChunks } from './csv.js';
import { RAPHE_VERSION, type NwbWriter } from './nwb.js';
import { OutputWriteError, writeAtomically } from './write.js';

/** The folder of the point folders, in a sweep's --out folder. */
export const POINTS_DIR = 'points';
export const POINT_TRACES = 'traces.csv';
export const POINT_NWB = 'point.nwb';
export const POINT_FILES = [POINT_TRACES, POINT_NWB] as const;

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));

/** A point's folder, relative to the sweep folder (as report.html links it). */
export const pointFolder = (id: number) => `${POINTS_DIR}/${id}`;

/** What writes a sweep's point files: the NWB writer, and the sweep's start (each file's session_start_time). */
export interface PointFilesWriter {
  nwb: NwbWriter;
  startedAt: Date;
}

/** Write point `id`'s folder under the sweep folder `sweepDir` (replacing one of an earlier try of the point). */
export function writePointFiles(sweepDir: string, id: number, scenario: Scenario, r: RunResult, w: PointFilesWriter): void {
  writeAtomically(
    path.join(sweepDir, POINTS_DIR, String(id)),
    () => [
      [POINT_TRACES, () => tracesCsvChunks(r)],
      [POINT_NWB, { write: (file) => w.nwb.write(file, { result: r, scenario, startedAt: w.startedAt, version: RAPHE_VERSION }) }],
    ],
    { force: true },
  );
}

/** Remove point `id`'s folder of an earlier try, if any (the point ran again without keeping files). */
export function dropPointFolder(sweepDir: string, id: number): void {
  const dir = path.join(sweepDir, POINTS_DIR, String(id));
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    throw new OutputWriteError(`cannot remove ${dir}: ${errCode(e)}`);
  }
}

/** The points of `ids` whose folder in `sweepDir` holds every point file. */
export function pointsWithFiles(sweepDir: string, ids: Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const id of ids) {
    const dir = path.join(sweepDir, POINTS_DIR, String(id));
    if (POINT_FILES.every((f) => fs.existsSync(path.join(dir, f)))) out.add(id);
  }
  return out;
}

/** Link (or copy) one file; an existing target is an error. */
function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (e) {
    const c = errCode(e);
    if (c !== 'EXDEV' && c !== 'EPERM' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP') throw e;
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
  }
}

/** fsync a folder's entries (file systems that cannot are let be). */
function syncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (errCode(e) !== 'EINVAL' && errCode(e) !== 'EISDIR') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** Put the point folders of `ids` from `fromDir` into the staged sweep folder `toDir`; `given` names the folder in errors. */
export function carryPointFolders(fromDir: string, toDir: string, ids: ReadonlySet<number>, given: string): void {
  if (!ids.size) return;
  const toPoints = path.join(toDir, POINTS_DIR);
  try {
    fs.mkdirSync(toPoints, { recursive: true });
    for (const id of ids) {
      const dst = path.join(toPoints, String(id));
      fs.mkdirSync(dst);
      for (const f of POINT_FILES) linkOrCopy(path.join(fromDir, POINTS_DIR, String(id), f), path.join(dst, f));
      syncFolder(dst);
    }
    syncFolder(toPoints);
  } catch (e) {
    throw new OutputWriteError(`--out ${given}: cannot keep the point files: ${errCode(e)}`);
  }
}
