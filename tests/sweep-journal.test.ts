/**
 * The sweep journal read back as untrusted input: each kind of line that parses but is not a point of
 * the sweep is dropped and named with its line; a torn last line is recognised and cut away; a failed
 * append names the file. And the library's runSweep resumes a sweep as the CLI does, with no CLI.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { OutputWriteError } from '../src/report/write.js';
import { JOURNAL, TORN, appendMeasure, cutTornLine, jsonLine, parseJournal, readJournal } from '../src/sweep/journal.js';
import { sweepPoints } from '../src/sweep/points.js';
import { runSweep } from '../src/sweep/run-sweep.js';
import type { PointMeasure } from '../src/sweep/run.js';
import { parseSweep } from '../src/sweep/spec.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-journal-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const small = { regionX_um: 300, regionY_um: 240, regionZ_um: 200 };
const RAW = {
  name: 'j',
  base: { neurons: 120, seed: 4, c0_nM: 25, duration: 0.2, params: small },
  axes: [{ axis: 'fluoxetine', values: [10] }],
};
const spec = parseSweep(RAW);
const points = sweepPoints(spec);

/** A well-formed measure of point `id`, as a sweep journals it. */
function measure(id: number): PointMeasure {
  const p = points[id];
  return {
    id,
    axes: p.axes,
    seed: p.scenario.seed,
    rateHz: 1.3,
    medianCvIsi: Number.NaN,
    probe5htNm: 31,
    s1A: 0.4,
    s2B: 0.1,
    settled: true,
    complete: true,
    wallSeconds: 0.5,
  };
}

const line = (o: unknown) => `${typeof o === 'string' ? o : JSON.stringify(o)}\n`;
const edited = (id: number, f: (o: Record<string, unknown>) => void) => {
  const o = JSON.parse(jsonLine(measure(id)));
  f(o);
  return o;
};

describe('a journal line is a point of this sweep, or it is dropped and named', () => {
  test('good lines are read with null as NaN, in file order; an incomplete point is left to run again', () => {
    const text = line(jsonLine(measure(1))) + line(jsonLine({ ...measure(0), complete: false, error: 'lost device' }));
    const j = parseJournal(text, points, spec.readout);
    expect(j.dropped).toEqual([]);
    expect([...j.done.keys()]).toEqual([1]);
    expect(j.done.get(1)!.medianCvIsi).toBeNaN();
    expect(j.lines.get(1)).toBe(jsonLine(measure(1)));
    expect(j.completeBytes).toBe(j.bytes);
  });

  const BAD: [string, unknown, RegExp][] = [
    ['not JSON', '{"id":0,', /^not JSON$/],
    ['a list', [1, 2], /^not a point record/],
    ['a text rate', edited(0, (o) => (o.rateHz = 'abc')), /^rateHz must be a number or null, got "abc"$/],
    ['a negative probe', edited(0, (o) => (o.probe5htNm = -5)), /^probe5htNm must be >= 0, got -5$/],
    ['an activation over 1', edited(0, (o) => (o.s2B = 1.5)), /^s2B must be >= 0 and <= 1, got 1.5$/],
    ['a missing field', edited(0, (o) => delete o.s1A), /^s1A is missing$/],
    ['an unknown field', edited(0, (o) => (o.__proto__x = 1)), /^unknown field "__proto__x"$/],
    ['a fractional id', edited(0, (o) => (o.id = 0.5)), /^id must be an integer$/],
    ['an id of no point', edited(0, (o) => (o.id = 7)), /^id 7 is not a point of this sweep$/],
    ['the axes of another point', edited(0, (o) => (o.axes = points[1].axes)), /^its axes are not those of point 0$/],
    ['another seed', edited(0, (o) => (o.seed = 99)), /^its seed is not that of point 0$/],
    ['settled as text', edited(0, (o) => (o.settled = 'yes')), /^settled must be true or false/],
    ['a baseline in a steady sweep', edited(0, (o) => (o.baselineRateHz = 1)), /^baselineRateHz belongs to a protocol readout$/],
    ['no wall time', edited(0, (o) => (o.wallSeconds = null)), /^wallSeconds must be a number, got null$/],
  ];
  for (const [label, bad, re] of BAD) {
    test(`${label}: dropped, named by its line`, () => {
      const j = parseJournal(line(jsonLine(measure(1))) + line(bad), points, spec.readout);
      expect(j.dropped).toHaveLength(1);
      expect(j.dropped[0].line).toBe(2);
      expect(j.dropped[0].why).toMatch(re);
      expect([...j.done.keys()]).toEqual([1]);
    });
  }

  test('a point given twice: the first is used, the second named', () => {
    const j = parseJournal(line(jsonLine(measure(0))) + line(jsonLine({ ...measure(0), rateHz: 9 })), points, spec.readout);
    expect(j.done.get(0)!.rateHz).toBe(1.3);
    expect(j.dropped).toEqual([{ line: 2, why: 'point 0 again (the first is used)' }]);
  });

  test('a protocol sweep needs its baseline readouts', () => {
    const ps = parseSweep({
      ...RAW,
      base: { ...RAW.base, duration: undefined, protocol: [{ durationS: 0.2 }, { durationS: 0.2 }] },
    });
    const pp = sweepPoints(ps);
    const m = { ...measure(0), seed: pp[0].scenario.seed };
    const j = parseJournal(
      line(jsonLine(m)) + line(jsonLine({ ...m, id: 1, axes: pp[1].axes, baselineRateHz: 1, baselineProbe5htNm: 20 })),
      pp,
      ps.readout,
    );
    expect(j.dropped).toEqual([{ line: 1, why: 'baselineRateHz is missing' }]);
    expect([...j.done.keys()]).toEqual([1]);
  });
});

describe('a torn last line and failed writes', () => {
  test('a last line without its newline is torn: dropped, and cut away before the next append', () => {
    const file = path.join(tmp, 'torn.jsonl');
    const good = line(jsonLine(measure(0)));
    fs.writeFileSync(file, good + jsonLine(measure(1)).slice(0, 30));
    const j = readJournal(file, points, spec.readout);
    expect(j.dropped).toEqual([{ line: 2, why: TORN }]);
    expect(j.completeBytes).toBe(Buffer.byteLength(good));
    cutTornLine(file, j);
    appendMeasure(file, measure(1));
    const again = readJournal(file, points, spec.readout);
    expect(again.dropped).toEqual([]);
    expect([...again.done.keys()]).toEqual([0, 1]);
  });

  test('an append that fails names the file', () => {
    const file = path.join(tmp, 'no-such-folder', JOURNAL);
    expect(() => appendMeasure(file, measure(0))).toThrow(OutputWriteError);
    expect(() => appendMeasure(file, measure(0))).toThrow(new RegExp(`cannot append to ${file}: ENOENT`));
  });
});

describe('the library resumes a sweep', () => {
  test('runSweep into a folder, its journal torn, runSweep --resume: the torn point alone runs again, the same table', async () => {
    const plan = { spec, identity: { sweep: RAW, neurons: null, seed: null }, where: 'j.json' };
    const out = path.join(tmp, 'lib');
    const engine = await resolveEngine('cpu');
    const first = await runSweep(plan, engine, { out });
    expect(first.ranNow).toBe(2);
    expect(first.files).toContain('table.csv');
    const table = fs.readFileSync(path.join(out, 'table.csv'), 'utf8');
    const lines = fs.readFileSync(path.join(out, JOURNAL), 'utf8').split('\n');
    fs.writeFileSync(path.join(out, JOURNAL), `${lines[0]}\n${lines[1].slice(0, 25)}`);
    const warned: string[] = [];
    const jobs: { cells: number; sims: number }[] = [];
    const again = await runSweep(
      plan,
      async (job) => {
        jobs.push(job);
        return engine;
      },
      { out, resume: true, warn: (l) => warned.push(l) },
    );
    expect(again.ranNow).toBe(1);
    expect(jobs).toEqual([{ cells: 120, sims: 1 }]);
    expect(warned).toEqual([`raphe: ${path.join(out, JOURNAL)} line 2: ${TORN}; the point is run again`]);
    expect(fs.readFileSync(path.join(out, 'table.csv'), 'utf8')).toBe(table);
    expect(fs.readFileSync(path.join(out, JOURNAL), 'utf8').trim().split('\n')).toHaveLength(2);
  }, 120_000);
});
