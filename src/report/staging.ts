/**
 * The staging folders of output folders being written (write.ts), named so that a later run can tell
 * whose they are: `.NAME.raphe-staging-HOST-PID-XXXXXX` holds the results being written (NAME the
 * target's name, HOST and PID the writing process), and the same name with `-old` an earlier results
 * folder renamed aside during a replacement. A run killed by SIGKILL leaves them behind; the next write
 * into the same parent folder finds those whose process is gone (same host, no such pid) and settles
 * them as the killed run's own signal handler would have:
 *  - a staging folder alone (killed while writing, or before the replacement began) is removed;
 *  - with the earlier results aside and the target missing (killed between the two renames), the staged
 *    results, complete by then, are renamed in and the earlier ones removed;
 *  - with the earlier results aside and neither the target nor a staging folder (a failed replacement
 *    whose undo failed too), the earlier results are renamed back;
 *  - with the target in place and no staging folder (killed after the second rename), the earlier
 *    results aside are removed;
 *  - anything else (a truncated NAME, a target written since by someone else) is left as it is: results
 *    are never removed on a guess.
 * Staging folders of live processes (another raphe writing beside this one) are never touched, nor are
 * those of another host sharing the file system, whose pids cannot be checked from here.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MARK = '.raphe-staging-';
/** NAME is cut to this many characters, so the staging name stays within a file system's 255 bytes. */
const NAME_CHARS = 100;
/** NAME, HOST, PID, the random part, and `-old` for earlier results renamed aside. */
const PATTERN = /^\.(.*)\.raphe-staging-([A-Za-z0-9._-]+)-(\d+)-([0-9a-f]{6})(-old)?$/;

/** This host's name as it is written into staging names (at most 64 characters of [A-Za-z0-9._-]). */
export function hostTag(): string {
  return os
    .hostname()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 64);
}

/**
 * A new staging folder for the output folder `dir`, beside it (same parent, so renames stay on one
 * file system). mkdir, not mkdtemp: mkdtemp's folder is mode 0o700 whatever the umask, and it becomes
 * the output folder, which colleagues on a shared file system must be able to read.
 */
export function makeStagingDir(dir: string): string {
  const prefix = path.join(path.dirname(dir), `.${path.basename(dir).slice(0, NAME_CHARS)}${MARK}${hostTag()}-${process.pid}-`);
  for (let attempt = 0; ; attempt++) {
    const staging = prefix + randomBytes(3).toString('hex');
    try {
      fs.mkdirSync(staging);
      return staging;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 99) throw e;
    }
  }
}

/** Whether process `pid` of this host is running (true when unsure). */
function running(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const exists = (p: string): boolean => fs.existsSync(p);

function remove(p: string): void {
  fs.rmSync(p, { recursive: true, force: true });
}

/** Settle one killed run's staging folder `staging` (and `staging-old`) for the target `target`. */
function settle(staging: string, target: string | undefined): void {
  const aside = `${staging}-old`;
  if (!exists(aside)) {
    if (exists(staging)) remove(staging);
    return;
  }
  if (target === undefined) return;
  if (!exists(target)) {
    if (exists(staging)) {
      fs.renameSync(staging, target);
      remove(aside);
    } else {
      fs.renameSync(aside, target);
    }
  } else if (!exists(staging)) {
    remove(aside);
  }
}

/**
 * Settle the leftovers of killed runs in `parent` (see above). Best effort: a leftover that cannot be
 * settled (no permission, say) stays, and nothing here fails the write that called it.
 */
export function cleanLeftovers(parent: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  const host = hostTag();
  const seen = new Set<string>();
  for (const name of names) {
    const m = PATTERN.exec(name);
    if (!m || m[2] !== host || running(Number(m[3]))) continue;
    const staging = path.join(parent, m[5] ? name.slice(0, -'-old'.length) : name);
    if (seen.has(staging)) continue;
    seen.add(staging);
    const base = m[1]!;
    try {
      settle(staging, base.length < NAME_CHARS && base !== '' ? path.join(parent, base) : undefined);
    } catch {
      // left for a later run, or for the user
    }
  }
}
