/**
 * The fuzzer's generator of hostile inputs (tests/fuzz-formats.test.ts): a seeded random source, the
 * hostile values and keys, and mutations of a JSON value (in place on a copy) and of a file's raw text.
 */
import { DRUG_NAMES } from '../../src/model/drugs.js';
import { PARAM_KEYS } from '../../src/model/params.js';

/** mulberry32: a small seeded generator, so every run tries the same cases. */
export function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
export type Rng = ReturnType<typeof generator>;

const HUGE = 'h'.repeat(200_000);
const CONTROL = '\u0000\u001b[31m\r\n\u0007\u2028\u202eevil';
const nest = (depth: number, leaf: unknown, obj: boolean): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = obj ? { a: v } : [v];
  return v;
};
/** Values a careless or hostile file holds where a number, a name or an object belongs. */
export const HOSTILE: readonly unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e308,
  -1e308,
  -0,
  -1,
  0,
  1,
  0.5,
  1e-320,
  2 ** 53,
  2 ** 53 + 2,
  1e15,
  -1e-9,
  '10',
  '',
  ' 1',
  '0x10',
  HUGE,
  CONTROL,
  '__proto__',
  'constructor',
  'toString',
  true,
  false,
  null,
  [],
  {},
  [1, 'a'],
  [Number.NaN],
  nest(3000, 1, false),
  nest(3000, 1, true),
  JSON.parse('{"__proto__": {"polluted": 1}}'),
];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', HUGE, CONTROL, 'NEURONS', 'x'];

/** Sets an own property (even __proto__), to a copy of an object so no two places share one. */
const setOwn = (o: object, k: string, v: unknown) =>
  Object.defineProperty(o, k, {
    value: typeof v === 'object' && v !== null ? JSON.parse(JSON.stringify(v)) : v,
    enumerable: true,
    writable: true,
    configurable: true,
  });

/** Every container of a JSON value with its path, the root first (paths under `under` only, when given). */
function containers(v: unknown, under: string[] = []): { node: Record<string, unknown> | unknown[]; path: string[] }[] {
  const out: { node: Record<string, unknown> | unknown[]; path: string[] }[] = [];
  const walk = (x: unknown, path: string[]) => {
    if (path.length > 12 || typeof x !== 'object' || x === null) return;
    const inside = under.every((p, i) => i >= path.length || path[i] === p);
    if (!inside) return;
    if (path.length >= under.length) out.push({ node: x as Record<string, unknown>, path });
    for (const [k, c] of Object.entries(x)) walk(c, [...path, k]);
  };
  walk(v, []);
  return out;
}

/** One hostile change of a JSON value, in place (the value is a fresh copy). */
function mutateOnce(root: unknown, r: Rng, under: string[] = []): void {
  const spots = containers(root, under);
  if (!spots.length) return;
  const { node } = r.pick(spots);
  const keys = Object.keys(node);
  const k = keys.length ? r.pick(keys) : '0';
  const arr = Array.isArray(node);
  const cur = (node as Record<string, unknown>)[k];
  switch (r.int(8)) {
    case 0:
    case 1:
      setOwn(node, k, r.pick(HOSTILE));
      break;
    case 2:
      if (typeof cur === 'number')
        setOwn(node, k, r.pick([-cur, cur * 1e6, cur / 1e6, cur + 0.5, cur - 1, cur * (1 + 1e-12), Math.round(cur) + 1]));
      else setOwn(node, k, r.pick(HOSTILE));
      break;
    case 3:
      if (arr) node.splice(Number(k), 1);
      else delete (node as Record<string, unknown>)[k];
      break;
    case 4:
      if (arr) setOwn(node, String(node.length), r.pick([cur, ...HOSTILE]));
      else setOwn(node, r.pick([...KEYS, ...PARAM_KEYS, ...DRUG_NAMES]), r.pick(HOSTILE));
      break;
    case 5:
      if (!arr && keys.length) {
        delete (node as Record<string, unknown>)[k];
        setOwn(node, r.pick([k.toUpperCase(), `${k} `, r.pick(KEYS)]), cur);
      }
      break;
    case 6:
      if (arr) node.length = 0;
      else for (const key of keys) delete (node as Record<string, unknown>)[key];
      break;
    default:
      setOwn(node, k, r.pick([[cur], { value: cur }, [cur, cur]]));
  }
}

export function mutate<T>(base: T, r: Rng, under: string[] = []): T {
  const v = JSON.parse(JSON.stringify(base)) as T;
  for (let n = 1 + r.int(3); n > 0; n--) mutateOnce(v, r, r.next() < 0.8 ? under : []);
  return v;
}

/** The raw text of a file mutated: encodings, a repeated key, a cut, control characters, deep nesting. */
export function mutateText(text: string, r: Rng): Uint8Array {
  const at = r.int(text.length);
  const key = /"([A-Za-z0-9_$-]+)":\s*([^,{}[\]]+)/.exec(text.slice(at)) ?? /"([A-Za-z0-9_$-]+)":\s*([^,{}[\]]+)/.exec(text);
  switch (r.int(9)) {
    case 0:
      return Buffer.from(`\ufeff${text}`);
    case 1:
      return Buffer.from(text, 'utf16le');
    case 2:
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 3:
      return Buffer.from(text.replace(/"(\w)/, '"\xe9$1'), 'latin1');
    case 4:
      return Buffer.from(key ? text.replace(/\{/, `{"${key[1]}": ${key[2].trim()}, `) : text);
    case 5:
      return Buffer.from(text.slice(0, at));
    case 6:
      return Buffer.from(`${text.slice(0, at)}${r.pick(['\u0000', '\u001b', '\r', '"\u0007"', '1e999', '-0', 'NaN'])}${text.slice(at)}`);
    case 7:
      return Buffer.from(text.replace(/:\s*(-?[\d.]+)/, `: ${'['.repeat(20_000)}$1${']'.repeat(20_000)}`));
    default: {
      const b = Buffer.from(text);
      b[r.int(b.length)] ^= 1 << r.int(8);
      return b;
    }
  }
}
