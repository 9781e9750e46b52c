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
      const shown = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host;
      ok({ url: `http://${shown}:${a.port}/`, server, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name, d) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : d;
  };
  if (!args.includes('--no-build')) await buildDemo();
  const host = opt('--host', '127.0.0.1');
  let port = Number(opt('--port', process.env.PORT ?? 8080));
  let s;
  for (let tries = 0; ; tries++) {
    try {
      s = await serveDemo({ port, host });
      break;
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || tries > 20) throw e;
      port++;
    }
  }
  console.log(`raphe demo: ${s.url}  (open it in a browser with WebGPU, e.g. Chrome or Edge; Ctrl-C stops)`);
}
