/**
 * Taking the results away: the traces of every tissue as CSV (a commented header naming each tissue,
 * its genotype, expression levels and every phase's doses; a phase column per tissue) and a PNG of the
 * plots. Pure except `download` and `plotsPng` (DOM).
 */
import type { Layout, Summary } from '../src/worker/protocol.js';
import type { Baseline, Store } from './store.js';

export interface CsvMeta {
  url: string;
  layout: Layout;
  summary: Pick<Summary, 'engine' | 'adapter'>;
  protocolTitle: string | null;
  baselines: (Baseline | undefined)[];
}

const dosesText = (d: Record<string, number>) =>
  Object.entries(d)
    .map(([k, v]) => `${k}=${+v.toPrecision(6)}`)
    .join(';') || 'none';

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const num = (v: number, digits = 6) => (Number.isFinite(v) ? String(+v.toPrecision(digits)) : '');

export function tracesCsv(store: Store, m: CsvMeta): string {
  const L = m.layout;
  const lines: string[] = [
    '# raphe demo: population traces of each tissue, one row per sample (lines starting with # are the header)',
    `# link: ${m.url}`,
    `# engine ${m.summary.engine} (${m.summary.adapter}); ${L.neurons} neurons per tissue; seed ${L.seed}; ${L.voxelUm} um voxels; sample every ${L.sampleDtS} s`,
    `# protocol: ${m.protocolTitle ?? 'free run'}`,
  ];
  L.tissues.forEach((t, k) => {
    lines.push(
      `# tissue ${t.label}: genotype ${t.genotype} (${t.genotypeDoc}); htr1aExpression ${t.htr1aExpression}, htr2bExpression ${t.htr2bExpression}, sertExpression ${t.sertExpression}; ${t.linked ? 'linked' : 'unlinked'}`,
    );
    const b = m.baselines[k];
    lines.push(
      b
        ? `# tissue ${t.label} baseline: ${b.fromS}-${b.endS} s, probe ${num(b.probeNm, 4)} nM, rate ${num(b.rateHz, 4)} Hz`
        : `# tissue ${t.label} baseline: none (no drug-free time before a drug change yet)`,
    );
    for (const ph of store.tissues[k]?.phases ?? []) {
      lines.push(`# tissue ${t.label} phase from ${num(ph.tS, 9)} s: ${ph.name} (doses nM: ${dosesText(ph.doses)})`);
    }
  });
  const cols = ['t_s'];
  for (const t of L.tissues) {
    const p = `${t.label}_${t.genotype}`;
    cols.push(`${p}_phase`, `${p}_doses_nM`, `${p}_rate_Hz`, `${p}_probe_nM`, `${p}_probe_pct_baseline`, `${p}_mean5HT_nM`);
  }
  lines.push(cols.join(','));
  for (let i = 0; i < store.t.length; i++) {
    const t = store.t[i];
    const row = [num(t, 9)];
    L.tissues.forEach((_, k) => {
      const tr = store.tissues[k];
      const ph = store.phaseAt(k, t);
      const b = m.baselines[k];
      row.push(
        csvCell(ph?.name ?? ''),
        csvCell(ph ? dosesText(ph.doses) : ''),
        num(tr.rate[i]),
        num(tr.probe[i]),
        b ? num((100 * tr.probe[i]) / b.probeNm, 5) : '',
        num(tr.meanC[i]),
      );
    });
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Saves `blob` as a file named `name` (a download). */
export function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** The plot canvases on one image, two per row, under a title line; resolves to a PNG. */
export function plotsPng(canvases: HTMLCanvasElement[], title: string, background: string, text: string): Promise<Blob> {
  const cols = 2;
  const cw = Math.max(...canvases.map((c) => c.width));
  const ch = Math.max(...canvases.map((c) => c.height));
  const pad = 8;
  const head = 28;
  const rows = Math.ceil(canvases.length / cols);
  const out = document.createElement('canvas');
  out.width = cols * cw + (cols + 1) * pad;
  out.height = head + rows * ch + (rows + 1) * pad;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = text;
  ctx.font = '14px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, pad, head / 2 + 2);
  canvases.forEach((c, i) => {
    ctx.drawImage(c, pad + (i % cols) * (cw + pad), head + pad + Math.floor(i / cols) * (ch + pad));
  });
  return new Promise((ok, fail) => out.toBlob((b) => (b ? ok(b) : fail(new Error('the PNG could not be made'))), 'image/png'));
}
