/**
 * CSV writers: spikes (one row per spike), traces (one row per sample) and findings. RFC 4180 quoting,
 * '\n' line ends, non-finite numbers as empty cells. The `*Chunks` generators let the file writer
 * stream large spike tables without building one huge string.
 */
import type { RunResult } from '../record/run-result.js';
import { csvNum } from './format.js';
import type { FindingRow } from './findings-table.js';

export const SPIKES_HEADER = 'cell,time_s';
export const TRACES_HEADER = 'time_s,rate_hz,probe_nm,mean_c_nm,s1a,s2b';
export const FINDINGS_HEADER = 'id,condition,measured,expected,pass';

/** Quote a CSV field when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CHUNK_ROWS = 65536;

/** Spike rows in chunks of text (header first); each chunk ends with '\n'. */
export function* spikesCsvChunks(r: RunResult): Generator<string> {
  yield SPIKES_HEADER + '\n';
  const sp = r.spikes;
  if (!sp) return;
  const n = Math.min(sp.cells.length, sp.steps.length);
  const dt = sp.dtFineS;
  let buf: string[] = [];
  for (let i = 0; i < n; i++) {
    buf.push(`${sp.cells[i]},${csvNum(sp.steps[i]! * dt)}\n`);
    if (buf.length >= CHUNK_ROWS) {
      yield buf.join('');
      buf = [];
    }
  }
  if (buf.length) yield buf.join('');
}

/** `cell,time_s`, one row per recorded spike (header only when spikes were not recorded). */
export function spikesCsv(r: RunResult): string {
  return [...spikesCsvChunks(r)].join('');
}

/** Trace rows in chunks of text (header first). */
export function* tracesCsvChunks(r: RunResult): Generator<string> {
  yield TRACES_HEADER + '\n';
  const t = r.traces;
  const cols = [t.tS, t.rateHz, t.probeNm, t.meanCNm, t.s1A, t.s2B];
  const n = t.tS.length;
  let buf: string[] = [];
  for (let i = 0; i < n; i++) {
    buf.push(cols.map((c) => (i < c.length ? csvNum(c[i]!) : '')).join(',') + '\n');
    if (buf.length >= CHUNK_ROWS) {
      yield buf.join('');
      buf = [];
    }
  }
  if (buf.length) yield buf.join('');
}

/** `time_s,rate_hz,probe_nm,mean_c_nm,s1a,s2b`, one row per trace sample. */
export function tracesCsv(r: RunResult): string {
  return [...tracesCsvChunks(r)].join('');
}

/** `id,condition,measured,expected,pass` with pass as true/false. */
export function findingsCsv(rows: readonly FindingRow[]): string {
  const out = [FINDINGS_HEADER];
  for (const f of rows) {
    out.push([f.id, f.condition, f.measured, f.expected].map((s) => csvField(String(s))).join(',') + `,${f.pass ? 'true' : 'false'}`);
  }
  return out.join('\n') + '\n';
}
