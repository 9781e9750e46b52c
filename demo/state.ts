/**
 * The page's whole state, as it lives in the URL (so a link reproduces the run): the tissues (genotype,
 * expression levels, linked or not, doses), the protocol, neurons, seed, speed, and the engine and grid
 * options. Pure: parse and serialise URL parameters, no DOM, no model (names are checked by the worker).
 *
 *   tissues=1|2  a=GENOTYPE b=GENOTYPE  a1a= a2b= asert= (expression, 1 = wild type; b1a= ... for B)
 *   alink=0 blink=0 (unlinked)  drugs=NAME:nM,... (the linked tissues)  adrugs= bdrugs= (an unlinked one)
 *   protocol=ssri|dpat|bw  neurons=N  seed=K  speed=X|max  engine=auto|cpu|webgpu  voxel=µm  paused
 */

import { quote } from '../src/model/errors.js';
import type { EngineChoice, ExpressionField, Tissue } from '../src/worker/protocol.js';

export const LETTERS = ['a', 'b'] as const;
/** Each expression level and its URL suffix (a1a=, bsert=, ...). */
export const EXPRESSION_KEYS: readonly (readonly [ExpressionField, string])[] = [
  ['htr1aExpression', '1a'],
  ['htr2bExpression', '2b'],
  ['sertExpression', 'sert'],
];

/** A tissue of the page: the worker's tissue record, every field set; `doses` are its current doses. */
export type TissueState = Tissue;

export interface PageState {
  /** Always two entries (A, B); `count` says how many run. */
  tissues: [TissueState, TissueState];
  count: 1 | 2;
  protocol: string | null;
  neurons: number;
  seed: number;
  /** Simulated s per wall s cap; 0: max. */
  speed: number;
  engine: EngineChoice;
  voxel: number | null;
  paused: boolean;
}

const tissue = (genotype: string): TissueState => ({
  genotype,
  htr1aExpression: 1,
  htr2bExpression: 1,
  sertExpression: 1,
  linked: true,
  doses: {},
});

export function defaultState(): PageState {
  return {
    tissues: [tissue('wt'), tissue('htr2b-ko')],
    count: 2,
    protocol: null,
    neurons: 2000,
    seed: 1,
    speed: 1,
    engine: 'auto',
    voxel: null,
    paused: false,
  };
}

/** "fluoxetine:10,bw723c86:100" -> doses (problems for entries that are not NAME:number). */
export function parseDoses(text: string, key: string, problems: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    if (!part) continue;
    const m = /^([^:]+):(.+)$/.exec(part);
    const v = m && DECIMAL.test(m[2]) ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v)) {
      problems.push(`${key}: ${quote(part)} is not NAME:nM`);
      continue;
    }
    out[m[1].toLowerCase()] = v;
  }
  return out;
}

export const formatDoses = (d: Record<string, number>): string =>
  Object.entries(d)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}:${+v.toPrecision(6)}`)
    .join(',');

/** The numbers a URL may hold: decimal only (Number() also reads "0x10", "0b1", " 7 " and "" as numbers). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL_INTEGER = /^[+-]?\d+$/;

/** The state a URL asks for; what cannot be read is left at its default and named in `problems`. */
export function parseState(q: URLSearchParams): { state: PageState; problems: string[] } {
  const s = defaultState();
  const problems: string[] = [];
  const num = (key: string, d: number, integer = false): number => {
    const raw = q.get(key);
    if (raw === null) return d;
    const v = Number(raw);
    if (!(integer ? DECIMAL_INTEGER : DECIMAL).test(raw) || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      problems.push(`${key}: ${quote(raw)} is not ${integer ? 'an integer' : 'a number'} (using ${d})`);
      return d;
    }
    return v;
  };
  const t = q.get('tissues');
  if (t !== null) {
    if (t === '1' || t === '2') s.count = Number(t) as 1 | 2;
    else problems.push(`tissues: ${quote(t)} is not 1 or 2 (using 2)`);
  }
  const linkedDoses = q.has('drugs') ? parseDoses(q.get('drugs')!, 'drugs', problems) : {};
  LETTERS.forEach((L, k) => {
    const ts = s.tissues[k];
    if (q.has(L)) ts.genotype = q.get(L)!;
    for (const [field, suffix] of EXPRESSION_KEYS) ts[field] = num(`${L}${suffix}`, 1);
    const link = q.get(`${L}link`);
    if (link !== null) {
      if (link === '0' || link === '1') ts.linked = link === '1';
      else problems.push(`${L}link: ${quote(link)} is not 0 or 1 (using 1)`);
    }
    ts.doses = ts.linked ? { ...linkedDoses } : q.has(`${L}drugs`) ? parseDoses(q.get(`${L}drugs`)!, `${L}drugs`, problems) : {};
  });
  if (q.has('protocol') && q.get('protocol') !== 'free') s.protocol = q.get('protocol');
  s.neurons = num('neurons', s.neurons, true);
  s.seed = num('seed', s.seed, true);
  if (q.get('speed') === 'max') s.speed = 0;
  else s.speed = Math.max(0, num('speed', s.speed));
  const e = q.get('engine');
  if (e !== null) {
    if (e === 'auto' || e === 'cpu' || e === 'webgpu') s.engine = e;
    else problems.push(`engine: ${quote(e)} is not auto, cpu or webgpu (using auto)`);
  }
  if (q.has('voxel')) s.voxel = num('voxel', 20);
  s.paused = q.has('paused');
  return { state: s, problems };
}

/** The URL parameters of a state (defaults of expression, link and drugs left out). */
export function serializeState(s: PageState): URLSearchParams {
  const q = new URLSearchParams();
  q.set('tissues', String(s.count));
  const used = s.tissues.slice(0, s.count);
  used.forEach((ts, k) => {
    const L = LETTERS[k];
    q.set(L, ts.genotype);
    for (const [field, suffix] of EXPRESSION_KEYS) if (ts[field] !== 1) q.set(`${L}${suffix}`, String(ts[field]));
    if (!ts.linked) {
      q.set(`${L}link`, '0');
      const d = formatDoses(ts.doses);
      if (d) q.set(`${L}drugs`, d);
    }
  });
  const group = used.find((ts) => ts.linked);
  if (s.protocol) q.set('protocol', s.protocol);
  else if (group && formatDoses(group.doses)) q.set('drugs', formatDoses(group.doses));
  q.set('neurons', String(s.neurons));
  q.set('seed', String(s.seed));
  q.set('speed', s.speed > 0 ? String(s.speed) : 'max');
  if (s.engine !== 'auto') q.set('engine', s.engine);
  if (s.voxel !== null) q.set('voxel', String(s.voxel));
  if (s.paused) q.set('paused', '');
  return q;
}
