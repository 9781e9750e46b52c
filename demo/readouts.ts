/**
 * What the page reads out of the run: the plots' series and phase marks (probe 5-HT, % of baseline,
 * population rate, the rasters' marks), the table of numbers per tissue (phase, probe, baseline, rate,
 * % of baseline), the legend and the protocol's description. Everything comes from the store of
 * traces and the worker's layout.
 */
import type { Mark, Series } from './views/trace.js';
import { COLORS } from './views/common.js';
import { $, LABELS, MARK_COLOR, TISSUE_COLORS, exprText, type Page } from './page.js';

/** One tissue's row of the page's numbers. */
export interface Readout {
  label: string;
  genotype: string;
  phase: string;
  probeNm: number;
  baselineNm: number;
  pctBaseline: number;
  rateHz: number;
  ratePctBaseline: number;
}

/** Marks for the shared plots: a change both tissues made together once, in gold; one tissue's alone in its colour. */
function sharedMarks(page: Page): Mark[] {
  const { store } = page;
  const n = store.tissues.length;
  const byKey = new Map<string, { t: number; name: string; tissues: number[] }>();
  store.tissues.forEach((tr, k) => {
    for (const m of tr.phases) {
      const key = `${m.tS}|${m.name}`;
      const e = byKey.get(key) ?? { t: m.tS, name: m.name, tissues: [] };
      e.tissues.push(k);
      byKey.set(key, e);
    }
  });
  return [...byKey.values()]
    .sort((a, b) => a.t - b.t)
    .map((e) =>
      e.tissues.length === n
        ? { t: e.t, label: e.name, color: MARK_COLOR }
        : { t: e.t, label: `${LABELS[e.tissues[0]]}: ${e.name}`, color: TISSUE_COLORS[e.tissues[0]] },
    );
}

/** Tissue k's baseline: before the protocol's first drug phase when it is linked to one, else before its first drug change. */
export function baselineOf(page: Page, k: number) {
  const p = page.layout?.protocol;
  const linked = page.layout?.tissues[k]?.linked;
  return page.store.baseline(k, p && linked && p.phases.length > 1 ? p.phases[1].startS : undefined);
}

/** The plots and the numbers from the store as it stands. */
export function refreshPlots(page: Page): void {
  const { store, views } = page;
  const n = store.tissues.length;
  const t = store.t;
  const mk = (k: number, y: (i: number) => number): Series => ({ label: LABELS[k], color: TISSUE_COLORS[k], t, y });
  const marks = sharedMarks(page);
  const tissues = [...Array(n).keys()];
  views.probe.set(
    tissues.map((k) => mk(k, (i) => store.tissues[k].probe[i])),
    marks,
    store.tNow,
  );
  views.rate.set(
    tissues.map((k) => mk(k, (i) => store.tissues[k].rate[i])),
    marks,
    store.tNow,
  );
  const pct: Series[] = [];
  for (const k of tissues) {
    const b = baselineOf(page, k);
    if (b) pct.push(mk(k, (i) => (100 * store.tissues[k].probe[i]) / b.probeNm));
  }
  views.pct.set(pct, marks, store.tNow);
  tissues.forEach((k) => {
    views.rasters[k].setMarks(store.tissues[k].phases.map((m) => ({ t: m.tS, label: m.name, color: MARK_COLOR })));
  });
  renderReadout(page);
}

export function readout(page: Page): Readout[] {
  const { store } = page;
  return store.tissues.map((_, k) => {
    const b = baselineOf(page, k);
    const probe = store.lastMean(k, 'probe', 1);
    const rate = store.lastMean(k, 'rate', 1);
    return {
      label: LABELS[k],
      genotype: page.layout?.tissues[k]?.genotype ?? '',
      phase: store.phaseAt(k, store.tNow)?.name ?? '',
      probeNm: probe,
      baselineNm: b?.probeNm ?? NaN,
      pctBaseline: b ? (100 * probe) / b.probeNm : NaN,
      rateHz: rate,
      ratePctBaseline: b && b.rateHz > 0 ? (100 * rate) / b.rateHz : NaN,
    };
  });
}

const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '–');
let readoutN = -1;
function renderReadout(page: Page): void {
  const body = $('readoutBody');
  const rows = readout(page);
  if (readoutN !== rows.length) {
    readoutN = rows.length;
    body.innerHTML = '';
    for (const r of rows) {
      const tr = document.createElement('tr');
      tr.id = `out-${r.label}`;
      for (const c of ['name', 'phase', 'probe', 'base', 'pct', 'rate', 'ratepct']) {
        const td = document.createElement(c === 'name' ? 'th' : 'td');
        if (c === 'name') td.setAttribute('scope', 'row');
        td.id = `out-${r.label}-${c}`;
        tr.append(td);
      }
      body.append(tr);
    }
  }
  rows.forEach((r, k) => {
    const set = (c: string, v: string) => {
      const el = document.getElementById(`out-${r.label}-${c}`)!;
      if (el.textContent !== v) el.textContent = v;
    };
    set('name', `${r.label}: ${r.genotype}`);
    (document.getElementById(`out-${r.label}-name`) as HTMLElement).style.color = TISSUE_COLORS[k];
    set('phase', r.phase);
    set('probe', fmt(r.probeNm, 1));
    set('base', fmt(r.baselineNm, 1));
    set('pct', fmt(r.pctBaseline, 0));
    set('rate', fmt(r.rateHz, 2));
    set('ratepct', fmt(r.ratePctBaseline, 0));
  });
}

export function renderLegend(page: Page): void {
  const { layout, state } = page;
  const lg = $('legend');
  lg.innerHTML = '';
  const n = layout?.tissues.length ?? state.count;
  for (let k = 0; k < n; k++) {
    const t = layout!.tissues[k];
    const s = document.createElement('span');
    s.id = `legend-${LABELS[k]}`;
    s.innerHTML = `<span class="sw" style="background:${TISSUE_COLORS[k]}"></span>`;
    s.append(`Tissue ${t.label}: ${t.genotypeDoc}${exprText(state, k)}${n > 1 && !t.linked ? ' (unlinked)' : ''}`);
    lg.append(s);
  }
  const p = layout?.protocol;
  const e = document.createElement('span');
  e.style.color = COLORS.dim;
  e.textContent = p ? `protocol: ${p.title}` : 'free run';
  lg.append(e);
}

export function renderAbout(page: Page): void {
  const p = page.layout?.protocol;
  const a = $('about');
  a.innerHTML = '';
  const h = document.createElement('b');
  h.textContent = p ? p.title : 'Free run';
  const d = document.createElement('p');
  d.textContent = p
    ? `${p.doc}. Phases: ${p.phases.map((ph) => `${ph.startS} s ${ph.name}`).join(', ')}; ends at ${p.endS} s (Play goes on).`
    : 'Set drugs by hand, or pick a protocol. A drug change reaches the linked tissues at the same simulated instant; an unlinked tissue has its own drug column.';
  const s = document.createElement('p');
  s.textContent =
    'Speed: the header gives simulated seconds per wall second for all the tissues together (they advance as one batch: on WebGPU in the same dispatches).';
  a.append(h, d, s);
}
