/**
 * The page's controls: built once from what the worker can do (genotypes, drugs, protocols, the
 * expression range), each one changing the state, the URL and the worker together; and kept showing
 * the state after a layout or a phase change (a protocol's doses, a tissue linked again).
 */
import type { SimInfo } from '../src/worker/protocol.js';
import { downloadCsv, downloadPng } from './downloads.js';
import { $, EXPRESSION_NAMES, LABELS, busy, rebuildTissues, syncUrl, type Page } from './page.js';
import { renderAbout, renderLegend } from './readouts.js';
import { EXPRESSION_KEYS } from './state.js';

function buildTissueControls(page: Page, inf: SimInfo): void {
  const { state } = page;
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
      rebuildTissues(page);
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
        rebuildTissues(page);
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
      buildDrugTable(page);
      syncUrl(state);
      renderLegend(page);
      void page.sim.setLinked(k, t.linked).catch(page.fail);
    });
    ll.append(cb);
    fs.append(ll);
    box.append(fs);
  });
}

/** The dose groups: the linked tissues together, then each unlinked tissue alone. */
function doseGroups(page: Page): { tissues: number[]; key: string; title: string }[] {
  const { state } = page;
  const used = [...Array(state.count).keys()];
  const linked = used.filter((k) => state.tissues[k].linked);
  const groups: { tissues: number[]; key: string; title: string }[] = [];
  if (linked.length) groups.push({ tissues: linked, key: '', title: linked.map((k) => LABELS[k]).join('+') });
  for (const k of used) if (!state.tissues[k].linked) groups.push({ tissues: [k], key: `-${LABELS[k]}`, title: `${LABELS[k]} only` });
  return groups;
}

function buildDrugTable(page: Page): void {
  const { info, state } = page;
  if (!info) return;
  const tbl = $('drugs');
  tbl.innerHTML = '';
  const groups = doseGroups(page);
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
        syncUrl(state);
        void page.sim.setDrug(d.name, v, g.key ? g.tissues[0] : undefined).catch(page.fail);
      });
      td.append(inp);
      tr.append(td);
    }
    tbl.append(tr);
  }
}

/** The drug inputs show the state's doses (but not the one being edited). */
export function syncDrugInputs(page: Page): void {
  const { info, state } = page;
  if (!info) return;
  for (const g of doseGroups(page)) {
    for (const d of info.drugs) {
      const inp = document.getElementById(`drug-${d.name}${g.key}`) as HTMLInputElement | null;
      if (inp && document.activeElement !== inp) inp.value = String(state.tissues[g.tissues[0]].doses[d.name] ?? 0);
    }
  }
}

/** The controls show the state (after a layout, a reload). */
export function syncControls(page: Page): void {
  const { state } = page;
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
  $<HTMLSelectElement>('cellsTissue').value = String(page.cellsTissue);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#protocols button')) {
    b.setAttribute('aria-pressed', String((b.dataset.protocol || null) === state.protocol));
  }
  const p = page.info?.protocols.find((x) => x.id === state.protocol) ?? null;
  $('protocolStatus').textContent = p ? `${p.title}: ${p.phases.length} phases, ${p.endS} s` : 'free run: drugs by hand';
  buildDrugTable(page);
}

function buildProtocolButtons(page: Page, inf: SimInfo): void {
  const { state, sim, views } = page;
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
      syncUrl(state);
      syncControls(page);
      if (p)
        void busy(
          'starting the protocol…',
          sim.setProtocol(p.id).then(() => sim.start()),
        ).catch(page.fail);
      else {
        // free run from now on: no rebuild, the traces go on scrolling
        void sim.setProtocol(null).catch(page.fail);
        if (page.layout) page.layout.protocol = null;
        for (const v of [views.probe, views.pct, views.rate]) v.fixedSpan(null);
        renderLegend(page);
        renderAbout(page);
      }
    });
    pbox.append(b);
  }
}

export function buildControls(page: Page, inf: SimInfo): void {
  const { state, sim, views } = page;
  buildTissueControls(page, inf);
  buildProtocolButtons(page, inf);
  $<HTMLSelectElement>('tissueCount').addEventListener('change', (e) => {
    state.count = Number((e.target as HTMLSelectElement).value) === 1 ? 1 : 2;
    rebuildTissues(page);
  });
  $<HTMLSelectElement>('neurons').addEventListener('change', (e) => {
    state.neurons = Number((e.target as HTMLSelectElement).value);
    syncUrl(state);
    void busy('rebuilding…', sim.setNeurons(state.neurons)).catch(page.fail);
  });
  $<HTMLInputElement>('seed').addEventListener('change', (e) => {
    const el = e.target as HTMLInputElement;
    const k = Math.max(0, Math.round(Number(el.value) || 0));
    el.value = String(k);
    state.seed = k;
    syncUrl(state);
    void busy('rebuilding…', sim.setSeed(k)).catch(page.fail);
  });
  $('play').addEventListener('click', () => {
    page.running = !page.running;
    state.paused = !page.running;
    syncUrl(state);
    void (page.running ? sim.start() : sim.pause()).catch(page.fail);
    $('play').textContent = page.running ? 'Pause' : 'Play';
  });
  $('stepBtn').addEventListener('click', () => {
    page.running = false;
    void sim
      .pause()
      .then(() => sim.step(0.5))
      .catch(page.fail);
  });
  $('reset').addEventListener('click', () => {
    for (const t of state.tissues) t.doses = {};
    rebuildTissues(page);
  });
  const sp = $<HTMLSelectElement>('speed');
  sp.addEventListener('change', () => {
    state.speed = Number(sp.value);
    syncUrl(state);
    void sim.setMaxSpeed(state.speed).catch(page.fail);
  });
  const z = $<HTMLInputElement>('sliceZ');
  z.addEventListener('input', () => void sim.setSliceZ(Number(z.value)).catch(page.fail));
  $<HTMLSelectElement>('cellsTissue').addEventListener('change', (e) => {
    page.cellsTissue = Number((e.target as HTMLSelectElement).value);
    views.cells.label = `Tissue ${LABELS[page.cellsTissue]}`;
  });
  $('csvBtn').addEventListener('click', () => void downloadCsv(page).catch(page.fail));
  $('pngBtn').addEventListener('click', () => void downloadPng(page).catch(page.fail));
}
