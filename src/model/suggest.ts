/**
 * "Did you mean": the known name closest to a misspelt one (a parameter, field, drug, genotype, engine,
 * experiment, command or flag), by the optimal-string-alignment distance (Levenshtein plus the swap of
 * two neighbours), case ignored. A name is offered only when it is close for its length, and only when
 * no other known name is as close: a guess that could be either is no help.
 */

/** Longest text compared (a 500 KB key is never near a known name, and is not walked character by character). */
const MAX_COMPARED_CHARS = 100;

/** Edits allowed between a given name and the one offered: one per three characters of the longer, at least one. */
export function maxEdits(a: string, b: string): number {
  return Math.max(1, Math.floor(Math.max(a.length, b.length) / 3));
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours, one each. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}

/** The one known name closest to `given` within its allowance, or undefined (none close, or a tie). */
export function closestName(given: string, known: readonly string[]): string | undefined {
  if (given.length === 0 || given.length > MAX_COMPARED_CHARS) return undefined;
  const g = given.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  let tie = false;
  for (const k of known) {
    if (Math.abs(k.length - g.length) > maxEdits(g, k)) continue;
    const d = editDistance(g, k.toLowerCase());
    if (d > maxEdits(g, k)) continue;
    if (d < bestD) [best, bestD, tie] = [k, d, false];
    else if (d === bestD) tie = true;
  }
  return tie ? undefined : best;
}

/** Lists of at most this many names are shown whole even when a name is offered. */
export const SHORT_LIST = 12;

/**
 * The problem of an unknown name: `what` ("unknown parameter"), then the closest known name if one is
 * close ("did you mean sertExpression?"), then the known names, unless a name was offered from a long
 * list (53 parameters are no help next to the one meant).
 */
export function unknownName(what: string, given: string, known: readonly string[], allowedText = known.join(', ')): string {
  const near = closestName(given, known);
  if (near === undefined) return `${what}; allowed: ${allowedText}`;
  return known.length <= SHORT_LIST ? `${what}; did you mean ${near}? allowed: ${allowedText}` : `${what}; did you mean ${near}?`;
}
