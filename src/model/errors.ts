/**
 * A bad input: names the offending field and what is allowed. The CLI prints it on one line, exit 2.
 * Text the user wrote comes back in these messages (a key in a field path, a value quoted), so the
 * message is made safe for a terminal here, once: control characters (and line or paragraph separators,
 * bidirectional overrides) are shown escaped, a field path longer than MAX_FIELD_CHARS is cut in its
 * middle and a problem longer than MAX_PROBLEM_CHARS at its end. Values are quoted with `quote`.
 */
export class ConfigError extends Error {
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string) {
    const f = clipMiddle(escapeControls(field), MAX_FIELD_CHARS);
    const p = clipEnd(escapeControls(problem), MAX_PROBLEM_CHARS);
    super(`${f}: ${p}`);
    this.field = f;
    this.problem = p;
    this.name = 'ConfigError';
  }
}

/**
 * Several bad inputs found at once (a scenario or sweep file with more than one problem): `errors` lists
 * them in the file's order, at most MAX_PROBLEMS, `total` counts them all. Its own field, problem and
 * message are the first's (the message says how many more), so a caller that knows only ConfigError
 * still reads one line; the CLI prints every problem on its own line.
 */
export class ConfigErrors extends ConfigError {
  readonly errors: readonly ConfigError[];
  readonly total: number;
  constructor(errors: readonly ConfigError[], total = errors.length) {
    super(errors[0].field, errors[0].problem);
    this.errors = errors;
    this.total = total;
    this.message = `${errors[0].message} (and ${total - 1} more problem${total === 2 ? '' : 's'})`;
    this.name = 'ConfigErrors';
  }

  /** One line per problem, then one counting those past MAX_PROBLEMS. */
  lines(): string[] {
    const more = this.total - this.errors.length;
    return [...this.errors.map((e) => e.message), ...(more > 0 ? [`${more} more problem${more === 1 ? '' : 's'} not shown`] : [])];
  }
}

/** Most problems one refusal lists (a file with ten thousand bad values is answered with its first ones). */
export const MAX_PROBLEMS = 20;

/**
 * Collects a file's problems instead of stopping at the first: `check` runs one validation and notes its
 * refusal; `throwIfAny` then throws nothing, the one ConfigError, or a ConfigErrors of them all.
 */
export class Problems {
  private readonly list: ConfigError[] = [];
  private seen = 0;

  /** How many problems were noted. */
  get count(): number {
    return this.seen;
  }

  add(e: ConfigError): void {
    const each = e instanceof ConfigErrors ? e.errors : [e];
    for (const x of each) if (this.list.length < MAX_PROBLEMS) this.list.push(x);
    this.seen += e instanceof ConfigErrors ? e.total : 1;
  }

  note(field: string, problem: string): void {
    this.add(new ConfigError(field, problem));
  }

  /** `fn`'s value; undefined when it refused (its ConfigError noted; any other error passes through). */
  check<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.add(e);
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.seen === 1) throw this.list[0];
    if (this.seen > 1) throw new ConfigErrors(this.list, this.seen);
  }
}

/** Longest field path a message names, characters (a 500 KB key is cut in its middle). */
export const MAX_FIELD_CHARS = 160;
/** Longest problem, characters: the longest list of allowed names (a sweep axis's targets) fits. */
export const MAX_PROBLEM_CHARS = 1000;
/** Longest quoted value, characters. */
export const MAX_QUOTE_CHARS = 60;

// C0 and C1 controls, DEL, line and paragraph separators, bidirectional embeddings, overrides and isolates
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Whether the character with this code is one `escapeControls` escapes. */
export function isControl(code: number): boolean {
  return new RegExp(CONTROLS.source).test(String.fromCharCode(code));
}

/** Text with every control character written as a \uXXXX escape: one line, nothing a terminal acts on. */
export function escapeControls(s: string): string {
  return s.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function clipMiddle(s: string, max: number): string {
  if (s.length <= max) return s;
  const tail = Math.floor(max / 4);
  return `${s.slice(0, max - tail - 3)}...${s.slice(s.length - tail)}`;
}

function clipEnd(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 3)}...`;
}

/**
 * A value as a message shows it: its JSON (undefined: "nothing"), escaped and cut to `max` characters
 * (a value too deep for JSON.stringify is named by its type).
 */
export function quote(v: unknown, max = MAX_QUOTE_CHARS): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? typeof v);
  } catch {
    s = Array.isArray(v) ? 'a nested array' : typeof v === 'object' ? 'a nested object' : typeof v;
  }
  const e = escapeControls(s);
  return e.length > max ? `${e.slice(0, max - 3)}...` : e;
}

export function checkNumber(
  field: string,
  v: unknown,
  min: number,
  max: number,
  opts: { integer?: boolean; unit?: string; exclusiveMin?: boolean } = {},
): number {
  // '1' is the unit of a dimensionless parameter: "<= 4", not "<= 4 1"
  const unit = opts.unit && opts.unit !== '1' ? ` ${opts.unit}` : '';
  const range = `${opts.exclusiveMin ? '>' : '>='} ${min} and <= ${max}${unit}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(field, `must be a number ${range}, got ${quote(v, 43)}`);
  if (opts.integer && !Number.isInteger(v)) throw new ConfigError(field, `must be an integer ${range}, got ${v}`);
  if (v < min || v > max || (opts.exclusiveMin && v === min)) {
    throw new ConfigError(field, `must be ${range}, got ${v}`);
  }
  return v;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A flag's text as the JSON value a scenario file would hold: a decimal number as a number; other
 * text as the string itself (so the validator says "must be a number, got ..."). Text that JavaScript
 * would read as a number in another notation (0x20, " 20", Infinity) is refused here.
 */
export function flagNumber(name: string, text: string): number | string {
  if (DECIMAL.test(text)) return Number(text);
  if (text.trim() !== '' && !Number.isNaN(Number(text)))
    throw new ConfigError(name, `must be a plain decimal number (e.g. 20 or 1.5e3), got ${JSON.stringify(text)}`);
  return text;
}
