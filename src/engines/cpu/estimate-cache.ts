/**
 * A disk cache of steady-state estimates (Node). An estimate is a pure function of the tissue (params,
 * genotype, cells, seed), the condition's constants (doses enter only through them) and the estimate's
 * options, computed by this very code: the key hashes all of that together with the running bundle
 * itself, so a cached value is always the value a fresh estimate would give, and any change to raphe
 * starts a new cache. Conditions with the same constants (a drug without a target in this genotype)
 * share one estimate even within a run. Folder: $RAPHE_CACHE_DIR, else $XDG_CACHE_HOME/raphe, else
 * ~/.cache/raphe (an empty variable counts as unset); RAPHE_CACHE=0 turns it off. Only from a bundle
 * (build/node/*.mjs): the TypeScript sources (tests) always estimate afresh. A cache folder that cannot
 * be made, read or written is skipped silently. An entry is as untrusted as user input: one that is not
 * a plausible estimate of its own key (unreadable, another key, a level or rate out of range) is named on
 * stderr, recomputed and replaced.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveConstants } from '../../model/derive.js';
import { mkdirTree } from '../../util/mkdir-tree.js';
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
  const env = (name: string) => process.env[name] || undefined; // '' is unset
  const base = env('RAPHE_CACHE_DIR') ?? join(env('XDG_CACHE_HOME') ?? join(homedir(), '.cache'), 'raphe');
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

/**
 * The bounds a stored estimate must lie in: the estimate's own search range for the level (bisection
 * on [1e-3, 1e6] nM, or 0 when release cannot balance removal) and a rate no 5-HT neuron reaches.
 */
const MAX_C0_NM = 1e6;
const MAX_RATE_HZ = 1000;

/** The stored estimate of `key` in `text`, or null when it is not one. */
export function parseEntry(text: string, key: string): SteadyStateEstimate | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const { key: k, c0_nM, rate_Hz } = v as Record<string, unknown>;
  const inRange = (x: unknown, hi: number) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= hi;
  if (k !== key || !inRange(c0_nM, MAX_C0_NM) || !inRange(rate_Hz, MAX_RATE_HZ)) return null;
  return { c0_nM: c0_nM as number, rate_Hz: rate_Hz as number };
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
  const warned = new Set<string>();
  if (dir) {
    keys.forEach((key, i) => {
      const file = join(dir, `${key}.json`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return; // not cached (or unreadable): computed below
      }
      const v = parseEntry(text, key);
      if (v) out[i] = v;
      else if (!warned.has(file)) {
        warned.add(file);
        process.stderr.write(`raphe: ignored a bad steady-state cache entry ${file}; recomputing it\n`);
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
      mkdirTree(dir);
      for (const [key, v] of byKey) {
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        writeFileSync(tmp, JSON.stringify({ key, c0_nM: v.c0_nM, rate_Hz: v.rate_Hz }));
        renameSync(tmp, join(dir, `${key}.json`));
      }
    } catch {
      // a cache that cannot be written is no cache
    }
  }
  return keys.map((key, i) => out[i] ?? byKey.get(key)!);
}
