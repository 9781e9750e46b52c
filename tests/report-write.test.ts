import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../src/record/run-result.js';
import { findingsCsv, spikesCsv, tracesCsv } from '../src/report/csv.js';
import { formatFindingsTable, type FindingRow } from '../src/report/findings-table.js';
import { experimentReportHtml, runReportHtml } from '../src/report/html.js';
import { lineSvg, rasterSvg } from '../src/report/svg.js';
import { writeExperimentOutputs } from '../src/report/experiment-files.js';
import { summaryJson, writeRunOutputs } from '../src/report/run-files.js';
import { OutputExistsError } from '../src/report/write.js';

function fakeRun(overrides: Partial<RunResult['summary']> = {}): RunResult {
  const n = 5;
  const tS = Float64Array.from({ length: n }, (_, i) => (i + 1) * 0.1);
  return {
    name: 'fake',
    engine: { engine: 'cpu', adapter: 'cpu (test)' },
    summary: {
      engine: 'cpu',
      adapter: 'cpu (test)',
      neurons: 4,
      durationS: 0.5,
      genotype: 'wt',
      seed: 7,
      meanRateHz: 2.5,
      medianCvIsi: NaN,
      fractionRegular: 0.75,
      probe5htNm: 3.2,
      probeDriftLastQuarter: 0.01,
      settled: true,
      massBalanceRelError: 1e-7,
      c0Nm: 3,
      rate0Hz: 2,
      wallSeconds: 0.02,
      complete: true,
      ...overrides,
    },
    phases: [
      { name: 'baseline', startS: 0, endS: 0.25, doses: {} },
      { name: 'ssri', startS: 0.25, endS: 0.5, doses: { fluoxetine: 10 } },
    ],
    spikes: { cells: Uint32Array.from([0, 1, 3, 2, 0]), steps: Uint32Array.from([10, 20, 30, 3000, 4000]), dtFineS: 1e-4 },
    traces: {
      tS,
      rateHz: Float64Array.from([1, 2, NaN, 3, 2.5]),
      probeNm: Float64Array.from([3, 3.1, 3.2, 3.3, 3.2]),
      meanCNm: Float64Array.from([3, 3, 3, 3, 3]),
      s1A: Float64Array.from([0.1, 0.2, 0.3, 0.2, 0.1]),
      s2B: Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5]),
    },
    mass: { released: 100, uptaken: 60, cleared: 10, gridStart: 5, gridEnd: 35, relError: 0 },
  };
}

const FINDINGS: FindingRow[] = [
  { id: 'F1', condition: 'wt', measured: '2.5 Hz', expected: '1-3 Hz', pass: true },
  { id: 'F2', condition: 'htr2b-ko vs wt, "quoted"', measured: '-40 %', expected: '< -20 %', pass: false },
];

describe('CSV', () => {
  it('spikes: header and one row per spike in seconds', () => {
    const lines = spikesCsv(fakeRun()).trimEnd().split('\n');
    expect(lines[0]).toBe('cell,time_s');
    expect(lines.slice(1)).toEqual(['0,0.001', '1,0.002', '3,0.003', '2,0.3', '0,0.4']);
  });
  it('spikes: header only when not recorded', () => {
    expect(spikesCsv({ ...fakeRun(), spikes: null })).toBe('cell,time_s\n');
  });
  it('traces: header, one row per sample, NaN as empty cell', () => {
    const lines = tracesCsv(fakeRun()).trimEnd().split('\n');
    expect(lines[0]).toBe('time_s,rate_hz,probe_nm,mean_c_nm,s1a,s2b');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toBe('0.1,1,3,3,0.1,0.5');
    expect(lines[3]).toBe('0.3,,3.2,3,0.3,0.5');
    expect(tracesCsv(fakeRun())).not.toContain('NaN');
  });
  it('findings: quoted fields and pass column', () => {
    const lines = findingsCsv(FINDINGS).trimEnd().split('\n');
    expect(lines[0]).toBe('id,condition,measured,expected,pass');
    expect(lines[1]).toBe('F1,wt,2.5 Hz,1-3 Hz,true');
    expect(lines[2]).toBe('F2,"htr2b-ko vs wt, ""quoted""",-40 %,< -20 %,false');
  });
});

describe('findings table', () => {
  it('aligns columns and counts passes', () => {
    const t = formatFindingsTable(FINDINGS).split('\n');
    expect(t[0]).toMatch(/^id\s+\| condition\s+\| measured\s+\| expected\s+\| pass\/FAIL$/);
    expect(t).toHaveLength(5);
    expect(t[2]).toContain('| pass');
    expect(t[3]).toContain('| FAIL');
    // The column separators line up.
    expect(t[2]!.indexOf('|')).toBe(t[3]!.indexOf('|'));
    expect(t[0]!.lastIndexOf('|')).toBe(t[3]!.lastIndexOf('|'));
    expect(t[4]).toBe('1/2 findings pass');
    expect(formatFindingsTable([]).split('\n').pop()).toBe('0/0 findings pass');
  });
});

describe('SVG', () => {
  it('raster: one circle per spike for a small run, no NaN', () => {
    const svg = rasterSvg(fakeRun().spikes, { nCells: 4, tMax: 0.5 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).not.toContain('NaN');
  });
  it('raster: subsamples cells and points', () => {
    const N = 100_000;
    const cells = new Uint32Array(N);
    const steps = new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      cells[i] = i % 1000;
      steps[i] = i;
    }
    const svg = rasterSvg({ cells, steps, dtFineS: 1e-4 }, { maxCells: 300, maxPoints: 20000 });
    const n = svg.match(/<circle /g)?.length ?? 0;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(20000);
    // at most 300 distinct rows
    const rows = new Set([...svg.matchAll(/cy="([^"]+)"/g)].map((m) => m[1]));
    expect(rows.size).toBeLessThanOrEqual(300);
    expect(svg).not.toContain('NaN');
  });
  it('raster: empty and null data', () => {
    for (const s of [null, { cells: new Uint32Array(0), steps: new Uint32Array(0), dtFineS: 1e-4 }]) {
      const svg = rasterSvg(s, {});
      expect(svg).toContain('no data');
      expect(svg).not.toContain('NaN');
      expect(svg).not.toContain('<circle');
    }
  });
  it('lines: NaN, empty, constant, log axes, escaped text, shading', () => {
    const x = Float64Array.from([0, 1, 2, NaN, 4]);
    const y = Float64Array.from([1, NaN, 3, 4, Infinity]);
    const cases = [
      lineSvg(
        [
          { x, y, label: 'a<b', color: 'red' },
          { x, y: Float64Array.from([2, 2, 2, 2, 2]), label: 'c' },
        ],
        { title: 'T & "q"', xLabel: 'x', yLabel: 'y', shade: [{ x0: 1, x1: 2, label: 'drug <1>' }] },
      ),
      lineSvg([], { title: 'empty' }),
      lineSvg([{ x: new Float64Array([NaN]), y: new Float64Array([NaN]), label: 'nan' }], {}),
      lineSvg([{ x: Float64Array.from([1, 2, 3]), y: Float64Array.from([5, 5, 5]), label: 'flat' }], {}),
      lineSvg([{ x: Float64Array.from([0, 1, 10, 100]), y: Float64Array.from([0.1, 1, -1, 1000]), label: 'log' }], {
        logX: true,
        logY: true,
      }),
      lineSvg([{ x: Float64Array.from([1]), y: Float64Array.from([2]), label: 'one' }], { shade: [{ x0: NaN, x1: 3 }] }),
    ];
    for (const svg of cases) {
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.endsWith('</svg>')).toBe(true);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
    expect(cases[0]).toContain('T &amp; &quot;q&quot;');
    expect(cases[0]).toContain('a&lt;b');
    expect(cases[0]).toContain('drug &lt;1&gt;');
    expect(cases[0]).not.toContain('a<b');
    expect(cases[1]).toContain('no data');
    // Points isolated by NaN still show as dots.
    expect(cases[0]).toMatch(/M64 220h0\.01/);
    expect(cases[5]).toContain('h0.01');
    expect(cases[2]).toContain('no data');
  });
});

describe('HTML', () => {
  it('run report is self-contained and has no NaN', () => {
    const html = runReportHtml(fakeRun({ error: 'boom <x>', complete: false }), {
      findings: FINDINGS,
      extraSections: [{ title: 'extra', svg: '<svg></svg>' }],
    });
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|src="http|NaN/);
    expect(html).toContain('1/2 findings pass');
    expect(html).toContain('boom &lt;x&gt;');
    expect(html).toContain('fluoxetine 10 nM');
    expect(html.match(/<circle /g)).toHaveLength(5);
  });
  it('experiment report', () => {
    const html = experimentReportHtml(
      [
        { name: 'wt', result: fakeRun() },
        { name: 'ko', result: { ...fakeRun(), spikes: null } },
      ],
      FINDINGS,
      {
        title: 'belmer2018',
        engine: 'cpu',
        adapter: 'cpu (test)',
        neurons: 4,
        wallSeconds: 1.5,
      },
    );
    expect(html).not.toMatch(/<script|NaN/);
    expect(html).toContain('<h3>ko</h3>');
    expect(html).toContain('1/2 findings pass');
  });
});

describe('writeRunOutputs', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-report-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const snapshot = (dir: string): Record<string, string> =>
    Object.fromEntries(
      fs
        .readdirSync(dir)
        .sort()
        .map((n) => [n, fs.readFileSync(path.join(dir, n), 'utf8')]),
    );
  const noLeftovers = (): void => {
    expect(fs.readdirSync(root).filter((n) => n.includes('raphe-staging'))).toEqual([]);
  };

  it('writes every file into a new folder (nested parent created)', () => {
    const dir = path.join(root, 'a', 'out');
    const res = writeRunOutputs(dir, fakeRun(), { force: false, findings: FINDINGS });
    expect(fs.readdirSync(dir).sort()).toEqual([
      'findings.csv',
      'findings.json',
      'report.html',
      'spikes.csv',
      'summary.json',
      'traces.csv',
    ]);
    expect(res.files).toHaveLength(6);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.summary.meanRateHz).toBe(2.5);
    expect(summary.summary.medianCvIsi).toBeNull();
    expect(summary.phases).toHaveLength(2);
    expect(summary.mass.released).toBe(100);
    expect(fs.readFileSync(path.join(dir, 'spikes.csv'), 'utf8')).toBe(spikesCsv(fakeRun()));
    expect(fs.readFileSync(path.join(dir, 'traces.csv'), 'utf8')).toBe(tracesCsv(fakeRun()));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'findings.json'), 'utf8')).passed).toBe(1);
    expect(fs.readdirSync(path.join(root, 'a'))).toEqual(['out']);
  });

  it('summaryJson holds no typed arrays', () => {
    const s = summaryJson(fakeRun());
    const walk = (v: unknown): void => {
      expect(ArrayBuffer.isView(v)).toBe(false);
      if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    walk(s);
  });

  it('refuses an existing folder holding files raphe did not write (they would be lost), leaving it untouched', () => {
    const dir = path.join(root, 'out');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(() => writeRunOutputs(dir, fakeRun(), { force: true })).toThrow(/holds files raphe did not write \(notes\.txt\)/);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    noLeftovers();
  });

  it('writes into an existing empty folder', () => {
    const dir = path.join(root, 'out');
    fs.mkdirSync(dir);
    writeRunOutputs(dir, fakeRun(), { force: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['report.html', 'spikes.csv', 'summary.json', 'traces.csv']);
    noLeftovers();
  });

  it('refuses a folder with earlier results without --force and leaves it untouched', () => {
    const dir = path.join(root, 'out');
    writeRunOutputs(dir, fakeRun(), { force: false, findings: FINDINGS });
    const before = snapshot(dir);
    const run2 = fakeRun({ meanRateHz: 9 });
    expect(() => writeRunOutputs(dir, run2, { force: false })).toThrow(OutputExistsError);
    expect(() => writeRunOutputs(dir, run2, { force: false })).toThrow(`--out ${dir}: holds earlier results; use --force to overwrite`);
    expect(snapshot(dir)).toEqual(before);
    noLeftovers();
    // A single earlier file is enough to refuse.
    const dir2 = path.join(root, 'out2');
    fs.mkdirSync(dir2);
    fs.writeFileSync(path.join(dir2, 'traces.csv'), 'old');
    expect(() => writeRunOutputs(dir2, run2, { force: false })).toThrow(OutputExistsError);
    expect(snapshot(dir2)).toEqual({ 'traces.csv': 'old' });
  });

  it('--force overwrites, and removes stale raphe files from the earlier run', () => {
    const dir = path.join(root, 'out');
    writeRunOutputs(dir, fakeRun(), { force: false, findings: FINDINGS });
    writeRunOutputs(dir, fakeRun({ meanRateHz: 9 }), { force: true });
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.summary.meanRateHz).toBe(9);
    expect(fs.readdirSync(dir).sort()).toEqual(['report.html', 'spikes.csv', 'summary.json', 'traces.csv']);
    noLeftovers();
  });

  it('the folder and its files get the modes the umask gives, new or replaced, so colleagues can read them', () => {
    const mode = (p: string): number => fs.statSync(p).mode & 0o777;
    const was = process.umask(0o022);
    try {
      for (const [mask, dirMode, fileMode] of [
        [0o022, 0o755, 0o644],
        [0o027, 0o750, 0o640],
      ]) {
        process.umask(mask);
        const dir = path.join(root, `umask-${mask.toString(8)}`, 'out');
        writeRunOutputs(dir, fakeRun(), { force: false });
        expect(mode(dir)).toBe(dirMode);
        expect(mode(path.dirname(dir))).toBe(dirMode);
        expect(mode(path.join(dir, 'summary.json'))).toBe(fileMode);
        expect(mode(path.join(dir, 'traces.csv'))).toBe(fileMode);
        writeRunOutputs(dir, fakeRun({ meanRateHz: 9 }), { force: true });
        expect(mode(dir)).toBe(dirMode);
      }
    } finally {
      process.umask(was);
    }
  });

  it('a serialization failure writes nothing (new folder and existing results)', () => {
    const bad = fakeRun();
    Object.defineProperty(bad.summary, 'meanRateHz', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const fresh = path.join(root, 'fresh');
    expect(() => writeRunOutputs(fresh, bad, { force: false })).toThrow('boom');
    expect(fs.existsSync(fresh)).toBe(false);
    noLeftovers();

    const dir = path.join(root, 'out');
    writeRunOutputs(dir, fakeRun(), { force: false, findings: FINDINGS });
    const before = snapshot(dir);
    expect(() => writeRunOutputs(dir, bad, { force: true })).toThrow('boom');
    expect(snapshot(dir)).toEqual(before);
    noLeftovers();
  });

  it('a failure while streaming a CSV writes nothing', () => {
    const bad = fakeRun();
    // A spikes object whose cells throw when read: fails inside the staged CSV write.
    bad.spikes = {
      cells: new Proxy(Uint32Array.from([1, 2, 3]), {
        get(t, k) {
          if (k === '0') throw new Error('bad cell');
          return Reflect.get(t, k);
        },
      }),
      steps: Uint32Array.from([1, 2, 3]),
      dtFineS: 1e-4,
    };
    const dir = path.join(root, 'out');
    writeRunOutputs(dir, fakeRun(), { force: false });
    const before = snapshot(dir);
    expect(() => writeRunOutputs(dir, bad, { force: true })).toThrow('bad cell');
    expect(snapshot(dir)).toEqual(before);
    noLeftovers();
  });

  it('a failure midway through the replacement rolls back to the earlier results', () => {
    const dir = path.join(root, 'out');
    writeRunOutputs(dir, fakeRun(), { force: false, findings: FINDINGS });
    const before = snapshot(dir);
    // fail with the old folder renamed aside and the new one not yet in
    const onStep = (step: string): void => {
      if (step === 'aside') throw new Error('disk full');
    };
    expect(() => writeRunOutputs(dir, fakeRun({ meanRateHz: 9 }), { force: true, onStep })).toThrow('disk full');
    expect(snapshot(dir)).toEqual(before);
    noLeftovers();

    // Same for a new folder: failing after staging leaves no folder behind.
    const fresh = path.join(root, 'fresh');
    expect(() =>
      writeRunOutputs(fresh, fakeRun(), {
        force: false,
        onStep: (s) => {
          if (s === 'staged') throw new Error('late');
        },
      }),
    ).toThrow('late');
    expect(fs.existsSync(fresh)).toBe(false);
    noLeftovers();
  });

  it("parents a failed write created are removed only while empty: another run's output in one stays", () => {
    const shared = path.join(root, 'made', 'by', 'two');
    const other = path.join(shared, 'other');
    const late = (s: string) => {
      if (s !== 'staged') return;
      writeRunOutputs(other, fakeRun(), { force: false }); // another run, started beside this one
      throw new Error('late');
    };
    expect(() => writeRunOutputs(path.join(shared, 'mine'), fakeRun(), { force: false, onStep: late })).toThrow('late');
    expect(fs.existsSync(path.join(other, 'summary.json'))).toBe(true);
    expect(fs.readdirSync(shared)).toEqual(['other']);
  });

  it('refuses a path that is a file', () => {
    const f = path.join(root, 'file');
    fs.writeFileSync(f, 'x');
    expect(() => writeRunOutputs(f, fakeRun(), { force: true })).toThrow(/not a folder/);
    expect(fs.readFileSync(f, 'utf8')).toBe('x');
  });
});

describe('writeExperimentOutputs', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-report-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const meta = { title: 'belmer2018', engine: 'cpu', adapter: 'cpu (test)', neurons: 4, wallSeconds: 1 };

  it('writes the four files, refuses a second time, --force overwrites', () => {
    const dir = path.join(root, 'exp');
    const conds = [
      { name: 'wt', result: fakeRun() },
      { name: 'ko', result: fakeRun({ genotype: 'htr2b-ko' }) },
    ];
    writeExperimentOutputs(dir, conds, FINDINGS, meta, { force: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['conditions.json', 'findings.csv', 'findings.json', 'report.html']);
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'conditions.json'), 'utf8'));
    expect(c.map((x: { condition: string }) => x.condition)).toEqual(['wt', 'ko']);
    expect(c[1].summary.genotype).toBe('htr2b-ko');
    const before = Object.fromEntries(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n), 'utf8')]));
    expect(() => writeExperimentOutputs(dir, conds, [], meta, { force: false })).toThrow(OutputExistsError);
    expect(Object.fromEntries(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n), 'utf8')]))).toEqual(before);
    writeExperimentOutputs(dir, conds, [], meta, { force: true });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'findings.json'), 'utf8')).total).toBe(0);
    // A run folder is also "earlier results" for an experiment.
    const runDir = path.join(root, 'run');
    writeRunOutputs(runDir, fakeRun(), { force: false });
    expect(() => writeExperimentOutputs(runDir, conds, FINDINGS, meta, { force: false })).toThrow(OutputExistsError);
  });
});
