/**
 * A checkpoint's header read as untrusted input: every field checked for its type and range, the batches
 * for their order (each starts where the one before ended, the last ends at the state's step), the file
 * names for their pattern (no path leaves the checkpoint's folder) and the byte lengths against the counts
 * they must hold. The first problem throws a CheckpointError (a ConfigError: the CLI prints one line, exit 2).
 */
import { ConfigError } from '../model/errors.js';
import { SAMPLE_FIELDS, STATE_FIELDS } from '../model/layout.js';
import { type BatchHeader, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type FileEntry, type Header, type SimHeader } from './format.js';

/** A checkpoint that cannot be used (missing, torn, foreign, of another scenario). */
export class CheckpointError extends ConfigError {
  constructor(where: string, problem: string) {
    super(where, problem);
    this.name = 'CheckpointError';
  }
}

/** Grid steps, cells and counts fit in 32 bits (the engines count in u32). */
const MAX_COUNT = 2 ** 32 - 1;
/** Most simulations one checkpoint holds (a batch). */
const MAX_SIMS = 4096;
/** Most record batches a simulation holds. */
const MAX_BATCHES = 10_000_000;

type Obj = Record<string, unknown>;

class Reader {
  constructor(private readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new CheckpointError(this.where, `${field} ${problem}`);
  }

  obj(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'is not an object');
    return v as Obj;
  }

  count(v: unknown, field: string, max = MAX_COUNT): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) this.fail(field, `is not a whole number in 0..${max}`);
    return v as number;
  }

  finite(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, 'is not a finite number');
    return v as number;
  }

  array(v: unknown, field: string, max: number): unknown[] {
    if (!Array.isArray(v)) this.fail(field, 'is not an array');
    if ((v as unknown[]).length > max) this.fail(field, `has more than ${max} entries`);
    return v as unknown[];
  }

  file(v: unknown, field: string, pattern: RegExp, bytes: number): FileEntry {
    const o = this.obj(v, field);
    if (typeof o.name !== 'string' || !pattern.test(o.name))
      this.fail(`${field}.name`, `is not a checkpoint file name (${pattern.source})`);
    const n = this.count(o.bytes, `${field}.bytes`, Number.MAX_SAFE_INTEGER);
    if (n !== bytes) this.fail(`${field}.bytes`, `is ${n}; its counts make ${bytes}`);
    if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) this.fail(`${field}.sha256`, 'is not a SHA-256 in hex');
    return { name: o.name as string, bytes: n, sha256: o.sha256 as string };
  }
}

function batch(r: Reader, v: unknown, field: string, recorded: boolean): BatchHeader {
  const o = r.obj(v, field);
  const m = r.obj(o.mass, `${field}.mass`);
  const spikes = recorded ? r.count(o.spikes, `${field}.spikes`) : o.spikes === null ? null : r.fail(`${field}.spikes`, 'is not null');
  const b: BatchHeader = {
    firstStep: r.count(o.firstStep, `${field}.firstStep`),
    steps: r.count(o.steps, `${field}.steps`),
    spikeCount: r.count(o.spikeCount, `${field}.spikeCount`),
    samples: r.count(o.samples, `${field}.samples`),
    spikes,
    mass: {
      released: r.finite(m.released, `${field}.mass.released`),
      uptaken: r.finite(m.uptaken, `${field}.mass.uptaken`),
      cleared: r.finite(m.cleared, `${field}.mass.cleared`),
      gridStart: r.finite(m.gridStart, `${field}.mass.gridStart`),
      gridEnd: r.finite(m.gridEnd, `${field}.mass.gridEnd`),
    },
  };
  if (spikes !== null && spikes !== b.spikeCount) r.fail(`${field}.spikes`, `is ${spikes}, not its spikeCount ${b.spikeCount}`);
  return b;
}

function sim(r: Reader, v: unknown, s: number, generation: number): SimHeader {
  const field = `sims[${s}]`;
  const o = r.obj(v, field);
  const est = r.obj(o.est, `${field}.est`);
  const files = r.obj(o.files, `${field}.files`);
  const recorded = files.spikes !== null;
  const nCells = r.count(o.nCells, `${field}.nCells`);
  const nBox = r.count(o.nBox, `${field}.nBox`);
  const step = r.count(o.step, `${field}.step`);
  const batches = r.array(o.batches, `${field}.batches`, MAX_BATCHES).map((b, i) => batch(r, b, `${field}.batches[${i}]`, recorded));
  let at = batches.length ? batches[0].firstStep : step;
  batches.forEach((b, i) => {
    if (b.firstStep !== at) r.fail(`${field}.batches[${i}].firstStep`, `is ${b.firstStep}; the batch before ended at ${at}`);
    at += b.steps;
  });
  if (at !== step) r.fail(`${field}.step`, `is ${step}; the record batches end at ${at}`);
  const samples = batches.reduce((a, b) => a + b.samples, 0);
  const spikes = batches.reduce((a, b) => a + (b.spikes ?? 0), 0);
  const name = (kind: string) => new RegExp(`^g${generation}-s${s}-${kind}\\.bin$`);
  return {
    est: { c0_nM: r.finite(est.c0_nM, `${field}.est.c0_nM`), rate_Hz: r.finite(est.rate_Hz, `${field}.est.rate_Hz`) },
    estSeconds: r.finite(o.estSeconds, `${field}.estSeconds`),
    step,
    windowSpikes: r.count(o.windowSpikes, `${field}.windowSpikes`),
    nCells,
    nBox,
    batches,
    files: {
      state: r.file(files.state, `${field}.files.state`, name('state'), 4 * (STATE_FIELDS.length * nCells + nBox)),
      samples: r.file(files.samples, `${field}.files.samples`, name('samples'), 4 * SAMPLE_FIELDS.length * samples),
      spikes: recorded ? r.file(files.spikes, `${field}.files.spikes`, name('spikes'), 8 * spikes) : null,
    },
  };
}

/** checkpoint.json's text as a Header, every field checked (see the file comment). */
export function parseHeader(text: string, where: string): Header {
  const r = new Reader(where);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    r.fail('checkpoint.json', `is not JSON (${e instanceof Error ? e.message : e}): a torn or foreign file`);
  }
  const o = r.obj(raw, 'checkpoint.json');
  if (o.format !== CHECKPOINT_FORMAT) r.fail('format', `is ${JSON.stringify(o.format)}, not ${CHECKPOINT_FORMAT}: not a raphe checkpoint`);
  if (o.version !== CHECKPOINT_VERSION)
    r.fail('version', `is ${JSON.stringify(o.version)}; this raphe reads version ${CHECKPOINT_VERSION}`);
  const generation = r.count(o.generation, 'generation', Number.MAX_SAFE_INTEGER);
  if (typeof o.scenarioHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.scenarioHash)) r.fail('scenarioHash', 'is not a SHA-256 in hex');
  const sims = r.array(o.sims, 'sims', MAX_SIMS).map((v, s) => sim(r, v, s, generation));
  if (!sims.length) r.fail('sims', 'is empty');
  const step = sims[0].step;
  sims.forEach((s, i) => {
    if (s.step !== step) r.fail(`sims[${i}].step`, `is ${s.step}, not sim 0's ${step}: a batch advances together`);
  });
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    generation,
    scenarioHash: o.scenarioHash as string,
    meta: o.meta ?? null,
    phase: r.count(o.phase, 'phase'),
    stepInPhase: r.count(o.stepInPhase, 'stepInPhase'),
    wallSeconds: r.finite(o.wallSeconds, 'wallSeconds'),
    sims,
  };
}
