/**
 * The text of a JSON file a user hands raphe (a scenario or sweep file), read as strictly as its
 * fields: UTF-8 only (a UTF-8 byte-order mark is accepted and dropped; UTF-16, UTF-32 and bytes that
 * are not UTF-8 are refused with the encoding named), valid JSON, and no object key given twice
 * (JSON.parse keeps the last silently; here the repeated key is named with its path).
 */
import { ConfigError, quote } from './errors.js';

/** The file's text; `field` is what the message names (the flag), `name` the file. */
export function decodeJsonFile(bytes: Uint8Array, field: string, name: string): string {
  const b = bytes;
  const utf = (what: string) => new ConfigError(field, `${name} is ${what}; save it as UTF-8`);
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) throw utf('UTF-32 (big-endian, with a byte-order mark)');
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) throw utf('UTF-32 (little-endian, with a byte-order mark)');
  if (b[0] === 0xfe && b[1] === 0xff) throw utf('UTF-16 (big-endian, with a byte-order mark)');
  if (b[0] === 0xff && b[1] === 0xfe) throw utf('UTF-16 (little-endian, with a byte-order mark)');
  if (b.length >= 2 && b[0] === 0x00 && b[1] !== 0x00) throw utf('UTF-16 (big-endian, no byte-order mark)');
  if (b.length >= 2 && b[0] !== 0x00 && b[1] === 0x00) throw utf('UTF-16 (little-endian, no byte-order mark)');
  const nul = b.indexOf(0);
  if (nul >= 0) throw utf(`not a text file (a NUL byte at byte ${nul})`);
  try {
    // a UTF-8 byte-order mark is dropped by the decoder
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw utf(`not UTF-8 text (byte ${firstBadUtf8(b)} starts no UTF-8 character: Latin-1 or another encoding?)`);
  }
}

/** The offset of the first byte that is not part of a valid UTF-8 sequence. */
function firstBadUtf8(b: Uint8Array): number {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = b.length;
  // the longest valid prefix, by bisection over prefixes (a cut inside a character also fails: step back 3)
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    let ok = true;
    try {
      dec.decode(b.subarray(0, mid));
    } catch {
      ok = false;
    }
    if (ok) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** JSON text parsed, with its first repeated key refused (named by its path under `name`). */
export function parseJsonText(text: string, field: string, name: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.replace(/\s+/g, ' ').slice(0, 200);
    throw new ConfigError(field, `${name} is not valid JSON: ${why}`);
  }
  const dup = firstDuplicateKey(text);
  if (dup) throw new ConfigError(`${name}${dup.path}`, `key ${quote(dup.key)} given twice in one object; give each key once`);
  return v;
}

/** A file's bytes as JSON: decodeJsonFile, then parseJsonText. */
export function parseJsonFile(bytes: Uint8Array, field: string, name: string): unknown {
  return parseJsonText(decodeJsonFile(bytes, field, name), field, name);
}

interface Frame {
  keys: Set<string> | null; // null: an array
  /** The frame this value lies in (its path is built only for a repeat: a deep file costs no long paths). */
  parent: Frame | undefined;
  /** The object's current key, or the array's current index. */
  at: string;
  index: number;
  expectKey: boolean;
}

/** The path of a frame's current member: ".a.b[2].c". */
function pathOf(f: Frame | undefined): string {
  const parts: string[] = [];
  for (let t = f; t; t = t.parent) parts.push(t.keys ? `.${t.at}` : `[${t.index}]`);
  return parts.reverse().join('');
}

/**
 * The first key repeated within one object of valid JSON text, with the path of the repeat (".a.b[2].c"),
 * or undefined. A scan of the text, iterative (any depth), keys compared as decoded ("a" = "\u0061").
 */
export function firstDuplicateKey(text: string): { key: string; path: string } | undefined {
  let top: Frame | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        top.at = key;
        if (top.keys.has(key)) return { key, path: pathOf(top) };
        top.keys.add(key);
      }
      i = j;
    } else if (c === '{' || c === '[') {
      top = { keys: c === '{' ? new Set() : null, parent: top, at: '', index: 0, expectKey: c === '{' };
    } else if (c === '}' || c === ']') top = top?.parent;
    else if (c === ':' && top) top.expectKey = false;
    else if (c === ',' && top) {
      if (top.keys) top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}
