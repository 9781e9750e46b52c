/**
 * The demo in a real browser (playwright-core driving Debian's /usr/bin/chromium, headless: WebGPU on
 * SwiftShader there). Builds dist/ and serves it like `npm run demo`, then:
 *  - with WebGPU: the WebGPU engine runs in the worker, every canvas is drawn, the page keeps drawing,
 *    the population rate settles in the F1 band (0.5-3 Hz), and fluoxetine 10 nM raises the probe
 *    5-HT in WT; saves a screenshot to test-results/demo.png (docs/demo.png with RAPHE_UPDATE_SCREENSHOT=1);
 *  - with WebGPU disabled: the CPU engine runs, and the page says so.
 * Skips without Chromium, and without a WebGPU adapter in Chromium, unless RAPHE_GPU_REQUIRED is set:
 * then both fail.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
// @ts-expect-error plain ESM script without types
import { buildDemo, serveDemo } from '../scripts/serve-demo.mjs';
import type { SimInfo, Summary } from '../src/worker/protocol.js';

const CHROMIUM = process.env.RAPHE_CHROMIUM ?? '/usr/bin/chromium';
const required = !!process.env.RAPHE_GPU_REQUIRED;
const haveChromium = existsSync(CHROMIUM);
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const CANVASES = ['raster', 'rate', 'probe', 'grid', 'cells'];

type Raphe = {
  ready: boolean;
  error?: string;
  info: SimInfo;
  tS: number;
  fps: number;
  frames: number;
  summary(w?: number): Promise<Summary>;
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

async function openDemo(webgpu: boolean, query: string): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-webgpu'])],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 740 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(server.url + query);
  await page.waitForFunction(() => window.raphe?.ready || window.raphe?.error, null, { timeout: 90_000 });
  const err = await page.evaluate(() => window.raphe.error);
  expect(err).toBeUndefined();
  return { browser, page, errors };
}

const summary = (page: Page, windowS: number) => page.evaluate((w) => window.raphe.summary(w), windowS);

async function waitSim(page: Page, tS: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction((t) => window.raphe.tS >= t, tS, { timeout: timeoutMs, polling: 200 });
}

/** Per canvas: the fraction of pixels that differ from the panel background, and distinct colours. */
async function canvasInk(page: Page): Promise<Record<string, { ink: number; colours: number }>> {
  return page.evaluate((ids) => {
    const out: Record<string, { ink: number; colours: number }> = {};
    for (const id of ids) {
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
  }, CANVASES);
}

function expectDrawn(ink: Record<string, { ink: number; colours: number }>): void {
  for (const id of CANVASES) {
    expect(ink[id].ink, `canvas #${id} is blank`).toBeGreaterThan(0.01);
    expect(ink[id].colours, `canvas #${id} has too few colours`).toBeGreaterThan(5);
  }
}

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

  test('WebGPU: views drawn, rate in the F1 band, an SSRI raises the probe 5-HT (WT)', async (ctx) => {
    const { browser, page, errors } = await openDemo(true, '?speed=max');
    try {
      const info = await page.evaluate(() => window.raphe.info);
      if (info.engine !== 'webgpu') {
        expect(required, `no WebGPU adapter in Chromium (engine ${info.engine}: ${info.notice})`).toBe(false);
        ctx.skip();
      }
      expect(await page.textContent('#engine')).toBe('WebGPU');
      expect(await page.textContent('#adapter')).toBe(info.adapter);
      expect(await page.textContent('#neuronsStat')).toBe('2,000');
      expect(await page.isVisible('#notice')).toBe(false);

      // baseline: the rate settles in the F1 band
      await waitSim(page, 3, 60_000);
      const base = await summary(page, 2);
      expect(base.engine).toBe('webgpu');
      expect(base.genotype).toBe('wt');
      expect(base.meanRateHz).toBeGreaterThan(0.5);
      expect(base.meanRateHz).toBeLessThan(3);
      expect(base.simPerWall).toBeGreaterThan(0);
      expect(Number((await page.textContent('#speedStat'))!)).toBeGreaterThan(0);
      expectDrawn(await canvasInk(page));
      // the page keeps drawing at display rate while the worker computes
      expect(await page.evaluate(() => window.raphe.fps)).toBeGreaterThan(20);

      // SSRI: fluoxetine 10 nM through the page's control
      const probe0 = (await summary(page, 1)).probeNm;
      await page.locator('#drug-fluoxetine').fill('10');
      await page.locator('#drug-fluoxetine').dispatchEvent('change');
      await expect.poll(async () => (await summary(page, 0)).doses, { timeout: 10_000 }).toEqual({ fluoxetine: 10 });
      const tDrug = (await summary(page, 0)).lastDoseChangeS;
      let probe1 = 0;
      for (let t = tDrug + 1; t <= tDrug + 6; t += 0.5) {
        await waitSim(page, t, 30_000);
        probe1 = (await summary(page, 0.5)).probeNm;
        if (probe1 > 1.3 * probe0) break;
      }
      expect(probe1).toBeGreaterThan(1.2 * probe0);
      const after = await summary(page, 0.5);
      console.log(
        `[e2e webgpu] adapter ${info.adapter}; ${after.simPerWall.toFixed(3)} simulated s per wall s (2,000 neurons, ` +
          `${after.voxelUm} µm grid); baseline rate ${base.meanRateHz.toFixed(2)} Hz, probe ${probe0.toFixed(1)} nM -> ` +
          `${probe1.toFixed(1)} nM ${(after.tS - tDrug).toFixed(1)} s after fluoxetine 10 nM`,
      );
      // a little more of the rise for the screenshot
      await waitSim(page, tDrug + 3, 60_000);
      expectDrawn(await canvasInk(page));
      const shot = process.env.RAPHE_UPDATE_SCREENSHOT ? 'docs/demo.png' : 'test-results/demo.png';
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test('without WebGPU: the CPU engine runs in the worker, and the page says so', async () => {
    const { browser, page, errors } = await openDemo(false, '?speed=max');
    try {
      const noGpu = await page.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
        return !gpu || !(await gpu.requestAdapter());
      });
      expect(noGpu).toBe(true);
      const info = await page.evaluate(() => window.raphe.info);
      expect(info.engine).toBe('cpu');
      expect(await page.textContent('#engine')).toBe('CPU');
      expect(await page.isVisible('#notice')).toBe(true);
      expect(await page.textContent('#notice')).toMatch(/WebGPU unavailable.*CPU engine/);
      await waitSim(page, 3, 60_000);
      const s = await summary(page, 2);
      expect(s.engine).toBe('cpu');
      expect(s.meanRateHz).toBeGreaterThan(0.5);
      expect(s.meanRateHz).toBeLessThan(3);
      expectDrawn(await canvasInk(page));
      // the 3-D view turns when dragged
      const angles = () =>
        page.evaluate(() =>
          (window.raphe as unknown as { views: { cells: { angles(): { yaw: number; pitch: number } } } }).views.cells.angles(),
        );
      const a0 = await angles();
      const box = (await page.locator('#cells').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 30, { steps: 5 });
      await page.mouse.up();
      const a1 = await angles();
      expect(a1.yaw - a0.yaw).toBeGreaterThan(0.9); // 120 px at 0.01 rad/px
      expect(a1.pitch - a0.pitch).toBeGreaterThan(0.2); // 30 px (the slow auto-turn changes yaw only)
      console.log(`[e2e cpu] ${s.simPerWall.toFixed(3)} simulated s per wall s (2,000 neurons, ${s.voxelUm} µm grid)`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
