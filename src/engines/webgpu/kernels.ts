/**
 * The kernels of the WebGPU engine: the table of WGSL sources (shaders/*.wgsl), their workgroup
 * shapes, the compiler (generated header + shaders/common.wgsl + kernel, compile errors mapped back to
 * `shaders/FILE:line`) and a pipeline cache keyed by (device, kernel, header), so that batches of the
 * same shape on one device compile each kernel once (as tfjs-backend-webgpu caches its programs by key).
 */
import commonSrc from '../../../shaders/common.wgsl';
import diffuseSrc from '../../../shaders/diffuse.wgsl';
import neuronsSrc from '../../../shaders/neurons.wgsl';
import reduceSrc from '../../../shaders/reduce_partial.wgsl';
import releaseSrc from '../../../shaders/release_uptake.wgsl';
import finalizeSrc from '../../../shaders/sample_finalize.wgsl';
import spreadSrc from '../../../shaders/spread.wgsl';
import warmResetSrc from '../../../shaders/warm_reset.wgsl';
import warmTickSrc from '../../../shaders/warm_tick.wgsl';
import { nativeDivisionIsExact } from './division-check.js';
import { wgslHeader } from './wgsl-header.js';

/** A kernel: its WGSL file and source, and its entry point when not `main`. */
interface KernelSource {
  file: string;
  src: string;
  entry?: string;
}

/** The per-step kernels, in the order one grid step runs them (see batch.ts); then the warm-up's two (warm-up.ts). */
export const KERNELS = {
  neurons: { file: 'shaders/neurons.wgsl', src: neuronsSrc },
  spreadX: { file: 'shaders/spread.wgsl', src: spreadSrc, entry: 'spreadX' },
  spreadY: { file: 'shaders/spread.wgsl', src: spreadSrc, entry: 'spreadY' },
  release: { file: 'shaders/release_uptake.wgsl', src: releaseSrc },
  diffuse: { file: 'shaders/diffuse.wgsl', src: diffuseSrc },
  reduce: { file: 'shaders/reduce_partial.wgsl', src: reduceSrc },
  finalize: { file: 'shaders/sample_finalize.wgsl', src: finalizeSrc },
  warmTick: { file: 'shaders/warm_tick.wgsl', src: warmTickSrc },
  warmReset: { file: 'shaders/warm_reset.wgsl', src: warmResetSrc },
} as const satisfies Record<string, KernelSource>;
export type KernelName = keyof typeof KERNELS;
export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/** Workgroup size of the per-cell kernel (neurons). */
export const WG_NEURONS = 64;
/** Workgroup size of the per-voxel and per-thread kernels (spread, release, diffuse, reduce, finalize). */
export const WG_GRID = 256;
/** Region voxels per thread of the release_uptake kernel. */
export const REL_PER_THREAD = 8;
/** Items (region voxels, cells) per thread of the reduce_partial kernel. */
export const RED_PER_THREAD = 32;

const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function countLines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Compile one kernel (cached per device and header); errors name the .wgsl file and line. */
export async function kernelPipeline(device: GPUDevice, name: KernelName, header: string): Promise<GPUComputePipeline> {
  let cache = pipelineCache.get(device);
  if (!cache) {
    cache = new Map();
    pipelineCache.set(device, cache);
  }
  const key = `${name}\n${header}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const { file, src, entry } = KERNELS[name] as KernelSource;
  const pipeline = await compileKernel(device, file, src, header, entry);
  cache.set(key, pipeline);
  return pipeline;
}

/** Every kernel of KERNELS compiled with `header` (in table order, each through the cache). */
export async function kernelPipelines(device: GPUDevice, header: string): Promise<Record<KernelName, GPUComputePipeline>> {
  const pipes = {} as Record<KernelName, GPUComputePipeline>;
  for (const name of KERNEL_NAMES) pipes[name] = await kernelPipeline(device, name, header);
  return pipes;
}

/**
 * Compile `header + shaders/common.wgsl + src` into a compute pipeline (entry point `entry`, default
 * `main`). Compile errors throw with `file:line:column` in the kernel's own numbering (or common.wgsl's /
 * the header's).
 */
export async function compileKernel(
  device: GPUDevice,
  file: string,
  src: string,
  header: string,
  entry = 'main',
): Promise<GPUComputePipeline> {
  const prefix = header + commonSrc + '\n';
  const headerLines = countLines(header);
  const prefixLines = countLines(prefix);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: file, code: prefix + src });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    await device.popErrorScope();
    const where = (line: number) =>
      line > prefixLines
        ? `${file}:${line - prefixLines}`
        : line > headerLines
          ? `shaders/common.wgsl:${line - headerLines}`
          : `<generated header>:${line}`;
    throw new Error('WGSL compile error:\n' + errors.map((m) => `  ${where(m.lineNum)}:${m.linePos}: ${m.message}`).join('\n'));
  }
  const pipeline = device.createComputePipeline({ label: file, layout: 'auto', compute: { module, entryPoint: entry } });
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU pipeline ${file}: ${err.message}`);
  return pipeline;
}

/**
 * Whether the kernels must use the exact integer divRN: `override` when given, else where this
 * adapter's native `/` is not correctly rounded (division-check.ts, checked once per device).
 */
export async function needsExactDivision(device: GPUDevice, override?: boolean): Promise<boolean> {
  return (
    override ??
    !(await nativeDivisionIsExact(device, (d, file, src) =>
      compileKernel(
        d,
        file,
        src,
        wgslHeader({ wgNeurons: WG_NEURONS, wgGrid: WG_GRID, relPerThread: REL_PER_THREAD, record: false, exactDiv: true, nSims: 1 }),
      ),
    ))
  );
}
