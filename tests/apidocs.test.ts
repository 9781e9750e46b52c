/**
 * `npm run apidocs`: TypeDoc (typedoc.json) makes the API reference of both entries, `raphe` (src/index.ts)
 * and `raphe/browser` (src/browser.ts), from the declarations and their comments, with docs/library.md as
 * its first page, and warns of nothing: every type a public signature names is exported (src/lib/public-types.ts)
 * or listed as internal in typedoc.json. Written to a temporary folder here (build/api/ by default).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from './helpers/cli.js';

let out = '';
let run: ReturnType<typeof spawnSync>;

beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-apidocs-'));
  run = spawnSync('npm', ['run', '--silent', 'apidocs', '--', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
}, 180_000);

afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

const page = (...p: string[]) => fs.readFileSync(path.join(out, ...p), 'utf8');

describe('npm run apidocs', () => {
  test('runs without an error or a warning (typedoc is a devDependency: npm install first)', () => {
    const said = `${run.stdout}${run.stderr}`;
    expect(run.status, said).toBe(0);
    expect(said).not.toMatch(/\[(warning|error)\]/);
  });

  test('documents both entries, their jobs and options from the comments, docs/library.md first', () => {
    expect(page('index.html')).toContain('raphe as a library');
    for (const f of ['run', 'runMany', 'sweep', 'chronicCourse', 'belmer2018', 'openEngine'])
      expect(fs.existsSync(path.join(out, 'functions', `raphe.${f}.html`)), f).toBe(true);
    expect(page('modules', 'raphe_browser.html')).toContain('sweep');
    expect(page('interfaces', 'raphe.RunJobOptions.html')).toContain('Grid steps per engine call');
    expect(page('interfaces', 'raphe_browser.BrowserSweepOptions.html')).toContain('Points measured by an earlier call');
  });
});
