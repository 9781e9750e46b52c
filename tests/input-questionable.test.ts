/**
 * The questionable input cases of the second hostile-input round: text a user wrote is echoed escaped
 * and cut short; a scenario file's encoding is named (a UTF-8 byte-order mark is accepted); a key given
 * twice is refused; a chronic protocol's readout days are bounded, its last day read once, a run without
 * a steady state warned of and the chronic experiment's memory shared by all three conditions; the demo
 * reads decimal numbers only. (The CLI cases need the bundle: node esbuild.config.mjs --node-only.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseState } from '../demo/state.js';
import { readScenarioJson } from '../src/cli/args.js';
import { slowTimes } from '../src/experiment/chronic.js';
import { CHRONIC_CONDITIONS } from '../src/experiment/chronic-ssri.js';
import { MAX_READOUTS } from '../src/model/chronic.js';
import { ConfigError } from '../src/model/errors.js';
import { firstDuplicateKey } from '../src/model/json-text.js';
import { defaultParams } from '../src/model/params.js';
import { estimateMemory } from '../src/model/resources.js';
import { parseScenario } from '../src/model/scenario.js';
import { runRaphe } from './helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-input-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const RAW_CONTROL = /[\u0000-\u001f\u007f]/;
const protocol = [{ name: 'baseline', durationS: 1 }];

function refusal(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('was accepted');
}

function file(name: string, bytes: Uint8Array | string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

describe('text a user wrote comes back escaped and short', () => {
  const hostile = `\u001b[2J\u001b]0;owned\u0007\r\n${'k'.repeat(500_000)}`;

  test('a 500 KB key with terminal escapes is named on one short line, its controls escaped', () => {
    const e = refusal(() => parseScenario({ protocol, params: { [hostile]: 1 } }));
    expect(e.message).not.toMatch(RAW_CONTROL);
    expect(e.message).toContain('\\u001b[2J');
    expect(e.field.length).toBeLessThanOrEqual(160);
    expect(e.message).not.toContain('k'.repeat(200));
    expect(e.message).toMatch(/^scenario\.params\..*: unknown parameter/);
  });

  test('a 500 KB value with terminal escapes is quoted in at most 60 characters', () => {
    const e = refusal(() => parseScenario({ protocol, genotype: hostile }));
    expect(e.message).not.toMatch(RAW_CONTROL);
    expect(e.message.length).toBeLessThan(200);
    expect(e.message).toMatch(/^scenario\.genotype: unknown genotype "\\u001b\[2J/);
  });

  test('a line separator or a bidirectional override in a name cannot reorder or break the line', () => {
    const e = refusal(() => parseScenario({ protocol, genotype: 'wt\u2028\u202eok' }));
    expect(e.message).toContain('\\u2028\\u202e');
    expect(e.message).not.toMatch(/[\u2028\u202e]/);
  });
});

describe('a scenario file is UTF-8 JSON, its encoding named when it is not', () => {
  const json = JSON.stringify({ name: 'bom', protocol });

  test('a UTF-8 byte-order mark is accepted', () => {
    expect(readScenarioJson(file('bom.json', `\ufeff${json}`))).toEqual({ name: 'bom', protocol });
  });

  test.each([
    [
      'UTF-16 little-endian with its mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]),
      /UTF-16 \(little-endian/,
    ],
    ['UTF-16 little-endian without a mark', Buffer.from(json, 'utf16le'), /UTF-16 \(little-endian, no byte-order mark/],
    ['UTF-16 big-endian with its mark', Buffer.from([0xfe, 0xff, 0x00, 0x7b]), /UTF-16 \(big-endian/],
    ['UTF-32 little-endian with its mark', Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x7b, 0, 0, 0]), /UTF-32/],
    ['Latin-1 (an é as one byte)', Buffer.from('{"name": "caf\xe9", "protocol": []}', 'latin1'), /not UTF-8 text \(byte 13 /],
    ['a NUL byte in the text', Buffer.from('{"name": "a\u0000"}'), /a NUL byte at byte 11/],
  ])('%s is refused naming the encoding', (_what, bytes, why) => {
    const p = file('enc.json', bytes);
    const e = refusal(() => readScenarioJson(p));
    expect(e.field).toBe('--scenario');
    expect(e.problem).toMatch(why);
    expect(e.problem).toMatch(/save it as UTF-8$/);
  });
});

describe('a key given twice is refused, named by its path', () => {
  test('at the top level of a scenario file', () => {
    const p = file('dup.json', '{"neurons": 10, "protocol": [{"durationS": 1}], "neurons": 20}');
    const e = refusal(() => readScenarioJson(p));
    expect(e.field).toBe(`${p}.neurons`);
    expect(e.problem).toMatch(/key "neurons" given twice/);
  });

  test('deep in a file, spelt with an escape', () => {
    const text = '{"protocol": [{"durationS": 1}, {"durationS": 2, "drugs": {"fluoxetine": 1, "\\u0066luoxetine": 2}}]}';
    expect(firstDuplicateKey(text)).toEqual({ key: 'fluoxetine', path: '.protocol[1].drugs.fluoxetine' });
  });

  test('the same key in two objects, or inside strings, is no repeat', () => {
    expect(firstDuplicateKey('[{"a": 1}, {"a": {"a": "\\"a\\": 1, \\"a\\""}}]')).toBeUndefined();
  });
});

describe('a chronic protocol takes a bounded number of readouts within the treatment', () => {
  const chronic = (readoutDays: unknown) => ({ chronic: { days: 7, readoutDays } });

  test(`more than ${MAX_READOUTS} readout days are refused with the count allowed`, () => {
    const days = Array.from({ length: MAX_READOUTS + 1 }, (_, i) => (7 * i) / (MAX_READOUTS + 1));
    expect(refusal(() => parseScenario(chronic(days))).message).toMatch(
      new RegExp(
        `^scenario\\.chronic\\.readoutDays: must be an array of 1 to ${MAX_READOUTS} days within \\[0, scenario\\.chronic\\.days 7\\], got ${MAX_READOUTS + 1}$`,
      ),
    );
  });

  test('a negative readout day names the range of the treatment', () => {
    expect(refusal(() => parseScenario(chronic([-1]))).message).toBe('scenario.chronic.readoutDays[0]: must be >= 0 and <= 7 days, got -1');
  });
});

describe('a chronic run as the user wrote it', () => {
  const minute = 1 / 1440;

  test('a day-0 readout too short is named as chronic.windowS, not as a protocol the file does not hold', () => {
    expect(refusal(() => parseScenario({ chronic: { days: 1, settleS: 0, windowS: 0.1 } })).message).toBe(
      'scenario.chronic.windowS: settleS + windowS must be >= 0.12 s (12 trace samples of recording.sampleSteps 10 x the 1 ms grid step), got 0 + 0.1 s',
    );
  });

  test('a last readout day written as a decimal is the last slow step, read once', () => {
    expect(slowTimes({ days: minute, slowStepH: 1 / 60, readoutDays: [0, minute] })).toEqual([0, 1 / 60]);
  });

  test('a SERT knock-out without clearance is warned to have no steady state', async () => {
    const f = file(
      'ko.json',
      JSON.stringify({
        genotype: 'sert-ko',
        neurons: 1,
        params: { kClear_perH: 0 },
        chronic: { drugs: {}, days: minute, slowStepH: 1 / 60, readoutDays: [0, minute], settleS: 0, windowS: 0.12 },
        recording: { spikes: false },
      }),
    );
    const r = await runRaphe(tmp, ['run', '--scenario', f, '--engine', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/raphe: warning: nothing removes 5-HT \(SERT knocked out and kClear_perH 0\): no steady state exists/);
    expect(JSON.parse(r.stdout).days.map((d: { day: number }) => d.day)).toEqual([0, minute]);
    // no steady state: both first settles run their whole 60 s of model time (about a minute of wall time here)
  }, 240_000);

  test('chronic-ssri counts its three conditions, held at once, against the memory on two threads', async () => {
    const neurons = 400_000;
    const one = estimateMemory({ neurons, params: defaultParams(), durationS: 0, recordSpikes: false, sampleSteps: 1 }).totalBytes;
    const env = { RAPHE_MEMORY_BYTES: String(Math.round(2.5 * one)) };
    const r = await runRaphe(tmp, ['experiment', 'chronic-ssri', '--neurons', String(neurons), '--threads', '2'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`--neurons: .*more than RAPHE_MEMORY_BYTES shared by ${CHRONIC_CONDITIONS.length} conditions at once`),
    );
  }, 60_000);
});

describe('the demo reads decimal numbers from its URL only', () => {
  test.each(['0x10', '0b10000', '0o20', ' 16', '1e1', ''])('neurons=%j is refused and named, the default kept', (raw) => {
    const { state, problems } = parseState(new URLSearchParams({ neurons: raw }));
    expect(state.neurons).toBe(2000);
    expect(problems).toEqual([`neurons: "${raw}" is not an integer (using 2000)`]);
  });

  test('a dose in hexadecimal is not a dose', () => {
    const { state, problems } = parseState(new URLSearchParams({ drugs: 'fluoxetine:0x10,bw723c86:2.5e1' }));
    expect(state.tissues[0].doses).toEqual({ bw723c86: 25 });
    expect(problems).toEqual(['drugs: "fluoxetine:0x10" is not NAME:nM']);
  });

  test('decimal numbers are read as before', () => {
    const { state, problems } = parseState(new URLSearchParams({ neurons: '16', seed: '+3', speed: '0.5', voxel: '2.5e1' }));
    expect([state.neurons, state.seed, state.speed, state.voxel, problems]).toEqual([16, 3, 0.5, 25, []]);
  });
});
