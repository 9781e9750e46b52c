import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      name: 'wgsl-text',
      transform(_code: string, id: string) {
        if (id.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
        return null;
      },
    },
    {
      // the CPU engines' WebAssembly kernel as bytes, as esbuild's binary loader gives it
      name: 'wasm-bytes',
      enforce: 'pre',
      load(id: string) {
        if (!id.endsWith('.wasm')) return null;
        const b64 = readFileSync(id).toString('base64');
        return { code: `export default Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0));`, map: null };
      },
    },
  ],
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // hermetic: every CLI run in the tests estimates its steady state afresh (estimate-cache.test.ts turns the cache on)
    env: { RAPHE_CACHE: '0' },
  },
});
