/**
 * A seeded fuzzer over every format raphe reads: scenario files, chronic protocols, sweep files, the raw
 * text of such files (encodings, repeated keys, torn text), sweep journal lines, estimate-cache entries,
 * shard records and the demo's URL. Each case is a valid input with one to three hostile mutations
 * (type swaps, NaN, ±Infinity, 1e308, -0, negatives, huge strings, control characters, prototype names,
 * deep nesting, missing, extra and renamed fields). The parsers run in process. A case passes when it is
 * accepted with every number finite and in its schema's range, or refused as the format refuses: a
 * ConfigError (one line, naming a field, bounded, no raw control character) or, for the files raphe
 * reads back, a dropped entry whose reason obeys the same rules. Never another exception, never a hang.
 * The seed is in the test name; RAPHE_FUZZ_SEED replays another.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { parseState } from '../demo/state.js';
import { parseEntry } from '../src/engines/cpu/estimate-cache.js';
import { CHRONIC_LIMITS, MAX_READOUTS } from '../src/model/chronic.js';
import { DRUG_NAMES, GENOTYPE_NAMES } from '../src/model/drugs.js';
import { ConfigError, ConfigErrors, MAX_FIELD_CHARS, MAX_PROBLEM_CHARS, quote } from '../src/model/errors.js';
import { parseJsonFile } from '../src/model/json-text.js';
import { PARAM_KEYS, PARAM_SPECS } from '../src/model/params.js';
import { LIMITS, MAX_NAME_CHARS, parseScenario, type Scenario } from '../src/model/scenario.js';
import { parseJournal } from '../src/sweep/journal.js';
import { checkShardRecord } from '../src/sweep/output.js';
import { pointCount, sweepPoints } from '../src/sweep/points.js';
import { parseSweep, type SweepSpec } from '../src/sweep/spec.js';
import { HOSTILE, generator, mutate, mutateText } from './helpers/fuzz.js';

const SEED = Number(process.env.RAPHE_FUZZ_SEED ?? 20261202);

// ---- what an accepted input must be ----

function finiteEverywhere(v: unknown, path = 'result', nanOk = false): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) && !(nanOk && Number.isNaN(v))) throw new Error(`${path} is ${v}`);
  } else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
    for (const [k, x] of Object.entries(v)) finiteEverywhere(x, `${path}.${k}`, nanOk);
  }
}

function within(what: string, x: number, lo: number, hi: number, integer = false): void {
  if (!(x >= lo && x <= hi) || (integer && !Number.isInteger(x))) throw new Error(`${what} ${x} outside [${lo}, ${hi}]`);
}

function checkScenario(sc: Scenario): void {
  finiteEverywhere(sc);
  within('neurons', sc.neurons, LIMITS.neurons.min, LIMITS.neurons.max, true);
  within('seed', sc.seed, LIMITS.seed.min, LIMITS.seed.max, true);
  within('sampleSteps', sc.recording.sampleSteps, LIMITS.sampleSteps.min, LIMITS.sampleSteps.max, true);
  if (!GENOTYPE_NAMES.includes(sc.genotype) || sc.name.length > MAX_NAME_CHARS) throw new Error(`bad genotype or name`);
  for (const k of PARAM_KEYS) within(k, sc.params[k], PARAM_SPECS[k].min, PARAM_SPECS[k].max, 'integer' in PARAM_SPECS[k]);
  if (Object.keys(sc.params).length !== PARAM_KEYS.length) throw new Error('params hold an extra key');
  if (sc.c0_nM !== undefined) within('c0_nM', sc.c0_nM, LIMITS.concentration_nM.min, LIMITS.concentration_nM.max);
  const doses = [...sc.phases.map((p) => p.doses), ...(sc.chronic ? [sc.chronic.doses] : [])];
  for (const p of sc.phases) within('durationS', p.durationS, 1e-9, LIMITS.durationS.max);
  for (const d of doses) {
    for (const [k, x] of Object.entries(d)) {
      if (!(DRUG_NAMES as string[]).includes(k)) throw new Error(`drug ${k}`);
      within(k, x, LIMITS.concentration_nM.min, LIMITS.concentration_nM.max);
    }
  }
  const c = sc.chronic;
  if (c) {
    within('days', c.days, 1e-12, CHRONIC_LIMITS.days.max);
    within('slowStepH', c.slowStepH, CHRONIC_LIMITS.slowStepH.min, Math.min(CHRONIC_LIMITS.slowStepH.max, c.days * 24));
    within('slowTolerance', c.slowTolerance, CHRONIC_LIMITS.slowTolerance.min, CHRONIC_LIMITS.slowTolerance.max);
    within('readouts', c.readoutDays.length, 1, MAX_READOUTS, true);
    c.readoutDays.forEach((d, i) => {
      within('readout day', d, i ? c.readoutDays[i - 1] + Number.MIN_VALUE : 0, c.days);
    });
  }
}

function checkSweep(s: SweepSpec): void {
  checkScenario(s.base);
  for (const a of s.axes) {
    for (const x of a.values) {
      if (a.kind === 'genotype') {
        if (!(GENOTYPE_NAMES as string[]).includes(x as string)) throw new Error(`genotype ${x}`);
      } else if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`axis ${a.name} value ${x}`);
      else if (a.kind === 'param') within(a.name, x, PARAM_SPECS[a.param!].min, PARAM_SPECS[a.param!].max);
      else if (a.kind === 'drug') within(a.name, x, 0, LIMITS.concentration_nM.max);
      else within('seed', x, LIMITS.seed.min, LIMITS.seed.max, true);
    }
  }
  if (pointCount(s) <= 64) for (const p of sweepPoints(s)) checkScenario(p.scenario);
}

// ---- what a refusal must be ----

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Longest refusal that lists no allowed names, and longest reason a read-back entry is dropped for. */
const MAX_PLAIN = 300;

function checkText(what: string, m: string, max: number): void {
  if (RAW_CONTROL.test(m)) throw new Error(`${what} holds a raw control character: ${quote(m, 200)}`);
  if (m.length > max) throw new Error(`${what} is ${m.length} characters: ${quote(m, 200)}`);
}

function checkRefusal(e: unknown, where: string): void {
  if (!(e instanceof ConfigError)) throw new Error(`threw ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}`);
  // several problems at once: each is a refusal of its own, and the whole still one line
  if (e instanceof ConfigErrors) checkText('message', e.message, MAX_FIELD_CHARS + 2 + MAX_PROBLEM_CHARS + 40);
  for (const x of e instanceof ConfigErrors ? e.errors : [e]) {
    if (!x.field.startsWith(where) && !x.field.startsWith('--scenario'))
      throw new Error(`names no field of ${where}: ${quote(x.message, 200)}`);
    if (x.field.length > MAX_FIELD_CHARS || x.problem.length > MAX_PROBLEM_CHARS) throw new Error('message past its bound');
    checkText('message', x.message, /allowed:/.test(x.problem) ? MAX_FIELD_CHARS + 2 + MAX_PROBLEM_CHARS : MAX_PLAIN);
  }
}

// ---- the classes ----

const tally = new Map<string, { cases: number; accepted: number; refused: number }>();
const failures: string[] = [];

function attempt(cls: string, i: number, input: unknown, run: () => 'accepted' | 'refused'): void {
  const t = tally.get(cls) ?? { cases: 0, accepted: 0, refused: 0 };
  tally.set(cls, t);
  t.cases++;
  try {
    t[run()]++;
  } catch (e) {
    if (failures.length < 20) failures.push(`${cls} #${i} (seed ${SEED}): ${(e as Error).message} <- ${quote(input, 300)}`);
  }
}

/** Parse with `parse`: accepted and checked, or refused with a ConfigError naming a field under `where`. */
function parsed<T>(where: string, parse: () => T, check: (v: T) => void): 'accepted' | 'refused' {
  let v: T;
  try {
    v = parse();
  } catch (e) {
    checkRefusal(e, where);
    return 'refused';
  }
  check(v);
  return 'accepted';
}

const readJson = (f: string) => JSON.parse(readFileSync(new URL(`../${f}`, import.meta.url), 'utf8'));
const SCENARIOS = ['examples/ssri-protocol.json', 'examples/ko-dpat.json'].map(readJson);
const CHRONIC = readJson('examples/chronic-fluoxetine.json');
const SWEEPS = readdirSync(new URL('../examples/sweeps/', import.meta.url)).map((f) => readJson(`examples/sweeps/${f}`));
const BUDGET = { memoryBytes: 2 ** 34, memoryName: 'the fuzz budget' };

const N = { scenario: 1500, chronic: 800, sweep: 400, text: 400, journal: 800, cache: 800, shard: 600, demo: 800 };

describe(`the seeded fuzzer (seed ${SEED}) over the formats raphe reads`, () => {
  beforeEach(() => {
    failures.length = 0;
  });
  afterAll(() => {
    const rows = [...tally].map(
      ([c, t]) => `${c.padEnd(16)} ${String(t.cases).padStart(6)} ${String(t.accepted).padStart(9)} ${String(t.refused).padStart(8)}`,
    );
    const total = [...tally.values()].reduce((a, t) => a + t.cases, 0);
    console.log(
      [`fuzz seed ${SEED}: class, cases, accepted, refused`, ...rows, `${'all'.padEnd(16)} ${String(total).padStart(6)}`].join('\n'),
    );
  });

  test('scenario files: each case accepted in range or refused with a ConfigError naming a field', () => {
    const r = generator(SEED);
    for (let i = 0; i < N.scenario; i++) {
      const v = mutate(r.pick(SCENARIOS), r);
      attempt('scenario', i, v, () => parsed('scenario', () => parseScenario(v, 'scenario', i % 4 ? {} : BUDGET), checkScenario));
    }
    expect(failures).toEqual([]);
  });

  test('chronic protocols: each case accepted in range or refused with a ConfigError naming a field', () => {
    const r = generator(SEED + 1);
    for (let i = 0; i < N.chronic; i++) {
      const v = mutate(CHRONIC, r, ['chronic']);
      attempt('chronic', i, v, () => parsed('scenario', () => parseScenario(v), checkScenario));
    }
    expect(failures).toEqual([]);
  });

  test("sweep files: each case accepted with every point's scenario in range, or refused naming a field", () => {
    const r = generator(SEED + 2);
    for (let i = 0; i < N.sweep; i++) {
      const v = mutate(r.pick(SWEEPS), r, r.next() < 0.5 ? ['axes'] : ['base']);
      attempt('sweep', i, v, () => parsed('sweep', () => parseSweep(v, 'sweep', { maxPoints: 200, ...BUDGET }), checkSweep));
    }
    expect(failures).toEqual([]);
  });

  test('the raw text of scenario and sweep files: encodings, repeated keys, cuts and nesting are refused or read in range', () => {
    const r = generator(SEED + 3);
    const files = [...SCENARIOS, CHRONIC, ...SWEEPS].map((v) => JSON.stringify(v, null, 2));
    for (let i = 0; i < N.text; i++) {
      const k = r.int(files.length);
      const bytes = mutateText(files[k], r);
      const sweep = k > SCENARIOS.length;
      attempt('file text', i, Buffer.from(bytes).toString('latin1'), () =>
        parsed(
          'f.json',
          () => {
            const v = parseJsonFile(bytes, '--scenario', 'f.json');
            return sweep ? parseSweep(v, 'f.json') : parseScenario(v, 'f.json');
          },
          (v) => (sweep ? checkSweep(v as SweepSpec) : checkScenario(v as Scenario)),
        ),
      );
    }
    expect(failures).toEqual([]);
  });

  test('journal lines: a bad line is dropped with a short one-line reason, a kept one is a point of the sweep in range', () => {
    const r = generator(SEED + 4);
    const spec = parseSweep(SWEEPS[0], 'sweep');
    const points = sweepPoints(spec);
    const valid = (id: number) => ({
      id,
      axes: points[id].axes,
      seed: points[id].scenario.seed,
      ...{ rateHz: 2.5, medianCvIsi: 0.3, probe5htNm: 12, s1A: 0.4, s2B: 0.1, settled: true },
      ...(spec.readout === 'protocol' ? { baselineRateHz: 2, baselineProbe5htNm: 10 } : {}),
      ...{ complete: true, wallSeconds: 1.5 },
    });
    for (let i = 0; i < N.journal; i++) {
      const lines = Array.from({ length: 1 + r.int(4) }, () => {
        const line = JSON.stringify(r.next() < 0.7 ? mutate(valid(r.int(points.length)), r) : valid(r.int(points.length)));
        if (r.next() > 0.2) return line;
        const at = r.int(line.length);
        return `${line.slice(0, at)}${r.pick(['NaN', '1e999', '-0', '\u0000', '"', '}', ''])}${line.slice(at + r.int(3))}`;
      });
      const text = lines.join('\n') + (r.next() < 0.9 ? '\n' : '');
      attempt('journal', i, text, () => {
        const j = parseJournal(text, points, spec.readout);
        for (const d of j.dropped) checkText('reason', d.why, MAX_PLAIN);
        for (const m of j.done.values()) {
          finiteEverywhere(m, 'measure', true);
          if (points[m.id]?.axes !== m.axes) throw new Error(`kept point ${m.id} with foreign axes`);
          for (const k of ['rateHz', 'medianCvIsi', 'probe5htNm', 'wallSeconds'] as const) if (m[k] < 0) throw new Error(`${k} ${m[k]}`);
          for (const k of ['s1A', 's2B'] as const) if (m[k] < 0 || m[k] > 1) throw new Error(`${k} ${m[k]}`);
        }
        return j.dropped.length ? 'refused' : 'accepted';
      });
    }
    expect(failures).toEqual([]);
  });

  test('estimate-cache entries: a bad entry reads as none, a kept one is a level and a rate in range', () => {
    const r = generator(SEED + 5);
    const key = 'f'.repeat(32);
    for (let i = 0; i < N.cache; i++) {
      const entry = { key, c0_nM: 12.5, rate_Hz: 1.25 };
      let text = JSON.stringify(r.next() < 0.8 ? mutate(entry, r) : entry);
      if (r.next() < 0.3) text = Buffer.from(mutateText(text, r)).toString('utf8');
      attempt('cache entry', i, text, () => {
        const e = parseEntry(text, key);
        if (e === null) return 'refused';
        if (Object.keys(e).join() !== 'c0_nM,rate_Hz') throw new Error('extra fields kept');
        within('c0_nM', e.c0_nM, 0, 1e6);
        within('rate_Hz', e.rate_Hz, 0, 1000);
        return 'accepted';
      });
    }
    expect(failures).toEqual([]);
  });

  test('shard records: a bad record is named with a short reason, a kept one holds whole numbers and short texts', () => {
    const r = generator(SEED + 6);
    const record = { sweep: 'dpat', shard: 1, shards: 3, points: [1, 4, 7], complete: true, engine: 'cpu', adapter: 'cpu', wallSeconds: 2 };
    for (let i = 0; i < N.shard; i++) {
      const v = mutate(record, r);
      attempt('shard record', i, v, () => {
        const s = checkShardRecord(v);
        if (typeof s === 'string') {
          checkText('reason', s, MAX_PLAIN);
          return 'refused';
        }
        finiteEverywhere(s);
        checkText('sweep', s.sweep, 500);
        checkText('adapter', s.adapter, 500);
        return 'accepted';
      });
    }
    expect(failures).toEqual([]);
  });

  test("the demo's URL: every number it takes is a finite decimal, the rest named as problems", () => {
    const r = generator(SEED + 7);
    const keys = [
      'neurons',
      'seed',
      'speed',
      'voxel',
      'tissues',
      'a1a',
      'bsert',
      'alink',
      'drugs',
      'adrugs',
      'engine',
      'protocol',
      '__proto__',
    ];
    const strings = HOSTILE.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
    for (let i = 0; i < N.demo; i++) {
      const q = new URLSearchParams();
      for (let n = 1 + r.int(4); n > 0; n--) {
        const k = r.pick(keys);
        q.append(k, k.endsWith('drugs') ? `${r.pick(DRUG_NAMES)}:${r.pick(strings)}` : r.pick(strings));
      }
      attempt('demo URL', i, q.toString(), () => {
        const { state, problems } = parseState(q);
        finiteEverywhere(state);
        for (const p of problems) if (/[\r\n]/.test(p)) throw new Error('a problem of two lines');
        return problems.length ? 'refused' : 'accepted';
      });
    }
    expect(failures).toEqual([]);
  });

  test('no case polluted the prototype of every object', () => {
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
