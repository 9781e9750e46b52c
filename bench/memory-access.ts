/**
 * What a WebGPU adapter pays for the neuron kernel's memory accesses, apart from its arithmetic
 * (`npm run bench -- memory-access`, bundled by bench/run.mjs). Each cell of `--neurons` reads and
 * writes STATE_WORDS 32-bit words, as the neuron kernel does with its state once a grid step, in two
 * shapes:
 *   scalar  one 32-bit access a word, field f of cell i at f * n + i (shaders/neurons.wgsl's layout)
 *   vec4    the same words as 4-word groups, one 128-bit access a group, group g of cell i at g * n + i
 *   texture the same groups as rgba32uint texels of a 2-D array texture (textureLoad), written to a
 *           second one (textureStore; the two swap each dispatch): WebGPU's other way to reach memory
 * and, for the floor, `one`: a single word a cell. Prints GPU time per dispatch (timestamp queries;
 * median of `--repeats` command buffers of `--dispatches` dispatches) and nanoseconds per word moved.
 * The host sleeps through each command buffer before it asks for the timestamps, so dawn.node's poll
 * (src/engines/webgpu/idle-wait.ts) does not take a core from a software adapter's threads.
 *
 * Usage: npm run bench -- memory-access [--adapter lavapipe|swiftshader|default] [--neurons 100000]
 *                                       [--dispatches 20] [--repeats 9]
 */
import { cpus, loadavg } from 'node:os';
import { STATE_WORDS } from '../src/model/layout.js';
import scalarWgsl from './memory-access/scalar.wgsl';
import textureWgsl from './memory-access/texture.wgsl';
import vec4Wgsl from './memory-access/vec4.wgsl';

const args = process.argv.slice(2).filter((a) => a !== 'memory-access');
const opt = (k: string, d: string): string => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const adapterName = opt('--adapter', 'lavapipe');
const n = Number(opt('--neurons', '100000'));
const dispatches = Number(opt('--dispatches', '20'));
const repeats = Number(opt('--repeats', '9'));
// one dimension of workgroups of 64 (WebGPU's minimum maxComputeWorkgroupsPerDimension is 65,535)
for (const [k, v, max] of [
  ['--neurons', n, 4_000_000],
  ['--dispatches', dispatches, 1000],
  ['--repeats', repeats, 1000],
] as const) {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`memory-access: ${k} must be an integer from 1 to ${max}`);
    process.exit(2);
  }
}
if (!['lavapipe', 'swiftshader', 'default'].includes(adapterName)) {
  console.error('memory-access: --adapter must be lavapipe, swiftshader or default');
  process.exit(2);
}
if (adapterName !== 'default') process.env.RAPHE_GPU_ICD = adapterName;
const { getGpu } = await import('../src/engines/node.js');
const ctx = await getGpu();
if (!ctx) {
  console.error(`memory-access: no WebGPU adapter (${adapterName})`);
  process.exit(1);
}
if (!ctx.features.includes('timestamp-query')) {
  console.error(`memory-access: the adapter ${ctx.adapterName} has no timestamp queries`);
  process.exit(1);
}
const dev = ctx.device;
const WG = 64;
const groups = Math.ceil(STATE_WORDS / 4);
const st = dev.createBuffer({ size: 16 * groups * n, usage: GPUBufferUsage.STORAGE });
const qs = dev.createQuerySet({ type: 'timestamp', count: 2 });
const resolve = dev.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const read = dev.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

/** Texture width for the texture case: rows of TEX_W cells (4,000,000 cells: 7,813 rows, within 8,192). */
const TEX_W = 512;

/** The bind groups of a case, used in turn by successive dispatches. */
type Bind = (pipe: GPUComputePipeline, uni: GPUBuffer) => GPUBindGroup[];
const storage: Bind = (pipe, uni) => [
  dev.createBindGroup({
    layout: pipe.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: st } },
      { binding: 1, resource: { buffer: uni } },
    ],
  }),
];
const textures: Bind = (pipe, uni) => {
  const tex = () =>
    dev.createTexture({
      size: [TEX_W, Math.ceil(n / TEX_W), groups],
      format: 'rgba32uint',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING,
    });
  const [a, b] = [tex(), tex()];
  return [
    [a, b],
    [b, a],
  ].map(([from, to]) =>
    dev.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: from.createView({ dimension: '2d-array' }) },
        { binding: 1, resource: to.createView({ dimension: '2d-array' }) },
        { binding: 2, resource: { buffer: uni } },
      ],
    }),
  );
};

const cases: { name: string; code: string; words: number; accesses: number; bind: Bind }[] = [
  { name: 'one', code: scalarWgsl, words: 1, accesses: 1, bind: storage },
  { name: 'scalar', code: scalarWgsl, words: STATE_WORDS, accesses: STATE_WORDS, bind: storage },
  { name: 'vec4', code: vec4Wgsl, words: STATE_WORDS, accesses: groups, bind: storage },
  { name: 'texture', code: textureWgsl, words: STATE_WORDS, accesses: groups, bind: textures },
];
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

console.log(`memory-access: ${ctx.adapterName}; ${n} cells, ${dispatches} dispatches a command buffer, median of ${repeats}`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log('');
console.log('| access | words a cell | accesses a cell | ms a dispatch | ns a word (read + write) |');
console.log('|---|---:|---:|---:|---:|');
for (const c of cases) {
  const uni = dev.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  dev.queue.writeBuffer(uni, 0, new Uint32Array([n, c.words, TEX_W, 0]));
  const pipe = dev.createComputePipeline({
    layout: 'auto',
    compute: { module: dev.createShaderModule({ code: c.code }), entryPoint: 'main' },
  });
  const bgs = c.bind(pipe, uni);
  const times: number[] = [];
  let expect = 0;
  for (let r = 0; r <= repeats; r++) {
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    pass.setPipeline(pipe);
    for (let k = 0; k < dispatches; k++) {
      pass.setBindGroup(0, bgs[k % bgs.length]);
      pass.dispatchWorkgroups(Math.ceil(n / WG));
    }
    pass.end();
    enc.resolveQuerySet(qs, 0, 2, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, 16);
    const t0 = performance.now();
    dev.queue.submit([enc.finish()]);
    if (expect > 1) await new Promise((ok) => setTimeout(ok, 0.9 * expect));
    await read.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    expect = performance.now() - t0;
    if (r > 0) times.push(Number(t[1] - t[0]) / 1e6 / dispatches); // r = 0: warm-up
  }
  const ms = median(times);
  console.log(`| ${c.name} | ${c.words} | ${c.accesses} | ${ms.toFixed(3)} | ${((ms * 1e6) / (2 * c.words * n)).toFixed(2)} |`);
}
process.exit(0);
