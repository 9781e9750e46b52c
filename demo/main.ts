/**
 * The demo page: starts the simulation worker with the state its URL holds (demo/state.ts), pulls frames
 * from it (at most at display rate) into the store (demo/store.ts) and draws them on canvases in a
 * requestAnimationFrame loop; the model never runs on this thread and is reached only through the
 * worker's protocol (src/worker/protocol.ts). Two tissues, A and B, on one clock, side by side.
 * The controls are in demo/controls.ts, the plots' data, numbers and legend in demo/readouts.ts.
 */
import { wrap, type Remote } from 'comlink';
import type { Frame, Layout, PhaseMark, SimApi, SimInfo, Summary } from '../src/worker/protocol.js';
import { buildControls, syncControls, syncDrugInputs } from './controls.js';
import { $, LABELS, TISSUE_COLORS, busy, exprText, showNotice, specs, syncUrl, type Page } from './page.js';
import { readout, refreshPlots, renderAbout, renderLegend, type Readout } from './readouts.js';
import { parseState, type PageState } from './state.js';
import { Store } from './store.js';
import { Cells3DView } from './views/cells3d.js';
import { GridView } from './views/grid.js';
import { RasterView } from './views/raster.js';
import { TraceView } from './views/trace.js';

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
    minYMax: 4,
  }),
  rasters: LABELS.map((L, k) => new RasterView($(`raster-${L}`), TISSUE_COLORS[k], 5)),
  grids: LABELS.map((L) => new GridView($(`grid-${L}`))),
  cells: new Cells3DView($('cells')),
};

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
const page: Page = { state, store, views, sim, running: !state.paused, cellsTissue: 0, fail };
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
  readout: () => readout(page),
  views,
};
(globalThis as unknown as { raphe: DemoHandle }).raphe = handle;

let version = -1;

function fail(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  handle.error = msg;
  showNotice(`Error: ${msg}`);
  console.error(e);
}
worker.addEventListener('error', (e) => fail(e.message || 'the simulation worker failed to start'));

// ---- layout and frames ----
function applyLayout(l: Layout): void {
  page.layout = l;
  handle.layout = l;
  version = l.version;
  store.reset(l.tissues.length);
  handle.protocolDone = false;
  l.tissues.forEach((t, k) => {
    const name = `Tissue ${t.label} (${t.genotype}${exprText(state, k)})`;
    views.rasters[k].reset(l.rasterCells, `${name}: spike raster`, TISSUE_COLORS[k]);
    views.grids[k].reset(l.voxelUm, l.nz, `Tissue ${t.label} (${t.genotype})`);
  });
  views.cells.reset(l.pos, [l.nx * l.voxelUm, l.ny * l.voxelUm, l.nz * l.voxelUm]);
  const span = l.protocol ? l.protocol.endS : null;
  for (const v of [views.probe, views.pct, views.rate]) v.fixedSpan(span);
  $('neuronsStat').textContent = l.neurons.toLocaleString('en');
  $('speedTissues').textContent = l.tissues.length === 2 ? 'both tissues' : 'one tissue';
  document.body.classList.toggle('one', l.tissues.length === 1);
  if (page.cellsTissue >= l.tissues.length) page.cellsTissue = 0;
  views.cells.label = `Tissue ${LABELS[page.cellsTissue]}`;
  const z = $<HTMLInputElement>('sliceZ');
  z.max = String(l.nz - 1);
  syncControls(page);
  renderLegend(page);
  renderAbout(page);
  refreshPlots(page);
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
    if (k === page.cellsTissue) views.cells.setActivity(tf.activity);
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
    page.running = false;
  }
  refreshPlots(page);
  $('simTime').textContent = f.tS.toFixed(1);
  $('speedStat').textContent = f.running ? (f.simPerWall >= 10 ? f.simPerWall.toFixed(0) : f.simPerWall.toPrecision(3)) : 'paused';
  $('play').textContent = f.running ? 'Pause' : 'Play';
  page.running = f.running;
}

/** A phase change: the tissue's doses now (the drug inputs show them), and its marks. */
function onPhase(m: PhaseMark): void {
  const t = state.tissues[m.tissue];
  if (!t) return;
  t.doses = { ...m.doses };
  syncDrugInputs(page);
  syncUrl(state);
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

/** The notice line at the start: the engine the worker took and why, and what the URL held that could not be read. */
function startNotice(inf: SimInfo): string {
  let notice = '';
  if (inf.engine === 'cpu' && inf.softwareAdapter) {
    notice = `Only software WebGPU here (${inf.softwareAdapter.split(' / ').pop()}), slower than the CPU engine: running ${state.count === 2 ? 'both tissues' : 'the tissue'} on the CPU engine in the worker, on a coarser grid (engine=webgpu in the URL to use WebGPU).`;
  } else if (inf.engine === 'cpu' && state.engine !== 'cpu') {
    const why = 'gpu' in navigator ? 'no WebGPU adapter was found' : 'this browser has no WebGPU';
    notice = `WebGPU unavailable (${why}): running ${state.count === 2 ? 'both tissues' : 'the tissue'} on the CPU engine in the worker, one after the other, slower and on a coarser grid.`;
  } else if (inf.notice) notice = inf.notice;
  if (parsed.problems.length) notice = `${notice ? `${notice} ` : ''}URL: ${parsed.problems.join('; ')}.`;
  return notice;
}

async function main(): Promise<void> {
  requestAnimationFrame(draw);
  const inf = await busy(
    'starting (steady-state estimates, shaders)…',
    sim.init({
      tissues: specs(state),
      protocol: state.protocol,
      neurons: state.neurons,
      engine: state.engine,
      seed: state.seed,
      maxSpeed: state.speed,
      ...(state.voxel !== null ? { voxelUm: state.voxel } : {}),
    }),
  );
  page.info = inf;
  handle.info = inf;
  views.rate.setBand(inf.rateBand);
  $('engine').textContent = inf.engine === 'webgpu' ? 'WebGPU' : 'CPU';
  $('adapter').textContent = inf.adapter;
  showNotice(startNotice(inf));
  buildControls(page, inf);
  applyLayout(await sim.layout());
  syncUrl(state);
  void pump();
  if (page.running) await sim.start();
  handle.ready = true;
}

main().catch(fail);
