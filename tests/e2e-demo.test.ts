/**
 * The demo in a real browser (playwright-core driving Debian's /usr/bin/chromium, headless: WebGPU on
 * SwiftShader there). Builds dist/ and serves it like `npm run demo`, then:
 *  - with WebGPU: two tissues (WT, Htr2b 5-HTKO) run in one WebGPU batch in the worker, every canvas
 *    of both is drawn, the legend and the page's numbers name them; the SSRI challenge raises tissue A's
 *    probe (% of baseline, the page's own numbers) more than B's; the CSV download holds both tissues'
 *    traces with the phases marked, and the PNG download is an image; saves a screenshot to
 *    test-results/demo.png (docs/demo.png with RAPHE_UPDATE_SCREENSHOT=1);
 *  - a URL with a state (tissues, expression, an unlinked tissue with its own drug, protocol, neurons,
 *    seed, speed) shows that state in the controls and reproduces the same traces after a reload;
 *    every control is labelled and reached with Tab;
 *  - with WebGPU disabled: both tissues run on the CPU engine, and the page says so.
 * Skips without Chromium, and without a WebGPU adapter in Chromium, unless RAPHE_GPU_REQUIRED is set:
 * then both fail. Small tissues (300 neurons): SwiftShader is slow.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
// @ts-expect-error plain ESM script without types
import { buildDemo, CHROMIUM, chromiumArgs, serveDemo } from '../scripts/serve-demo.mjs';
import { isSoftwareAdapter } from '../src/engines/create.js';
import type { SimInfo, Summary } from '../src/worker/protocol.js';

const required = !!process.env.RAPHE_GPU_REQUIRED;
const haveChromium = existsSync(CHROMIUM);
const TWO = ['probe', 'pct', 'rate', 'raster-A', 'raster-B', 'grid-A', 'grid-B', 'cells'];

type Readout = { label: string; genotype: string; phase: string; probeNm: number; pctBaseline: number; rateHz: number };
type Raphe = {
  ready: boolean;
  error?: string;
  info: SimInfo;
  tS: number;
  fps: number;
  frames: number;
  protocolDone: boolean;
  store: { t: number[]; tissues: { probe: number[]; rate: number[] }[] };
  summary(w?: number): Promise<Summary>;
  readout(): Readout[];
};
declare global {
  interface Window {
    raphe: Raphe;
  }
}

let server: { url: string; close(): Promise<void> };

if (!haveChromium) {
  test(`Chromium at ${CHROMIUM} (skipped: missing; set RAPHE_GPU_REQUIRED=1 to fail instead)`, () => {
    expect(required, `${CHROMIUM} is missing and RAPHE_GPU_REQUIRED is set`).toBe(false);
  });
}

const d = haveChromium ? describe : describe.skip;

async function launch(webgpu: boolean): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(webgpu),
  });
}

async function open(browser: Browser, query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(server.url + query);
  await ready(page);
  return { page, errors };
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => window.raphe?.ready || window.raphe?.error, null, { timeout: 120_000 });
  expect(await page.evaluate(() => window.raphe.error)).toBeUndefined();
}

const summary = (page: Page, windowS: number) => page.evaluate((w) => window.raphe.summary(w), windowS);

async function waitSim(page: Page, tS: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction((t) => window.raphe.tS >= t || window.raphe.error, tS, { timeout: timeoutMs, polling: 200 });
  expect(await page.evaluate(() => window.raphe.error)).toBeUndefined();
}

/** Per canvas: the fraction of pixels that differ from the panel background, and distinct colours. */
async function canvasInk(page: Page, ids: string[]): Promise<Record<string, { ink: number; colours: number }>> {
  return page.evaluate((list) => {
    const out: Record<string, { ink: number; colours: number }> = {};
    for (const id of list) {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const [r0, g0, b0] = [px[0], px[1], px[2]];
      let ink = 0;
      const colours = new Set<number>();
      for (let i = 0; i < px.length; i += 4) {
        if (Math.abs(px[i] - r0) + Math.abs(px[i + 1] - g0) + Math.abs(px[i + 2] - b0) > 24) ink++;
        if (colours.size < 5000) colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      }
      out[id] = { ink: ink / (px.length / 4), colours: colours.size };
    }
    return out;
  }, ids);
}

async function expectDrawn(page: Page, ids: string[]): Promise<void> {
  const ink = await canvasInk(page, ids);
  for (const id of ids) {
    expect(ink[id].ink, `canvas #${id} is blank`).toBeGreaterThan(0.01);
    expect(ink[id].colours, `canvas #${id} has too few colours`).toBeGreaterThan(5);
  }
}

/** Pixels of a canvas in a tissue's trace colour (A: #7fd3ff, B: #f28e6b), within a tolerance. */
async function colourPixels(page: Page, id: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ([cid, [r, g, b]]) => {
      const c = document.getElementById(cid as string) as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b) < 40) n++;
      return n;
    },
    [id, rgb] as const,
  );
}

const pct = async (page: Page, label: string) => Number(await page.textContent(`#out-${label}-pct`));

d('demo in Chromium', () => {
  beforeAll(async () => {
    await buildDemo();
    server = await serveDemo({ port: 0 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  test('static site: shaders bundled into the worker, the page bundle holds no model', () => {
    const worker = readFileSync('dist/sim-worker.js', 'utf8');
    const main = readFileSync('dist/main.js', 'utf8');
    expect(worker).toMatch(/@compute/);
    expect(main).not.toMatch(/@compute/);
    expect(main).not.toMatch(/release_uptake|Philox/i);
    expect(readFileSync('dist/index.html', 'utf8')).toMatch(/main\.js/);
  });

  test('WebGPU, two tissues: both drawn; the SSRI challenge raises A (WT) more than B (KO); CSV and PNG downloads', async (ctx) => {
    const browser = await launch(true);
    try {
      const { page, errors } = await open(browser, '?neurons=300&speed=max&engine=webgpu');
      const info = await page.evaluate(() => window.raphe.info);
      if (info.engine !== 'webgpu') {
        expect(required, `no WebGPU adapter in Chromium (engine ${info.engine}: ${info.notice})`).toBe(false);
        ctx.skip();
      }
      expect(await page.textContent('#engine')).toBe('WebGPU');
      expect(await page.textContent('#adapter')).toBe(info.adapter);
      expect(await page.textContent('#neuronsStat')).toBe('300');
      expect(await page.textContent('#speedTissues')).toBe('both tissues');
      expect(await page.isVisible('#notice')).toBe(false);
      expect(await page.textContent('#legend-A')).toMatch(/Tissue A: wild type/);
      expect(await page.textContent('#legend-B')).toMatch(/Tissue B: Htr2b 5-HTKO/);

      // one click: the SSRI challenge (rebuilt at t = 0: baseline 10 s, then fluoxetine 3.2 nM)
      await page.click('#protocol-ssri');
      await expect.poll(() => page.evaluate(() => window.raphe.tS), { timeout: 30_000 }).toBeLessThan(1);
      expect(await page.getAttribute('#protocol-ssri', 'aria-pressed')).toBe('true');
      expect(page.url()).toMatch(/protocol=ssri/);
      await waitSim(page, 3, 120_000);
      const s = await summary(page, 2);
      expect(s.engine).toBe('webgpu');
      expect(s.protocol).toBe('ssri');
      expect(s.tissues.map((t) => t.genotype)).toEqual(['wt', 'htr2b-ko']);
      expect(s.tissues[0].meanRateHz).toBeGreaterThan(0.5);
      expect(s.tissues[0].meanRateHz).toBeLessThan(3);
      expect(s.tissues[1].meanRateHz).toBeLessThan(s.tissues[0].meanRateHz);
      expect(Number(await page.textContent('#speedStat'))).toBeGreaterThan(0);
      await expectDrawn(page, TWO);
      // both tissues' traces on the shared plots, in their colours
      for (const id of ['probe', 'rate']) {
        expect(await colourPixels(page, id, [0x7f, 0xd3, 0xff]), `#${id}: tissue A's colour`).toBeGreaterThan(50);
        expect(await colourPixels(page, id, [0xf2, 0x8e, 0x6b]), `#${id}: tissue B's colour`).toBeGreaterThan(50);
      }
      // the page keeps drawing at display rate while the worker computes
      expect(await page.evaluate(() => window.raphe.fps)).toBeGreaterThan(20);

      // 5 s into fluoxetine: the page's own numbers, probe as % of baseline
      await waitSim(page, 15, 300_000);
      const a = await pct(page, 'A');
      const b = await pct(page, 'B');
      const ro = await page.evaluate(() => window.raphe.readout());
      expect(ro.map((r) => r.phase)).toEqual(['fluoxetine 3.2 nM', 'fluoxetine 3.2 nM']);
      expect(a).toBeGreaterThan(130);
      expect(a - 100).toBeGreaterThan(1.5 * (b - 100));
      const after = await summary(page, 0.5);
      for (const t of after.tissues)
        expect(t.phases.map((p) => [p.tS, p.name])).toEqual([
          [0, 'baseline'],
          [10, 'fluoxetine 3.2 nM'],
        ]);
      console.log(
        `[e2e webgpu] adapter ${info.adapter}; ${after.simPerWall.toFixed(3)} simulated s per wall s (two tissues of 300 neurons, ` +
          `${after.voxelUm} µm grid); probe % of baseline 5 s into fluoxetine 3.2 nM: A (wt) ${a}, B (htr2b-ko) ${b}`,
      );
      await expectDrawn(page, [...TWO, 'pct']);

      // the CSV: a header naming tissues, genotypes and doses; both tissues' traces; phases marked
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#csvBtn')]);
      expect(dl.suggestedFilename()).toMatch(/^raphe_A-wt_B-htr2b-ko_ssri_seed1\.csv$/);
      const csv = readFileSync((await dl.path())!, 'utf8');
      const lines = csv.split('\n').filter(Boolean);
      const head = lines.filter((l) => l.startsWith('#')).join('\n');
      expect(head).toMatch(/# tissue A: genotype wt \(wild type\)/);
      expect(head).toMatch(/# tissue B: genotype htr2b-ko/);
      expect(head).toMatch(/# protocol: SSRI challenge/);
      expect(head).toMatch(/# tissue A phase from 10 s: fluoxetine 3.2 nM \(doses nM: fluoxetine=3.2\)/);
      expect(head).toMatch(/# tissue B phase from 10 s: fluoxetine 3.2 nM \(doses nM: fluoxetine=3.2\)/);
      const cols = lines.find((l) => !l.startsWith('#'))!.split(',');
      expect(cols).toEqual([
        't_s',
        ...['A_wt', 'B_htr2b-ko'].flatMap((p) =>
          ['phase', 'doses_nM', 'rate_Hz', 'probe_nM', 'probe_pct_baseline', 'mean5HT_nM'].map((c) => `${p}_${c}`),
        ),
      ]);
      const rows = lines
        .filter((l) => !l.startsWith('#'))
        .slice(1)
        .map((l) => l.split(','));
      expect(rows.length).toBeGreaterThan(290); // 15 s at 50 ms
      const col = (name: string) => cols.indexOf(name);
      const at = (t: number) => rows.find((r) => Math.abs(Number(r[0]) - t) < 1e-6)!;
      expect(at(5)[col('A_wt_phase')]).toBe('baseline');
      expect(at(5)[col('B_htr2b-ko_doses_nM')]).toBe('none');
      expect(at(12)[col('A_wt_phase')]).toBe('fluoxetine 3.2 nM');
      expect(at(12)[col('B_htr2b-ko_phase')]).toBe('fluoxetine 3.2 nM');
      expect(at(12)[col('B_htr2b-ko_doses_nM')]).toBe('fluoxetine=3.2');
      for (const r of rows) {
        for (const c of ['A_wt_probe_nM', 'B_htr2b-ko_probe_nM', 'A_wt_rate_Hz', 'B_htr2b-ko_rate_Hz']) {
          expect(Number.isFinite(Number(r[col(c)])), `${c} at ${r[0]} s`).toBe(true);
        }
      }
      // the page's % of baseline is the CSV's: the last second's mean
      const tEnd = Number(rows[rows.length - 1][0]);
      const lastSec = rows.filter((r) => Number(r[0]) > tEnd - 1);
      const meanPct = lastSec.reduce((x, r) => x + Number(r[col('A_wt_probe_pct_baseline')]), 0) / lastSec.length;
      expect(meanPct).toBeGreaterThan(130);

      // the PNG of the plots
      const [png] = await Promise.all([page.waitForEvent('download'), page.click('#pngBtn')]);
      expect(png.suggestedFilename()).toMatch(/\.png$/);
      const bytes = readFileSync((await png.path())!);
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(bytes.length).toBeGreaterThan(20_000);

      const shot = process.env.RAPHE_UPDATE_SCREENSHOT ? 'docs/demo.png' : 'test-results/demo.png';
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot, fullPage: true });
      expect(errors).toEqual([]);
      await page.close();

      // engine=auto (the default) with only software WebGPU (SwiftShader): the CPU engine, the faster
      // one there, and the page says why
      if (isSoftwareAdapter(info.adapter)) {
        const auto = await open(browser, '?neurons=300&speed=max');
        const ai = await auto.page.evaluate(() => window.raphe.info);
        expect(ai.engine).toBe('cpu');
        expect(ai.softwareAdapter).toBeTruthy();
        expect(await auto.page.textContent('#engine')).toBe('CPU');
        expect(await auto.page.textContent('#notice')).toMatch(
          /Only software WebGPU here .*slower than the CPU engine: running both tissues on the CPU engine/,
        );
        await waitSim(auto.page, 1, 120_000);
        expect(auto.errors).toEqual([]);
      }
    } finally {
      await browser.close();
    }
  }, 540_000);

  test('without WebGPU: both tissues run on the CPU engine, and the page says so; a URL state reproduces the run after a reload; every control labelled and reached with Tab', async () => {
    const browser = await launch(false);
    try {
      const { page, errors } = await open(browser, '?neurons=300&speed=max');
      const noGpu = await page.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
        return !gpu || !(await gpu.requestAdapter());
      });
      expect(noGpu).toBe(true);
      const info = await page.evaluate(() => window.raphe.info);
      expect(info.engine).toBe('cpu');
      expect(await page.textContent('#engine')).toBe('CPU');
      expect(await page.isVisible('#notice')).toBe(true);
      expect(await page.textContent('#notice')).toMatch(/WebGPU unavailable.*both tissues on the CPU engine/);
      await waitSim(page, 2.5, 120_000);
      const s = await summary(page, 2);
      expect(s.engine).toBe('cpu');
      expect(s.tissues.length).toBe(2);
      expect(s.tissues[0].meanRateHz).toBeGreaterThan(0.5);
      expect(s.tissues[0].meanRateHz).toBeLessThan(3);
      expect(s.tissues[1].meanRateHz).toBeGreaterThan(0.1);
      expect(s.tissues[1].meanRateHz).toBeLessThan(s.tissues[0].meanRateHz);
      await expectDrawn(page, TWO);
      console.log(`[e2e cpu] ${s.simPerWall.toFixed(3)} simulated s per wall s (two tissues of 300 neurons, ${s.voxelUm} µm grid)`);

      // every control has a name and is reached with Tab
      const controls = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('aside input, aside select, aside button, .take button, .take a, #cells')]
          .filter((el) => el.offsetParent !== null)
          .map((el) => {
            const i = el as HTMLInputElement;
            const name = el.getAttribute('aria-label') || (i.labels && [...i.labels].map((l) => l.textContent).join(' ')) || el.textContent;
            return { id: el.id, name: (name ?? '').trim() };
          }),
      );
      expect(controls.length).toBeGreaterThan(30);
      for (const c of controls) {
        expect(c.id, 'every control has an id').not.toBe('');
        expect(c.name, `#${c.id} has no label`).not.toBe('');
      }
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      const reached = new Set<string>();
      for (let i = 0; i < controls.length + 10; i++) {
        await page.keyboard.press('Tab');
        reached.add(await page.evaluate(() => document.activeElement?.id ?? ''));
      }
      for (const c of controls) expect(reached.has(c.id), `#${c.id} is not reached with Tab`).toBe(true);
      // the 3-D view turns with the keyboard
      const yaw = () =>
        page.evaluate(() => (window.raphe as unknown as { views: { cells: { angles(): { yaw: number } } } }).views.cells.angles().yaw);
      await page.focus('#cells');
      const y0 = await yaw();
      await page.keyboard.press('ArrowLeft');
      expect(await yaw()).toBeLessThan(y0 - 0.05);

      // a URL with a state: the controls show it, and a reload reproduces the same traces
      const q = '?tissues=2&a=wt&b=htr1a-ko&b2b=0.5&blink=0&bdrugs=fluoxetine:5&protocol=bw&neurons=300&seed=7&speed=max&engine=cpu';
      await page.goto(server.url + q);
      await ready(page);
      expect(await page.inputValue('#genotype-B')).toBe('htr1a-ko');
      expect(await page.inputValue('#htr2bExpression-B')).toBe('0.5');
      expect(await page.isChecked('#linked-B')).toBe(false);
      expect(await page.isChecked('#linked-A')).toBe(true);
      expect(await page.inputValue('#drug-fluoxetine-B')).toBe('5');
      expect(await page.inputValue('#drug-bw723c86')).toBe('0');
      expect(await page.inputValue('#seed')).toBe('7');
      expect(await page.inputValue('#neurons')).toBe('300');
      expect(await page.inputValue('#speed')).toBe('0');
      expect(await page.getAttribute('#protocol-bw', 'aria-pressed')).toBe('true');
      expect(await page.textContent('#legend-B')).toMatch(/5-HT1A autoreceptor KO.*5-HT2B ×0.5.*unlinked/);
      const sums = await summary(page, 1);
      expect(sums.seed).toBe(7);
      expect(sums.protocol).toBe('bw');
      expect(sums.tissues[1]).toMatchObject({ genotype: 'htr1a-ko', htr2bExpression: 0.5, linked: false, doses: { fluoxetine: 5 } });
      const traces = async () => {
        await waitSim(page, 2, 120_000);
        return page.evaluate(() => {
          const st = window.raphe.store;
          const n = st.t.filter((t) => t <= 2 + 1e-9).length;
          return {
            t: st.t.slice(0, n),
            a: st.tissues[0].probe.slice(0, n),
            b: st.tissues[1].probe.slice(0, n),
            rb: st.tissues[1].rate.slice(0, n),
          };
        });
      };
      const first = await traces();
      expect(first.t.length).toBe(40);
      // the page's own URL (as it writes it) holds the state
      const url = page.url();
      for (const part of [
        'tissues=2',
        'a=wt',
        'b=htr1a-ko',
        'b2b=0.5',
        'blink=0',
        'bdrugs=fluoxetine%3A5',
        'protocol=bw',
        'neurons=300',
        'seed=7',
        'speed=max',
      ]) {
        expect(url).toContain(part);
      }
      await page.reload();
      await ready(page);
      const second = await traces();
      expect(second).toEqual(first);
      // another seed is another run
      await page.goto(server.url + q.replace('seed=7', 'seed=8'));
      await ready(page);
      expect((await traces()).a).not.toEqual(first.a);

      // one tissue stays a choice: B's views and numbers go
      await page.goto(`${server.url}?tissues=1&a=htr2b-ko&neurons=300&speed=max&engine=cpu`);
      await ready(page);
      await waitSim(page, 0.5, 60_000);
      expect((await summary(page, 1)).tissues.map((t) => t.genotype)).toEqual(['htr2b-ko']);
      expect(await page.textContent('#speedTissues')).toBe('one tissue');
      expect(await page.inputValue('#tissueCount')).toBe('1');
      for (const id of ['#raster-B', '#grid-B', '#legend-B', '#out-B', '#genotype-B']) expect(await page.isVisible(id), id).toBe(false);
      await expectDrawn(page, ['probe', 'rate', 'raster-A', 'grid-A']);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 420_000);
});
