/**
 * `raphe export brian2` as a careless user drives it (issue 24 items 10 and 11): `--force` replaces a
 * regular file only (a FIFO or a device node named as --out is refused, left as it was), and a chronic
 * scenario, whose treatment the Brian2 script cannot run, is refused instead of exported without it.
 * Every refusal: exit 2, one line naming the field, nothing on stdout, nothing left beside --out.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRaphe, type Result } from './helpers/cli.js';

const ROOT = path.resolve(__dirname, '..');
let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-export-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function expectRefusal(r: Result, field: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n'), JSON.stringify(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(field);
  expect(fs.readdirSync(tmp).filter((f) => f.includes('raphe-staging'))).toEqual([]);
}

describe('raphe export brian2 --force replaces a regular file only', () => {
  it('a FIFO named as --out is refused and stays a FIFO', async () => {
    const fifo = path.join(tmp, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await runRaphe(tmp, ['export', 'brian2', '--neurons', '50', '--duration', '0.1', '--out', fifo, '--force']);
    expectRefusal(r, /--out .*model\.fifo: is not a regular file/);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
  });

  // a node of its own (root can make one; CI runs as root) rather than /dev/null, which a failing test must not touch
  it.skipIf(process.getuid?.() !== 0)('a device node named as --out is refused and stays a device', async () => {
    const dev = path.join(tmp, 'null-device');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    const r = await runRaphe(tmp, ['export', 'brian2', '--neurons', '50', '--duration', '0.1', '--out', dev, '--force']);
    expectRefusal(r, /--out .*null-device: is not a regular file/);
    expect(fs.statSync(dev).isCharacterDevice()).toBe(true);
  });
});

describe('raphe export brian2 refuses a chronic scenario', () => {
  it('names the chronic protocol instead of exporting without the treatment', async () => {
    const out = path.join(tmp, 'chronic.py');
    const r = await runRaphe(tmp, ['export', 'brian2', '--scenario', path.join(ROOT, 'examples/chronic-fluoxetine.json'), '--out', out]);
    expectRefusal(r, /chronic.*raphe experiment chronic-ssri|chronic.*raphe run/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
