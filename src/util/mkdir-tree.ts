/**
 * Creates a folder and its missing parents one level at a time. Node's `mkdirSync(dir, {recursive: true})`
 * never returns on some paths (under /proc, where every mkdir answers ENOENT, it retries forever at 100%
 * CPU and ignores SIGTERM); this walks the path once from its root, so it always ends: with the folder, or
 * with the first error (an errno exception naming the level that failed).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function mkdirTree(dir: string): void {
  const levels: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    levels.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of levels) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!statSync(d).isDirectory()) {
        const err = new Error(`ENOTDIR: not a directory, mkdir '${d}'`) as NodeJS.ErrnoException;
        err.code = 'ENOTDIR';
        throw err;
      }
    }
  }
}
