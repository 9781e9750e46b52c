/** A bad input: names the offending field and what is allowed. The CLI prints it on one line, exit 2. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export function checkNumber(
  field: string,
  v: unknown,
  min: number,
  max: number,
  opts: { integer?: boolean; unit?: string; exclusiveMin?: boolean } = {},
): number {
  const unit = opts.unit ? ` ${opts.unit}` : '';
  const range = `${opts.exclusiveMin ? '>' : '>='} ${min} and <= ${max}${unit}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    const got = typeof v === 'number' ? String(v) : JSON.stringify(v);
    throw new ConfigError(
      field,
      `must be a number ${range}, got ${got === undefined ? 'nothing' : got.length > 40 ? `${got.slice(0, 40)}...` : got}`,
    );
  }
  if (opts.integer && !Number.isInteger(v)) throw new ConfigError(field, `must be an integer ${range}, got ${v}`);
  if (v < min || v > max || (opts.exclusiveMin && v === min)) {
    throw new ConfigError(field, `must be ${range}, got ${v}`);
  }
  return v;
}
