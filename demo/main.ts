/**
 * The demo page: starts the simulation worker, pulls frames from it (at most at display rate) and
 * draws them on canvases in a requestAnimationFrame loop; the model never runs on this thread.
 * URL parameters: neurons, engine (auto|cpu|webgpu), speed (sim s per wall s, 0 = max), voxel (µm),
 * seed, genotype, paused.
 */
import { wrap, type Remote } from 'comlink';
import type { Frame, Layout, SimApi, SimInfo, Summary } from '../src/worker/protocol.js';
import { Cells3DView } from './views/cells3d.js';
import { GridView } from './views/grid.js';
import { RasterView } from './views/raster.js';
import { TraceView } from './views/trace.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const q = new URLSearchParams(location.search);
const num = (k: string, d: number) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : d);

const views = {
  raster: new RasterView($('raster'), 5),
  rate: new TraceView($('rate'), {
    title: 'Population rate',
    unit: 'Hz',
    color: '#7fd3ff',
    windowS: 20,
    band: { lo: 0.5, hi: 3, label: 'F1 band' },
    minYMax: 4,
  }),
  probe: new TraceView($('probe'), { title: 'Probe 5-HT (virtual microdialysis)', unit: 'nM', color: '#f28e6b', windowS: 20, minYMax: 10 }),
  grid: new GridView($('grid')),
  cells: new Cells3DView($('cells')),
};

/** State and handles for tests and the console. */
interface DemoHandle {
  ready: boolean;
  error?: string;
  info?: SimInfo;
  layout?: Layout;
  frames: number;
  fps: number;
  tS: number;
  simPerWall: number;
  sim: Remote<SimApi>;
  summary(windowS?: number): Promise<Summary>;
  views: typeof views;
}

const worker = new Worker(new URL('./sim-worker.js', import.meta.url), { type: 'module', name: 'raphe-sim' });
const sim = wrap<SimApi>(worker);
const handle: DemoHandle = { ready: false, frames: 0, fps: 0, tS: 0, simPerWall: 0, sim, summary: (w) => sim.summary(w), views };
(globalThis as unknown as { raphe: DemoHandle }).raphe = handle;

let version = -1;
let running = !q.has('paused');

function fail(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  handle.error = msg;
  showNotice(`Error: ${msg}`);
  console.error(e);
}
worker.addEventListener('error', (e) => fail(e.message || 'the simulation worker failed to start'));

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

function applyLayout(l: Layout): void {
  handle.layout = l;
  version = l.version;
  views.raster.reset(l.rasterCells);
  views.rate.clear();
  views.probe.clear();
  views.grid.reset(l.voxelUm, l.nz);
  views.cells.reset(l.pos, [l.nx * l.voxelUm, l.ny * l.voxelUm, l.nz * l.voxelUm]);
  $('neuronsStat').textContent = l.neurons.toLocaleString('en');
  const sel = $<HTMLSelectElement>('neurons');
  if (![...sel.options].some((o) => o.value === String(l.neurons))) sel.add(new Option(String(l.neurons)));
  sel.value = String(l.neurons);
  $<HTMLSelectElement>('genotype').value = l.genotype;
  const z = $<HTMLInputElement>('sliceZ');
  z.max = String(l.nz - 1);
}

async function onFrame(f: Frame): Promise<void> {
  if (f.version !== version) applyLayout(await sim.layout());
  handle.frames++;
  handle.tS = f.tS;
  handle.simPerWall = f.simPerWall;
  views.rate.push(f.sampleT, f.rateHz, f.tS);
  views.probe.push(f.sampleT, f.probeNm, f.tS);
  views.raster.push(f.spikeCell, f.spikeT, f.tS);
  views.cells.setActivity(f.activity);
  if (f.slice) {
    views.grid.set(f.slice);
    const z = $<HTMLInputElement>('sliceZ');
    if (document.activeElement !== z) z.value = String(f.slice.z);
  }
  $('simTime').textContent = f.tS.toFixed(1);
  $('speedStat').textContent = f.running ? (f.simPerWall >= 10 ? f.simPerWall.toFixed(0) : f.simPerWall.toFixed(2)) : 'paused';
  $('play').textContent = f.running ? 'Pause' : 'Play';
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
  views.raster.draw();
  views.rate.draw();
  views.probe.draw();
  views.grid.draw();
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
  for (const v of [views.raster, views.rate, views.probe, views.grid]) v.dirty = true;
});

// ---- controls ----
function buildControls(info: SimInfo): void {
  const g = $<HTMLSelectElement>('genotype');
  for (const x of info.genotypes) {
    const o = new Option(x.name, x.name);
    o.title = x.doc;
    g.add(o);
  }
  g.addEventListener('change', () => void busy('rebuilding…', sim.setGenotype(g.value)).catch(fail));
  $<HTMLSelectElement>('neurons').addEventListener('change', (e) => {
    const n = Number((e.target as HTMLSelectElement).value);
    void busy('rebuilding…', sim.setNeurons(n)).catch(fail);
  });
  const drugs = $('drugs');
  for (const d of info.drugs) {
    const row = document.createElement('label');
    row.className = 'drug';
    row.title = `${d.action} at ${d.target}, K = ${+d.K_nM.toPrecision(3)} nM`;
    row.innerHTML = `<span>${d.name} <small>${d.target} ${d.action.slice(0, 5)}.</small></span>`;
    const inp = document.createElement('input');
    inp.type = 'number';
    inp.min = '0';
    inp.step = 'any';
    inp.value = '0';
    inp.id = `drug-${d.name}`;
    inp.addEventListener('change', () => {
      const v = Math.max(0, Number(inp.value) || 0);
      inp.value = String(v);
      void sim
        .setDrug(d.name, v)
        .then(() => sim.summary(0))
        .then((s) => {
          views.probe.mark(s.tS, v > 0 ? `${d.name} ${v} nM` : `${d.name} off`);
          views.rate.mark(s.tS, '');
        })
        .catch(fail);
    });
    row.append(inp);
    drugs.append(row);
  }
  $('play').addEventListener('click', () => {
    running = !running;
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
    for (const d of info.drugs) $<HTMLInputElement>(`drug-${d.name}`).value = '0';
    void busy(
      'resetting…',
      sim.setDoses({}).then(() => sim.reset()),
    ).catch(fail);
  });
  const sp = $<HTMLSelectElement>('speed');
  sp.addEventListener('change', () => void sim.setMaxSpeed(Number(sp.value)).catch(fail));
  const z = $<HTMLInputElement>('sliceZ');
  z.addEventListener('input', () => void sim.setSliceZ(Number(z.value)).catch(fail));
}

async function main(): Promise<void> {
  requestAnimationFrame(draw);
  const speed = q.get('speed') === 'max' ? 0 : num('speed', 1);
  const sp = $<HTMLSelectElement>('speed');
  if (![...sp.options].some((o) => Number(o.value) === speed)) sp.add(new Option(`${speed}×`, String(speed)));
  sp.value = String(speed);
  const engine = (q.get('engine') ?? 'auto') as 'auto' | 'cpu' | 'webgpu';
  const info = await busy(
    'starting (steady-state estimate, shaders)…',
    sim.init({
      neurons: num('neurons', 2000),
      engine,
      seed: num('seed', 1),
      maxSpeed: speed,
      ...(q.has('voxel') ? { voxelUm: num('voxel', 20) } : {}),
      ...(q.has('genotype') ? { genotype: q.get('genotype')! } : {}),
    }),
  );
  handle.info = info;
  $('engine').textContent = info.engine === 'webgpu' ? 'WebGPU' : 'CPU';
  $('adapter').textContent = info.adapter;
  if (info.engine === 'cpu' && engine !== 'cpu') {
    const why = 'gpu' in navigator ? 'no WebGPU adapter was found' : 'this browser has no WebGPU';
    showNotice(`WebGPU unavailable (${why}): running on the CPU engine in the worker, slower and on a coarser grid.`);
  } else if (info.notice) showNotice(info.notice);
  buildControls(info);
  applyLayout(await sim.layout());
  void pump();
  if (running) await sim.start();
  handle.ready = true;
}

main().catch(fail);
