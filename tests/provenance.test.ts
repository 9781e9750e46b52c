/**
 * Every --out folder says how its results were made: provenance.json (version, commit, engine, seed,
 * command line), scenario.json (the scenario as given and fully resolved), the same in summary.json and
 * in report.html with the parameters that differ from the defaults (a run's and a sweep's, whose
 * sweep.json carries it and whose scenario.json holds the sweep file); `raphe --version`; a chronic
 * scenario written by `raphe run --out`; a sweep refused before any work when WebGPU cannot hold its tissue.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../package.json';
import { refuseUnfitSweep } from '../src/cli/sweep.js';
import { CHRONIC_DEFAULTS } from '../src/model/chronic.js';
import { parseScenario } from '../src/model/scenario.js';
import { parseSweep } from '../src/sweep/spec.js';
import { ROOT, runRaphe } from './helpers/cli.js';

/** A small tissue (200 cells, a 300 x 240 x 200 µm region) so each run takes a second or two. */
const SMALL = { regionX_um: 300, regionY_um: 240, regionZ_um: 200, probeRadius_um: 60 };

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-provenance-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const read = (...p: string[]) => fs.readFileSync(path.join(tmp, ...p), 'utf8');
const readJson = (...p: string[]) => JSON.parse(read(...p));
const writeJson = (name: string, v: unknown) => {
  fs.writeFileSync(path.join(tmp, name), JSON.stringify(v));
  return name;
};

/** The commit of this checkout, or undefined (then raphe records none either). */
function checkoutCommit(): string | undefined {
  try {
    return execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

describe('raphe run --out with parameters other than the defaults', () => {
  const scenario = {
    name: 'low-sert',
    neurons: 200,
    seed: 7,
    protocol: [{ name: 'baseline', durationS: 0.2 }],
    params: { ...SMALL, sertExpression: 0.5, htr1aExpression: 1.5, voxel_um: 40 },
    recording: { sampleSteps: 2 },
  };
  let args: string[];
  beforeAll(async () => {
    const file = writeJson('low-sert.json', scenario);
    args = ['run', '--scenario', file, '--engine', 'cpu', '--out', 'low-sert', '--no-nwb'];
    const r = await runRaphe(tmp, args);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('writes scenario.json: the file as given, and resolved with every parameter (it parses back to the same scenario)', () => {
    const s = readJson('low-sert', 'scenario.json');
    expect(s.given.scenarioFile).toEqual({ path: 'low-sert.json', content: scenario });
    expect(s.given.flags.engine).toBe('cpu');
    expect(s.resolved.params).toMatchObject({ sertExpression: 0.5, htr1aExpression: 1.5, voxel_um: 40, C_pF: 87.6 });
    expect(Object.keys(s.resolved.params).length).toBeGreaterThan(40);
    const again = parseScenario(s.resolved, 'resolved');
    expect(again).toEqual(parseScenario(scenario, 'given'));
  });

  it('writes provenance.json: version, commit of a checkout, engine, seed, the command line as typed', () => {
    const p = readJson('low-sert', 'provenance.json');
    expect(p.raphe.version).toBe(pkg.version);
    expect(p.raphe.commit).toBe(checkoutCommit());
    expect(p.engine).toBe('cpu');
    expect(p.adapter).toBeTypeOf('string');
    expect(p.engineReason).toBe('asked for (--engine cpu)');
    expect(p.seed).toBe(7);
    expect(p.command).toEqual(['raphe', ...args]);
    expect(p.node).toBe(process.version);
    expect(Date.parse(p.date)).not.toBeNaN();
  });

  it('summary.json carries the same provenance', () => {
    expect(readJson('low-sert', 'summary.json').provenance).toEqual(readJson('low-sert', 'provenance.json'));
  });

  it('report.html lists the provenance and exactly the parameters that differ from the defaults, with units', () => {
    const html = read('low-sert', 'report.html');
    expect(html).toContain('<h2>Provenance</h2>');
    const table = /<table class="params">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    const rows = [
      ...table.matchAll(/<tr><td>([^<]+)<\/td><td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td><td>([^<]*)<\/td>/g),
    ].map((m) => m.slice(1, 5));
    expect(rows).toEqual([
      ['htr1aExpression', '1.5', '1', '1'],
      ['sertExpression', '0.5', '1', '1'],
      ['voxel_um', '40', '20', 'µm'],
      ['regionX_um', '300', '1000', 'µm'],
      ['regionY_um', '240', '800', 'µm'],
      ['regionZ_um', '200', '600', 'µm'],
      ['probeRadius_um', '60', '120', 'µm'],
    ]);
  });
});

describe('raphe sweep --out with a base other than the defaults', () => {
  const sweep = {
    name: 'sert-fluox',
    base: { neurons: 200, seed: 5, duration: 0.2, params: { ...SMALL, sertExpression: 0.5 } },
    axes: [{ axis: 'fluoxetine', values: [0, 10] }],
    readout: 'steady',
  };
  let args: string[];
  beforeAll(async () => {
    const file = writeJson('sert-fluox.json', sweep);
    args = ['sweep', file, '--engine', 'cpu', '--threads', '1', '--out', 'sweep-out'];
    const r = await runRaphe(tmp, args);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('writes provenance.json (version, commit, engine, seed, command line) and sweep.json carries it', () => {
    const p = readJson('sweep-out', 'provenance.json');
    expect(p.raphe.version).toBe(pkg.version);
    const commit = checkoutCommit();
    if (commit) expect(p.raphe.commit).toBe(commit);
    expect(p.engine).toBe('cpu');
    expect(p.adapter).toMatch(/WebAssembly/);
    expect(p.engineReason).toMatch(/cpu/);
    expect(p.seed).toBe(5);
    expect(p.command).toEqual(['raphe', ...args]);
    expect(readJson('sweep-out', 'sweep.json').provenance).toEqual(p);
    const s = readJson('sweep-out', 'scenario.json');
    expect(s.given.sweepFile).toEqual({ path: 'sert-fluox.json', content: sweep });
    expect(s.resolved.base.params).toMatchObject({ sertExpression: 0.5, regionX_um: 300 });
  });

  it('report.html lists the provenance and the base parameters that differ from the defaults', () => {
    const html = read('sweep-out', 'report.html');
    expect(html).toContain('<h2>Provenance</h2>');
    const section = html.slice(html.indexOf('<h2>Provenance</h2>'));
    expect(section).toContain(`<th>raphe</th><td>${pkg.version}`);
    expect(section).toMatch(/<th>engine<\/th><td>cpu \(WebAssembly/);
    expect(section).toContain('<th>seed</th><td>5</td>');
    expect(section).toContain(`<th>command</th><td>raphe ${args.join(' ')}</td>`);
    expect(section).toContain('each axis sets its own parameter');
    const table = /<table class="params">(.*?)<\/table>/s.exec(section)?.[1] ?? '';
    const rows = [...table.matchAll(/<tr><td>([^<]+)<\/td><td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td>/g)].map((m) =>
      m.slice(1, 4),
    );
    expect(rows).toEqual([
      ['sertExpression', '0.5', '1'],
      ['regionX_um', '300', '1000'],
      ['regionY_um', '240', '800'],
      ['regionZ_um', '200', '600'],
      ['probeRadius_um', '60', '120'],
    ]);
  });
});

describe('raphe --version', () => {
  it('prints the version and, in a checkout, the short commit', async () => {
    const r = await runRaphe(tmp, ['--version']);
    expect(r.code).toBe(0);
    const commit = checkoutCommit();
    expect(r.stdout).toBe(`raphe ${pkg.version}${commit ? ` (commit ${commit.slice(0, 7)})` : ''}\n`);
    expect((await runRaphe(tmp, ['-v'])).stdout).toBe(r.stdout);
  });
});

describe('raphe run --out with a chronic scenario', () => {
  it('writes the chronic files with its provenance (no C findings: they are the experiment’s)', async () => {
    const chronic = { drugs: { fluoxetine: 10 }, days: 1, slowStepH: 24, readoutDays: [0, 1], settleS: 0.1, windowS: 0.1 };
    const file = writeJson('chronic.json', { name: 'two-days', neurons: 200, seed: 3, params: SMALL, chronic });
    const r = await runRaphe(tmp, ['run', '--scenario', file, '--engine', 'cpu', '--out', 'chronic-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^report: chronic-run\/report.html$/m);
    expect(fs.readdirSync(path.join(tmp, 'chronic-run')).sort()).toEqual([
      'chronic.json',
      'provenance.json',
      'report.html',
      'scenario.json',
      'trajectory.csv',
    ]);
    const summary = readJson('chronic-run', 'chronic.json');
    expect(summary.scenario).toBe('two-days');
    expect(summary.days.map((d: { day: number }) => d.day)).toEqual([0, 1]);
    expect(summary.provenance).toEqual(readJson('chronic-run', 'provenance.json'));
    // resolved: every field written out, the defaults of those the file left out (slowTolerance) included
    expect(readJson('chronic-run', 'scenario.json').resolved.chronic).toEqual({
      ...chronic,
      drugs: { fluoxetine: 10 },
      slowTolerance: CHRONIC_DEFAULTS.slowTolerance,
    });
    const html = read('chronic-run', 'report.html');
    expect(html).toContain('fluoxetine 10 nM (92.6% SERT) held for 1 days');
    expect(html).not.toContain('Chronic findings');
    expect(html).toMatch(/<td>regionX_um<\/td><td class="num">300<\/td>/);
  }, 120_000);
});

describe('a sweep WebGPU cannot hold is refused before any work', () => {
  /** An adapter that holds grids of at most `maxVoxels` voxels. */
  const fakeGpu = (maxVoxels: number) => ({
    kind: 'webgpu' as const,
    adapter: 'fake',
    maxBatch: (m: { geometry: { nx: number; ny: number; nz: number } }) =>
      m.geometry.nx * m.geometry.ny * m.geometry.nz <= maxVoxels ? 4 : 0,
  });
  const sweep = (values: number[]) =>
    parseSweep({ name: 'voxels', base: { neurons: 200, duration: 1, params: SMALL }, axes: [{ axis: 'voxel_um', values }] }, 'test');

  it('checks the base and every value of an axis that shapes the tissue', () => {
    const gpu = fakeGpu(15 * 12 * 10); // the base's 20 µm grid and coarser fit; 10 µm does not
    expect(() => refuseUnfitSweep(gpu as never, sweep([20, 40]))).not.toThrow();
    expect(() => refuseUnfitSweep(gpu as never, sweep([20, 10]))).toThrow(
      /does not fit fake's buffer limits; use fewer cells or --engine cpu/,
    );
  });

  it('lets the CPU engine run any size', () => {
    expect(() => refuseUnfitSweep({ ...fakeGpu(0), kind: 'cpu' } as never, sweep([10]))).not.toThrow();
  });
});
