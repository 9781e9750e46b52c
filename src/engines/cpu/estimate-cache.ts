/**
 * A disk cache of steady-state estimates (Node). An estimate is a pure function of the tissue (params,
 * genotype, cells, seed), the condition's constants (doses enter only through them) and the estimate's
 * options, computed by this very code: the key hashes all of that together with the running bundle
 * itself, so a cached value is always the value a fresh estimate would give, and any change to raphe
 * starts a new cache. Conditions with the same constants (a drug without a target in this genotype)
 * share one estimate even within a run. Folder: $RAPHE_CACHE_DIR, else $XDG_CACHE_HOME/raphe, else
 * ~/.cache/raphe; RAPHE_CACHE=0 turns it off. Only from a bundle (build/node/*.mjs): the TypeScript
 * sources (tests) always estimate afresh. A cache that cannot be read or written is skipped silently.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveConstants } from '../../model/derive.js';
import type { EstimateRequest, SteadyStateEstimate } from '../create.js';

let codeHash: string | null | undefined;

/** Hash of the running bundle, or null when not running from one. */
function bundleHash(): string | null {
  if (codeHash !== undefined) return codeHash;
  try {
    const file = fileURLToPath(import.meta.url);
    codeHash = /\.mjs$/.test(file) ? createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16) : null;
  } catch {
    codeHash = null;
  }
  return codeHash;
}

export function cacheDir(): string | null {
  if (process.env.RAPHE_CACHE === '0' || !bundleHash()) return null;
  const base = process.env.RAPHE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'raphe');
  return join(base, 'steady-state', bundleHash()!);
}

export function estimateKey(it: EstimateRequest): string {
  const m = it.model;
  const k = deriveConstants(m, it.doses);
  return createHash('sha256')
    .update(JSON.stringify([m.params, m.genotype, m.nCells, m.seed, k, it.options ?? {}]))
    .digest('hex')
    .slice(0, 32);
}

/** Estimates through the cache: cached ones read, the rest computed by `compute` (deduplicated) and stored. */
export async function cachedEstimates(
  items: EstimateRequest[],
  compute: (items: EstimateRequest[], onEach?: () => void) => Promise<SteadyStateEstimate[]>,
  onEach?: () => void,
): Promise<SteadyStateEstimate[]> {
  const dir = cacheDir();
  const keys = items.map(estimateKey);
  const out = new Array<SteadyStateEstimate | undefined>(items.length);
  if (dir) {
    keys.forEach((key, i) => {
      try {
        const v = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as SteadyStateEstimate;
        if (Number.isFinite(v.c0_nM) && Number.isFinite(v.rate_Hz)) out[i] = v;
      } catch {
        // not cached (or unreadable): computed below
      }
    });
  }
  const missing = new Map<string, number>(); // key -> first item with it
  keys.forEach((key, i) => {
    if (!out[i] && !missing.has(key)) missing.set(key, i);
  });
  const todo = [...missing.values()];
  // items cached, or sharing a key with one computed below, count as done now
  for (let k = todo.length; k < items.length; k++) onEach?.();
  const fresh = todo.length
    ? await compute(
        todo.map((i) => items[i]),
        onEach,
      )
    : [];
  const byKey = new Map(todo.map((i, j) => [keys[i], fresh[j]]));
  if (dir && todo.length) {
    try {
      mkdirSync(dir, { recursive: true });
      for (const [key, v] of byKey) {
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        writeFileSync(tmp, JSON.stringify(v));
        renameSync(tmp, join(dir, `${key}.json`));
      }
    } catch {
      // a cache that cannot be written is no cache
    }
  }
  return keys.map((key, i) => out[i] ?? byKey.get(key)!);
}
