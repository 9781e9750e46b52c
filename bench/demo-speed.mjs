#!/usr/bin/env node
// The demo's speed with one and with two tissues: simulated seconds per wall second, as the page itself
// states it (#speedStat, the worker's figure over its last 4 s), in headless Chromium (Debian's
// /usr/bin/chromium; the engine as the page's auto picks it (the CPU engine over SwiftShader), WebGPU on
// SwiftShader with --webgpu, the CPU engine with WebGPU off with --cpu). Builds dist/, serves
// it, and for each repeat opens the page with one tissue, then with two (same neurons, seed, speed max),
// waits `--warmup` simulated seconds, then reads the figure once a second for `--seconds` wall seconds
// (median). Prints a table and the load average before and after; the machine is shared: quote both.
//   node bench/demo-speed.mjs [--neurons 2000] [--seconds 20] [--warmup 2] [--repeats 2] [--cpu | --webgpu]
import { execSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { buildDemo, CHROMIUM, chromiumArgs, serveDemo } from '../scripts/serve-demo.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? Number(args[args.indexOf(k) + 1]) : d);
const neurons = opt('--neurons', 2000);
const seconds = opt('--seconds', 20);
const warmup = opt('--warmup', 2);
const repeats = opt('--repeats', 2);
const cpu = args.includes('--cpu');
const webgpu = args.includes('--webgpu');
const load = () => execSync('uptime').toString().trim();
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

const before = load();
await buildDemo();
const server = await serveDemo({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(!cpu) });
const rows = [];
try {
  for (let r = 0; r < repeats; r++) {
    for (const tissues of [1, 2]) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${server.url}?tissues=${tissues}&neurons=${neurons}&seed=1&speed=max${webgpu ? '&engine=webgpu' : ''}`);
      await page.waitForFunction(() => window.raphe?.ready || window.raphe?.error, null, { timeout: 180_000 });
      const err = await page.evaluate(() => window.raphe.error);
      if (err) throw new Error(err);
      await page.waitForFunction((t) => window.raphe.tS >= t, warmup, { timeout: 600_000, polling: 250 });
      const figs = [];
      const t0 = await page.evaluate(() => window.raphe.tS);
      const w0 = Date.now();
      while (Date.now() - w0 < seconds * 1000) {
        await page.waitForTimeout(1000);
        const v = Number(await page.textContent('#speedStat'));
        if (Number.isFinite(v) && v > 0) figs.push(v);
      }
      const t1 = await page.evaluate(() => window.raphe.tS);
      const info = await page.evaluate(() => ({
        engine: window.raphe.info.engine,
        adapter: window.raphe.info.adapter,
        voxel: window.raphe.layout.voxelUm,
      }));
      rows.push({ repeat: r + 1, tissues, ...info, page: median(figs), overall: (t1 - t0) / ((Date.now() - w0) / 1000) });
      console.error(`repeat ${r + 1}, ${tissues} tissue(s): page figure ${median(figs).toFixed(3)} simulated s / wall s`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
const after = load();
console.log(`demo speed, ${neurons} neurons per tissue, speed max; ${rows[0]?.engine} (${rows[0]?.adapter}), ${rows[0]?.voxel} µm grid`);
console.log('| repeat | tissues | page figure (sim s / wall s, median) | sim time / wall time over the window |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.repeat} | ${r.tissues} | ${r.page.toFixed(3)} | ${r.overall.toFixed(3)} |`);
for (const n of [1, 2]) {
  console.log(`median, ${n} tissue(s): ${median(rows.filter((r) => r.tissues === n).map((r) => r.page)).toFixed(3)}`);
}
console.log(`load before: ${before}\nload after:  ${after}`);
