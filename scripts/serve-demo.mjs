#!/usr/bin/env node
// `npm run demo`: builds the demo (esbuild.config.mjs, browser part) into dist/ and serves it on
// localhost (a secure context, so WebGPU is allowed), printing the URL. Static files only: dist/ can be
// served by any static host instead. Options: --port N (default 8080, or $PORT; 0 = any free port),
// --no-build (serve dist/ as it is), --host H (default 127.0.0.1).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Debian's Chromium (or $RAPHE_CHROMIUM), which the demo's test and bench/demo-speed.mjs drive headless. */
export const CHROMIUM = process.env.RAPHE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium's flags for the demo: no sandbox (root), nothing fetched from the network, and
 * WebGPU on (SwiftShader without a GPU) or off.
 */
export function chromiumArgs(webgpu) {
  return [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    webgpu ? '--enable-unsafe-webgpu' : '--disable-webgpu',
  ];
}
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wgsl': 'text/plain; charset=utf-8',
};

/** Builds dist/ (unless build is false). */
export async function buildDemo() {
  const prev = process.cwd();
  process.chdir(ROOT);
  try {
    const { buildBrowser } = await import(new URL('../esbuild.config.mjs', import.meta.url).href);
    await buildBrowser();
  } finally {
    process.chdir(prev);
  }
}

/** Serves `dir` (default dist/) on host:port; resolves to { url, close }. */
export function serveDemo({ port = 8080, host = '127.0.0.1', dir = join(ROOT, 'dist') } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed');
      return;
    }
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) throw Object.assign(new Error('outside'), { code: 'ENOENT' });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const a = server.address();
      // 0.0.0.0 / :: listen on every interface: say so (the URL shown is this machine's)
      const every = host === '0.0.0.0' || host === '::';
      const shown = every || host === '127.0.0.1' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      ok({ url: `http://${shown}:${a.port}/`, everyInterface: every, server, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const fail = (msg, code = 2) => {
    process.stderr.write(`serve-demo: ${msg}\n`);
    process.exit(code);
  };
  const KNOWN = new Set(['--port', '--host', '--no-build']);
  for (let i = 0; i < args.length; i++) {
    if (!KNOWN.has(args[i])) fail(`unknown argument ${JSON.stringify(args[i])}; allowed: --port N, --host H, --no-build`);
    if (args[i] !== '--no-build') i++;
  }
  const opt = (name, d) => {
    const i = args.indexOf(name);
    if (i >= 0 && args.lastIndexOf(name) !== i) fail(`${name} given twice`);
    if (i >= 0 && args[i + 1] === undefined) fail(`${name} needs a value`);
    return i >= 0 ? args[i + 1] : d;
  };
  const host = opt('--host', '127.0.0.1');
  if (host === '') fail('--host: must name a host or address');
  const portText = String(opt('--port', process.env.PORT ?? 8080));
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    fail(`--port: must be an integer 0-65535 (0: any free port), got ${JSON.stringify(portText)}`);
  let port = Number(portText);
  try {
    if (!args.includes('--no-build')) await buildDemo();
  } catch (e) {
    fail(`cannot build the demo: ${String(e?.message ?? e).split('\n')[0]}`, 1);
  }
  let s;
  for (let tries = 0; ; tries++) {
    try {
      s = await serveDemo({ port, host });
      break;
    } catch (e) {
      if (e.code === 'EADDRINUSE' && tries <= 20 && port !== 0) {
        port++;
        continue;
      }
      fail(`cannot listen on ${host}:${port}: ${e.code ?? e.message}`, e.code === 'ENOTFOUND' || e.code === 'EADDRNOTAVAIL' ? 2 : 1);
    }
  }
  const where = s.everyInterface ? ` (listening on every interface, ${host}; from other machines use this machine's address)` : '';
  console.log(`raphe demo: ${s.url}${where}  (open it in a browser with WebGPU, e.g. Chrome or Edge; Ctrl-C stops)`);
}
