/**
 * The demo page: starts the simulation worker with the state its URL holds (demo/state.ts), pulls frames
 * from it (at most at display rate) into the store (demo/store.ts) and draws them on canvases in a
 * requestAnimationFrame loop; the model never runs on this thread and is reached only through the
 * worker's protocol (src/worker/protocol.ts). Two tissues, A and B, on one clock, side by side.
 */
import { wrap, type Remote } from 'comlink';
import type { Frame, Layout, PhaseMark, ProtocolInfo, SimApi, SimInfo, Summary, TissueSpec } from '../src/worker/protocol.js';
import { download, plotsPng, tracesCsv } from './export.js';
import { EXPRESSION_KEYS, parseState, serializeState, type PageState } from './state.js';
import { Store } from './store.js';
import { Cells3DView } from './views/cells3d.js';
import { COLORS } from './views/common.js';
import { GridView } from './views/grid.js';
import { RasterView } from './views/raster.js';
import { TraceView, type Mark, type Series } from './views/trace.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const LABELS = ['A', 'B'];
const TISSUE_COLORS = ['#7fd3ff', '#f28e6b'];
const MARK_COLOR = '#d9a441';
const EXPRESSION_NAMES: Record<string, string> = { htr1aExpression: '5-HT1A', htr2bExpression: '5-HT2B', sertExpression: 'SERT' };

const parsed = parseState(new URLSearchParams(location.search));
const state: PageState = parsed.state;

const store = new Store();
const views = {
  probe: new TraceView($('probe'), { title: 'Probe 5-HT (virtual microdialysis)', unit: 'nM', windowS: 30, minYMax: 10 }),
  pct: new TraceView($('pct'), {
    title: 'Probe 5-HT, % of baseline',
    unit: '%',
    windowS: 30,
    minYMax: 150,
    refLine: 100,
    emptyText: 'shown after a baseline: from the first drug change on',
  }),
  rate: new TraceView($('rate'), {
    title: 'Population rate',
    unit: 'Hz',
    windowS: 30,
    band: { lo: 0.5, hi: 3, label: 'F1 band' },
    minYMax: 4,
  }),
  rasters: LABELS.map((L, k) => new RasterView($(`raster-${L}`), TISSUE_COLORS[k], 5)),
  grids: LABELS.map((L) => new GridView($(`grid-${L}`))),
  cells: new Cells3DView($('cells')),
};

/** One tissue's row of the page's numbers. */
interface Readout {
  label: string;
  genotype: string;
  phase: string;
  probeNm: number;
  baselineNm: number;
  pctBaseline: number;
  rateHz: number;
  ratePctBaseline: number;
}

/** State and handles for tests and the console. */
interface DemoHandle {
  ready: boolean;
  error?: string;
  info?: SimInfo;
  layout?: Layout;
  state: PageState;
  frames: number;
  fps: number;
  tS: number;
  simPerWall: number;
  protocolDone: boolean;
  sim: Remote<SimApi>;
  store: Store;
  summary(windowS?: number): Promise<Summary>;
  readout(): Readout[];
  views: typeof views;
}

const worker = new Worker(new URL('./sim-worker.js', import.meta.url), { type: 'module', name: 'raphe-sim' });
const sim = wrap<SimApi>(worker);
const handle: DemoHandle = {
  ready: false,
  state,
  frames: 0,
  fps: 0,
  tS: 0,
  simPerWall: 0,
  protocolDone: false,
  sim,
  store,
  summary: (w) => sim.summary(w),
  readout: () => readout(),
  views,
};
(globalThis as unknown as { raphe: DemoHandle }).raphe = handle;

let info: SimInfo | undefined;
let layout: Layout | undefined;
let version = -1;
let running = !state.paused;
let cellsTissue = 0;

function fail(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  handle.error = msg;
  showNotice(`Error: ${msg}`);
  console.error(e);
}
worker.addEventListener('error', (e) => fail(e.message || 'the simulation worker failed to start'));

let baseNotice = '';
function showNotice(text: string): void {
  const n = $('notice');
  n.textContent = text;
  n.classList.toggle('show', !!text);
}

async function busy<T>(what: string, p: Promise<T>): Promise<T> {
  $('busy').textContent = what;
  try {
    return await p;
  } finally {
    $('busy').textContent = '';
  }
}

// ---- state <-> URL and worker ----
const nTissues = () => state.count;
const tissueName = (k: number) => `${LABELS[k]}: ${state.tissues[k].genotype}${exprText(k)}`;
function exprText(k: number): string {
  const t = state.tissues[k];
  const parts = EXPRESSION_KEYS.filter(([f]) => t[f] !== 1).map(([f]) => `${EXPRESSION_NAMES[f]} ×${t[f]}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function specs(): TissueSpec[] {
  return state.tissues.slice(0, state.count).map((t) => ({
    genotype: t.genotype,
    htr1aExpression: t.htr1aExpression,
    htr2bExpression: t.htr2bExpression,
    sertExpression: t.sertExpression,
    linked: t.linked,
    doses: { ...t.doses },
  }));
}

function syncUrl(): void {
  const q = serializeState(state);
  const url = `${location.pathname}?${q.toString()}`;
  history.replaceState(null, '', url);
  $<HTMLAnchorElement>('permalink').href = url;
}

const protocolInfo = (): ProtocolInfo | null => info?.protocols.find((p) => p.id === state.protocol) ?? null;

// ---- layout and frames ----
function applyLayout(l: Layout): void {
  layout = l;
  handle.layout = l;
  version = l.version;
  store.reset(l.tissues.length);
  handle.protocolDone = false;
  l.tissues.forEach((t, k) => {
    const name = `Tissue ${t.label} (${t.genotype}${exprText(k)})`;
    views.rasters[k].reset(l.rasterCells, `${name}: spike raster`, TISSUE_COLORS[k]);
    views.grids[k].reset(l.voxelUm, l.nz, `Tissue ${t.label} (${t.genotype})`);
  });
  views.cells.reset(l.pos, [l.nx * l.voxelUm, l.ny * l.voxelUm, l.nz * l.voxelUm]);
  const span = l.protocol ? l.protocol.endS : null;
  for (const v of [views.probe, views.pct, views.rate]) v.fixedSpan(span);
  $('neuronsStat').textContent = l.neurons.toLocaleString('en');
  $('speedTissues').textContent = l.tissues.length === 2 ? 'both tissues' : 'one tissue';
  document.body.classList.toggle('one', l.tissues.length === 1);
  if (cellsTissue >= l.tissues.length) cellsTissue = 0;
  views.cells.label = `Tissue ${LABELS[cellsTissue]}`;
  const z = $<HTMLInputElement>('sliceZ');
  z.max = String(l.nz - 1);
  syncControls();
  renderLegend();
  renderAbout();
  refreshPlots();
}

async function onFrame(f: Frame): Promise<void> {
  if (f.version !== version) applyLayout(await sim.layout());
  handle.frames++;
  handle.tS = f.tS;
  handle.simPerWall = f.simPerWall;
  store.push(f);
  for (const m of f.phases) onPhase(m);
  f.tissues.forEach((tf, k) => {
    views.rasters[k]?.push(tf.spikeCell, tf.spikeT, f.tS);
    if (k === cellsTissue) views.cells.setActivity(tf.activity);
  });
  const slices = f.tissues.map((tf) => tf.slice);
  if (slices[0]) {
    // one colour scale for the tissues side by side
    const target = Math.max(...slices.map((s) => (s ? GridView.scaleOf(s) : 0)));
    slices.forEach((s, k) => {
      if (s) views.grids[k].set(s, target);
    });
    const z = $<HTMLInputElement>('sliceZ');
    if (document.activeElement !== z) z.value = String(slices[0].z);
  }
  if (f.protocolDone && !handle.protocolDone) {
    handle.protocolDone = true;
    running = false;
  }
  refreshPlots();
  $('simTime').textContent = f.tS.toFixed(1);
  $('speedStat').textContent = f.running ? (f.simPerWall >= 10 ? f.simPerWall.toFixed(0) : f.simPerWall.toPrecision(3)) : 'paused';
  $('play').textContent = f.running ? 'Pause' : 'Play';
  running = f.running;
}

/** A phase change: the tissue's doses now (the drug inputs show them), and its marks. */
function onPhase(m: PhaseMark): void {
  const t = state.tissues[m.tissue];
  if (!t) return;
  t.doses = { ...m.doses };
  syncDrugInputs();
  syncUrl();
}

async function pump(): Promise<void> {
  for (;;) {
    try {
      await onFrame(await sim.nextFrame());
    } catch (e) {
      fail(e);
      return;
    }
  }
}

/** Marks for the shared plots: a change both tissues made together once, in gold; one tissue's alone in its colour. */
function sharedMarks(): Mark[] {
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

function baselineOf(k: number) {
  const p = layout?.protocol;
  const linked = layout?.tissues[k]?.linked;
  return store.baseline(k, p && linked && p.phases.length > 1 ? p.phases[1].startS : undefined);
}

function refreshPlots(): void {
  const n = store.tissues.length;
  const t = store.t;
  const mk = (k: number, y: (i: number) => number): Series => ({ label: LABELS[k], color: TISSUE_COLORS[k], t, y });
  const marks = sharedMarks();
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
    const b = baselineOf(k);
    if (b) pct.push(mk(k, (i) => (100 * store.tissues[k].probe[i]) / b.probeNm));
  }
  views.pct.set(pct, marks, store.tNow);
  tissues.forEach((k) => {
    views.rasters[k].setMarks(store.tissues[k].phases.map((m) => ({ t: m.tS, label: m.name, color: MARK_COLOR })));
  });
  renderReadout();
}

function readout(): Readout[] {
  return store.tissues.map((_, k) => {
    const b = baselineOf(k);
    const probe = store.lastMean(k, 'probe', 1);
    const rate = store.lastMean(k, 'rate', 1);
    return {
      label: LABELS[k],
      genotype: layout?.tissues[k]?.genotype ?? '',
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
function renderReadout(): void {
  const body = $('readoutBody');
  const rows = readout();
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

function renderLegend(): void {
  const lg = $('legend');
  lg.innerHTML = '';
  const n = layout?.tissues.length ?? nTissues();
  for (let k = 0; k < n; k++) {
    const t = layout!.tissues[k];
    const s = document.createElement('span');
    s.id = `legend-${LABELS[k]}`;
    s.innerHTML = `<span class="sw" style="background:${TISSUE_COLORS[k]}"></span>`;
    s.append(`Tissue ${t.label}: ${t.genotypeDoc}${exprText(k)}${n > 1 && !t.linked ? ' (unlinked)' : ''}`);
    lg.append(s);
  }
  const p = layout?.protocol;
  const e = document.createElement('span');
  e.style.color = COLORS.dim;
  e.textContent = p ? `protocol: ${p.title}` : 'free run';
  lg.append(e);
}

function renderAbout(): void {
  const p = layout?.protocol;
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

// ---- drawing at display rate, whatever the worker is doing ----
let fpsN = 0;
let fpsT = performance.now();
function draw(now: number): void {
  views.probe.draw();
  views.pct.draw();
  views.rate.draw();
  for (const v of views.rasters) v.draw();
  for (const v of views.grids) v.draw();
  views.cells.draw(now);
  fpsN++;
  if (now - fpsT > 1000) {
    handle.fps = (fpsN * 1000) / (now - fpsT);
    $('fps').textContent = handle.fps.toFixed(0);
    fpsN = 0;
    fpsT = now;
  }
  requestAnimationFrame(draw);
}
addEventListener('resize', () => {
  for (const v of [views.probe, views.pct, views.rate, ...views.rasters, ...views.grids]) v.dirty = true;
});

// ---- controls ----
function rebuildTissues(): void {
  syncUrl();
  void busy('rebuilding…', sim.setTissues(specs())).catch(fail);
}

function buildTissueControls(inf: SimInfo): void {
  const box = $('tissueControls');
  LABELS.forEach((L, k) => {
    const fs = document.createElement('fieldset');
    fs.className = L;
    fs.dataset.tissue = String(k);
    const lg = document.createElement('legend');
    lg.textContent = `Tissue ${L}`;
    fs.append(lg);
    const gl = document.createElement('label');
    gl.append('genotype ');
    const g = document.createElement('select');
    g.id = `genotype-${L}`;
    for (const x of inf.genotypes) {
      const o = new Option(x.name, x.name);
      o.title = x.doc;
      g.add(o);
    }
    g.addEventListener('change', () => {
      state.tissues[k].genotype = g.value;
      rebuildTissues();
    });
    gl.append(g);
    fs.append(gl);
    for (const [field] of EXPRESSION_KEYS) {
      const l = document.createElement('label');
      l.append(`${EXPRESSION_NAMES[field]} expression `);
      const inp = document.createElement('input');
      inp.type = 'number';
      inp.id = `${field}-${L}`;
      inp.min = String(inf.expression.min);
      inp.max = String(inf.expression.max);
      inp.step = '0.1';
      inp.title = `${field}: fraction of the wild type (${inf.expression.min}-${inf.expression.max}; 1 = wild type)`;
      inp.addEventListener('change', () => {
        const v = Math.min(inf.expression.max, Math.max(inf.expression.min, Number(inp.value)));
        inp.value = String(Number.isFinite(v) ? v : 1);
        state.tissues[k][field] = Number(inp.value);
        rebuildTissues();
      });
      l.append(inp);
      fs.append(l);
    }
    const ll = document.createElement('label');
    ll.append('linked (shared drugs and protocol) ');
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.id = `linked-${L}`;
    cb.addEventListener('change', () => {
      const t = state.tissues[k];
      t.linked = cb.checked;
      if (t.linked) {
        const other = state.tissues.find((x, j) => j !== k && j < state.count && x.linked);
        if (other) t.doses = { ...other.doses };
      }
      buildDrugTable();
      syncUrl();
      renderLegend();
      void sim.setLinked(k, t.linked).catch(fail);
    });
    ll.append(cb);
    fs.append(ll);
    box.append(fs);
  });
}

/** The dose groups: the linked tissues together, then each unlinked tissue alone. */
function doseGroups(): { tissues: number[]; key: string; title: string }[] {
  const used = [...Array(state.count).keys()];
  const linked = used.filter((k) => state.tissues[k].linked);
  const groups: { tissues: number[]; key: string; title: string }[] = [];
  if (linked.length) groups.push({ tissues: linked, key: '', title: linked.map((k) => LABELS[k]).join('+') });
  for (const k of used) if (!state.tissues[k].linked) groups.push({ tissues: [k], key: `-${LABELS[k]}`, title: `${LABELS[k]} only` });
  return groups;
}

function buildDrugTable(): void {
  if (!info) return;
  const tbl = $('drugs');
  tbl.innerHTML = '';
  const groups = doseGroups();
  const head = document.createElement('tr');
  head.innerHTML = '<th scope="col">drug</th>';
  for (const g of groups) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = g.title;
    head.append(th);
  }
  tbl.append(head);
  for (const d of info.drugs) {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    name.title = `${d.action} at ${d.target}, K = ${+d.K_nM.toPrecision(3)} nM`;
    name.innerHTML = `${d.name} <small>${d.target} ${d.action.slice(0, 5)}.</small>`;
    tr.append(name);
    for (const g of groups) {
      const td = document.createElement('td');
      const inp = document.createElement('input');
      inp.type = 'number';
      inp.min = '0';
      inp.step = 'any';
      inp.id = `drug-${d.name}${g.key}`;
      inp.setAttribute(
        'aria-label',
        `${d.name}, nM, tissue${g.tissues.length > 1 ? 's' : ''} ${g.tissues.map((k) => LABELS[k]).join(' and ')}`,
      );
      inp.value = String(state.tissues[g.tissues[0]].doses[d.name] ?? 0);
      inp.addEventListener('change', () => {
        const v = Math.max(0, Number(inp.value) || 0);
        inp.value = String(v);
        for (const k of g.tissues) {
          if (v > 0) state.tissues[k].doses[d.name] = v;
          else delete state.tissues[k].doses[d.name];
        }
        syncUrl();
        void sim.setDrug(d.name, v, g.key ? g.tissues[0] : undefined).catch(fail);
      });
      td.append(inp);
      tr.append(td);
    }
    tbl.append(tr);
  }
}

function syncDrugInputs(): void {
  if (!info) return;
  for (const g of doseGroups()) {
    for (const d of info.drugs) {
      const inp = document.getElementById(`drug-${d.name}${g.key}`) as HTMLInputElement | null;
      if (inp && document.activeElement !== inp) inp.value = String(state.tissues[g.tissues[0]].doses[d.name] ?? 0);
    }
  }
}

/** The controls show the state (after a layout, a reload). */
function syncControls(): void {
  $<HTMLSelectElement>('tissueCount').value = String(state.count);
  LABELS.forEach((L, k) => {
    const t = state.tissues[k];
    $<HTMLSelectElement>(`genotype-${L}`).value = t.genotype;
    for (const [field] of EXPRESSION_KEYS) $<HTMLInputElement>(`${field}-${L}`).value = String(t[field]);
    $<HTMLInputElement>(`linked-${L}`).checked = t.linked;
  });
  const sel = $<HTMLSelectElement>('neurons');
  if (![...sel.options].some((o) => o.value === String(state.neurons))) sel.add(new Option(String(state.neurons)));
  sel.value = String(state.neurons);
  $<HTMLInputElement>('seed').value = String(state.seed);
  const sp = $<HTMLSelectElement>('speed');
  if (![...sp.options].some((o) => Number(o.value) === state.speed)) sp.add(new Option(`${state.speed}×`, String(state.speed)));
  sp.value = String(state.speed);
  $<HTMLSelectElement>('cellsTissue').value = String(cellsTissue);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#protocols button')) {
    b.setAttribute('aria-pressed', String((b.dataset.protocol || null) === state.protocol));
  }
  const p = protocolInfo();
  $('protocolStatus').textContent = p ? `${p.title}: ${p.phases.length} phases, ${p.endS} s` : 'free run: drugs by hand';
  buildDrugTable();
}

function buildControls(inf: SimInfo): void {
  buildTissueControls(inf);
  const pbox = $('protocols');
  for (const p of [...inf.protocols, null]) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = `protocol-${p?.id ?? 'free'}`;
    b.dataset.protocol = p?.id ?? '';
    b.textContent = p?.title ?? 'Free run';
    b.title = p ? p.doc : 'no protocol: the drugs stay as they are, set them by hand';
    b.addEventListener('click', () => {
      state.protocol = p?.id ?? null;
      syncUrl();
      syncControls();
      if (p)
        void busy(
          'starting the protocol…',
          sim.setProtocol(p.id).then(() => sim.start()),
        ).catch(fail);
      else {
        // free run from now on: no rebuild, the traces go on scrolling
        void sim.setProtocol(null).catch(fail);
        if (layout) layout.protocol = null;
        for (const v of [views.probe, views.pct, views.rate]) v.fixedSpan(null);
        renderLegend();
        renderAbout();
      }
    });
    pbox.append(b);
  }
  $<HTMLSelectElement>('tissueCount').addEventListener('change', (e) => {
    state.count = Number((e.target as HTMLSelectElement).value) === 1 ? 1 : 2;
    rebuildTissues();
  });
  $<HTMLSelectElement>('neurons').addEventListener('change', (e) => {
    state.neurons = Number((e.target as HTMLSelectElement).value);
    syncUrl();
    void busy('rebuilding…', sim.setNeurons(state.neurons)).catch(fail);
  });
  $<HTMLInputElement>('seed').addEventListener('change', (e) => {
    const el = e.target as HTMLInputElement;
    const k = Math.max(0, Math.round(Number(el.value) || 0));
    el.value = String(k);
    state.seed = k;
    syncUrl();
    void busy('rebuilding…', sim.setSeed(k)).catch(fail);
  });
  $('play').addEventListener('click', () => {
    running = !running;
    state.paused = !running;
    syncUrl();
    void (running ? sim.start() : sim.pause()).catch(fail);
    $('play').textContent = running ? 'Pause' : 'Play';
  });
  $('stepBtn').addEventListener('click', () => {
    running = false;
    void sim
      .pause()
      .then(() => sim.step(0.5))
      .catch(fail);
  });
  $('reset').addEventListener('click', () => {
    for (const t of state.tissues) t.doses = {};
    rebuildTissues();
  });
  const sp = $<HTMLSelectElement>('speed');
  sp.addEventListener('change', () => {
    state.speed = Number(sp.value);
    syncUrl();
    void sim.setMaxSpeed(state.speed).catch(fail);
  });
  const z = $<HTMLInputElement>('sliceZ');
  z.addEventListener('input', () => void sim.setSliceZ(Number(z.value)).catch(fail));
  $<HTMLSelectElement>('cellsTissue').addEventListener('change', (e) => {
    cellsTissue = Number((e.target as HTMLSelectElement).value);
    views.cells.label = `Tissue ${LABELS[cellsTissue]}`;
  });
  $('csvBtn').addEventListener('click', () => void downloadCsv().catch(fail));
  $('pngBtn').addEventListener('click', () => void downloadPng().catch(fail));
}

function fileStem(): string {
  const g = (layout?.tissues ?? []).map((t) => `${t.label}-${t.genotype}`).join('_');
  return `raphe_${g}_${layout?.protocol?.id ?? 'free'}_seed${layout?.seed ?? state.seed}`;
}

async function downloadCsv(): Promise<void> {
  if (!layout) return;
  const s = await sim.summary(1);
  const csv = tracesCsv(store, {
    url: location.href,
    layout,
    summary: s,
    protocolTitle: layout.protocol?.title ?? null,
    baselines: store.tissues.map((_, k) => baselineOf(k)),
  });
  download(new Blob([csv], { type: 'text/csv' }), `${fileStem()}.csv`);
}

async function downloadPng(): Promise<void> {
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
  const title = `raphe: ${layout.tissues.map((_, k) => tissueName(k)).join(' | ')}; ${layout.protocol?.title ?? 'free run'}; ${layout.neurons} neurons, seed ${layout.seed}, t = ${store.tNow.toFixed(1)} s`;
  download(await plotsPng(canvases, title, COLORS.bg, COLORS.text), `${fileStem()}.png`);
}

async function main(): Promise<void> {
  requestAnimationFrame(draw);
  const inf = await busy(
    'starting (steady-state estimates, shaders)…',
    sim.init({
      tissues: specs(),
      protocol: state.protocol,
      neurons: state.neurons,
      engine: state.engine,
      seed: state.seed,
      maxSpeed: state.speed,
      ...(state.voxel !== null ? { voxelUm: state.voxel } : {}),
    }),
  );
  info = inf;
  handle.info = inf;
  $('engine').textContent = inf.engine === 'webgpu' ? 'WebGPU' : 'CPU';
  $('adapter').textContent = inf.adapter;
  if (inf.engine === 'cpu' && inf.softwareAdapter) {
    baseNotice = `Only software WebGPU here (${inf.softwareAdapter.split(' / ').pop()}), slower than the CPU engine: running ${state.count === 2 ? 'both tissues' : 'the tissue'} on the CPU engine in the worker, on a coarser grid (engine=webgpu in the URL to use WebGPU).`;
  } else if (inf.engine === 'cpu' && state.engine !== 'cpu') {
    const why = 'gpu' in navigator ? 'no WebGPU adapter was found' : 'this browser has no WebGPU';
    baseNotice = `WebGPU unavailable (${why}): running ${state.count === 2 ? 'both tissues' : 'the tissue'} on the CPU engine in the worker, one after the other, slower and on a coarser grid.`;
  } else if (inf.notice) baseNotice = inf.notice;
  if (parsed.problems.length) baseNotice = `${baseNotice ? `${baseNotice} ` : ''}URL: ${parsed.problems.join('; ')}.`;
  showNotice(baseNotice);
  buildControls(inf);
  applyLayout(await sim.layout());
  syncUrl();
  void pump();
  if (running) await sim.start();
  handle.ready = true;
}

main().catch(fail);
