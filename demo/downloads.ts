/**
 * The page's two downloads: the traces as CSV and the plots as PNG (formats in demo/export.ts), named
 * after the run (tissues, protocol, seed).
 */
import { download, plotsPng, tracesCsv } from './export.js';
import { type Page, tissueName } from './page.js';
import { baselineOf } from './readouts.js';
import { COLORS } from './views/common.js';

function fileStem(page: Page): string {
  const { layout } = page;
  const g = (layout?.tissues ?? []).map((t) => `${t.label}-${t.genotype}`).join('_');
  return `raphe_${g}_${layout?.protocol?.id ?? 'free'}_seed${layout?.seed ?? page.state.seed}`;
}

export async function downloadCsv(page: Page): Promise<void> {
  const { layout, store } = page;
  if (!layout) return;
  const s = await page.sim.summary(1);
  const csv = tracesCsv(store, {
    url: location.href,
    layout,
    summary: s,
    protocolTitle: layout.protocol?.title ?? null,
    baselines: store.tissues.map((_, k) => baselineOf(page, k)),
  });
  download(new Blob([csv], { type: 'text/csv' }), `${fileStem(page)}.csv`);
}

export async function downloadPng(page: Page): Promise<void> {
  const { layout, views } = page;
  if (!layout) return;
  for (const v of [views.probe, views.pct, views.rate, ...views.rasters]) {
    v.dirty = true;
    v.draw();
  }
  const canvases = [
    views.probe.canvas,
    views.pct.canvas,
    views.rate.canvas,
    ...views.rasters.slice(0, layout.tissues.length).map((r) => r.canvas),
  ];
  const title = `raphe: ${layout.tissues.map((_, k) => tissueName(page.state, k)).join(' | ')}; ${layout.protocol?.title ?? 'free run'}; ${layout.neurons} neurons, seed ${layout.seed}, t = ${page.store.tNow.toFixed(1)} s`;
  download(await plotsPng(canvases, title, COLORS.bg, COLORS.text), `${fileStem(page)}.png`);
}
