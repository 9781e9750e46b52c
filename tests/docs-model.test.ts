/**
 * docs/model.md stands alone and cannot drift from the code: its generated tables are exactly what
 * src/model/doc-tables.ts produces from the model's tables now (`npm run docs` rewrites them), every
 * section that a source comment cites exists, and it sends no reader outside the repository. The
 * README's findings table is generated the same way.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { blockNames, fillGeneratedBlocks, generatedBlocks, readmeBlocks } from '../src/model/doc-tables.js';
import { DRUG_NAMES, GENOTYPE_NAMES } from '../src/model/drugs.js';
import { PARAM_KEYS } from '../src/model/params.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/model.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function block(name: string, doc = DOC): string {
  const m = doc.match(new RegExp(`<!-- generated:${name} -->\\n([\\s\\S]*?)\\n<!-- /generated:${name} -->`));
  return m ? m[1] : '';
}

/** The names in the first column of a generated table, below its header. */
function firstColumn(name: string): (string | undefined)[] {
  return block(name)
    .split('\n')
    .slice(2)
    .map((r) => r.match(/^\| `([^`]+)`/)?.[1]);
}

describe('docs/model.md, generated tables', () => {
  const blocks = generatedBlocks();

  test('holds every generated block exactly once', () => {
    const names = blockNames(DOC);
    expect([...names].sort()).toEqual(Object.keys(blocks).sort());
  });

  test.each(Object.keys(blocks))('block "%s" is what the generator writes from the code now (run `npm run docs`)', (name) => {
    expect(block(name)).toBe(blocks[name]);
  });

  test('rewriting the generated blocks leaves the document unchanged', () => {
    expect(fillGeneratedBlocks(DOC)).toBe(DOC);
  });

  test('the parameter table has one row per parameter of PARAM_SPECS, in schema order', () => {
    expect(firstColumn('params')).toEqual(PARAM_KEYS);
  });

  test('the drug and genotype tables list every drug and every genotype, in the order of the code', () => {
    expect(firstColumn('drugs')).toEqual(DRUG_NAMES);
    expect(firstColumn('genotypes')).toEqual(GENOTYPE_NAMES);
  });

  test('the findings table lists F1 to F7', () => {
    expect(block('findings').match(/^\| F\d /gm)).toEqual(['| F1 ', '| F2 ', '| F3 ', '| F4 ', '| F5 ', '| F6 ', '| F7 ']);
  });

  test('the chronic findings table lists C1 to C4', () => {
    expect(block('chronic-findings').match(/^\| C\d /gm)).toEqual(['| C1 ', '| C2 ', '| C3 ', '| C4 ']);
  });
});

describe('README.md, generated tables', () => {
  const blocks = readmeBlocks();

  test('holds the findings table once, and no block without a generator', () => {
    const names = blockNames(README);
    expect(names.filter((n) => n === 'findings-bands')).toEqual(['findings-bands']);
    for (const n of names) expect(Object.keys(blocks), n).toContain(n);
  });

  test.each(blockNames(README))('block "%s" is what the generator writes from the code now (run `npm run docs`)', (name) => {
    expect(block(name, README)).toBe(blocks[name]);
  });

  test('rewriting the generated blocks leaves the README unchanged', () => {
    expect(fillGeneratedBlocks(README, blocks)).toBe(README);
  });

  test('the findings table lists F1 to F7', () => {
    expect(block('findings-bands', README).match(/^\| F\d /gm)).toEqual(['| F1 ', '| F2 ', '| F3 ', '| F4 ', '| F5 ', '| F6 ', '| F7 ']);
  });
});

describe('docs/chronic.md, generated tables', () => {
  const CHRONIC = readFileSync(join(ROOT, 'docs/chronic.md'), 'utf8');

  test('holds the chronic findings table, generated from the data (run `npm run docs`)', () => {
    expect(blockNames(CHRONIC)).toEqual(['chronic-bands']);
    expect(fillGeneratedBlocks(CHRONIC, readmeBlocks())).toBe(CHRONIC);
    expect(block('chronic-bands', CHRONIC).match(/^\| C\d /gm)).toEqual(['| C1 ', '| C2 ', '| C3 ', '| C4 ']);
  });
});

describe('docs/model.md stands alone', () => {
  test('it does not send readers to ../shared', () => {
    expect(DOC).not.toContain('../shared');
  });

  test('it has the sections §1 to §6 in order, as the source comments cite them', () => {
    const heads = [...DOC.matchAll(/^## §(\d+) /gm)].map((m) => Number(m[1]));
    expect(heads.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('every section a source comment cites ("MODEL.md §N" or "docs/model.md §N") exists', () => {
    const heads = new Set([...DOC.matchAll(/^## §(\d+) /gm)].map((m) => Number(m[1])));
    const cited = new Set<number>();
    for (const file of sourceFiles()) {
      for (const m of readFileSync(file, 'utf8').matchAll(/model\.md §(\d+)(?:-§?(\d+))?/gi)) {
        const a = Number(m[1]);
        const b = m[2] ? Number(m[2]) : a;
        for (let s = a; s <= b; s++) cited.add(s);
      }
    }
    expect(cited.size).toBeGreaterThan(0);
    for (const s of cited) expect(heads.has(s), `§${s}`).toBe(true);
  });
});

describe('src/model/doc-tables.ts', () => {
  test('imports nothing outside src/model/ and src/rng/, directly or through what it imports', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = m[1];
        expect(spec.startsWith('.'), `${relative(ROOT, file)} imports ${spec}`).toBe(true);
        visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(ROOT, 'src/model/doc-tables.ts'));
    for (const f of seen) expect(relative(ROOT, f)).toMatch(/^src\/(model|rng)\//);
  });
});

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mjs|wgsl)$/.test(name)) out.push(p);
    }
  };
  for (const d of ['src', 'shaders', 'tests', 'bench', 'demo', 'scripts']) walk(join(ROOT, d));
  return out;
}
