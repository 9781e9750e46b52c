/**
 * An output file written into a staging folder that a signal's handler has just removed: the write fails
 * and the folder stays removed (a recursive mkdir before each write made it again, and a SIGTERM during
 * raphe run's writing left an empty staging folder behind: tests/signal-writing.test.ts, once in a full
 * suite on 2026-12-03).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { writeContent, writeContentAsync } from '../src/report/write-file.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-write-file-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a file written into a staging folder', () => {
  test('lands in its subfolder, made below the folder', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'ok-'));
    await writeContentAsync(root, 'conditions/wt.csv', 'a,b\n');
    writeContent(root, 'sub/deeper/x.csv', 'c\n');
    expect(fs.readFileSync(path.join(root, 'conditions', 'wt.csv'), 'utf8')).toBe('a,b\n');
    expect(fs.readFileSync(path.join(root, 'sub', 'deeper', 'x.csv'), 'utf8')).toBe('c\n');
  });

  test('that was removed meanwhile fails, and the folder is not made again', async () => {
    const root = path.join(tmp, 'removed');
    fs.mkdirSync(root);
    fs.rmSync(root, { recursive: true });
    await expect(writeContentAsync(root, 'traces.csv', 'x\n')).rejects.toThrow(/ENOENT/);
    await expect(writeContentAsync(root, 'conditions/wt.nwb.csv', 'x\n')).rejects.toThrow(/ENOENT/);
    expect(() => writeContent(root, 'conditions/wt.csv', 'x\n')).toThrow(/ENOENT/);
    expect(fs.existsSync(root)).toBe(false);
  });
});
