/**
 * Finding a WebGPU device, in the browser (navigator.gpu) or in Node (Dawn's `webgpu` package).
 * In Node without a real GPU and without VK_ICD_FILENAMES, the Vulkan loader is pointed at a software
 * driver: lavapipe (Mesa) if installed, else SwiftShader. The environment must be set before `webgpu`
 * loads, hence the dynamic import. The instance, adapter and device stay referenced for the life of the
 * process (module-level), or dawn.node may crash.
 */

export interface GpuContext {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  /** e.g. "mesa / llvmpipe (LLVM 19.1.7, 256 bits)". */
  adapterName: string;
  features: string[];
  /** Waiting on this GPU polls on the main thread (dawn.node; see idle-wait.ts). */
  pollsWhileWaiting: boolean;
}

export const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let cached: Promise<GpuContext | null> | null = null;
/** Keeps the Dawn objects alive (dawn.node crashes if they are collected). */
const keepAlive: unknown[] = [];

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

type Fs = { existsSync(p: string): boolean; readdirSync(p: string): string[] };

function hasRealGpu(fs: Fs): boolean {
  const { existsSync, readdirSync } = fs;
  try {
    if (existsSync('/dev/nvidia0')) return true;
    if (existsSync('/dev/dri')) return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    /* no /dev */
  }
  return false;
}

/** Vulkan ICD chosen for Node: env RAPHE_GPU_ICD=lavapipe|swiftshader|<path> forces one. */
async function chooseIcd(): Promise<void> {
  const fsName = 'node:fs';
  const fs = (await import(/* @vite-ignore */ fsName)) as Fs;
  const { existsSync } = fs;
  const forced = process.env.RAPHE_GPU_ICD;
  if (forced) {
    process.env.VK_ICD_FILENAMES = forced === 'lavapipe' ? LAVAPIPE_ICD : forced === 'swiftshader' ? SWIFTSHADER_ICD : forced;
    return;
  }
  if (process.env.VK_ICD_FILENAMES || hasRealGpu(fs)) return;
  if (existsSync(LAVAPIPE_ICD)) process.env.VK_ICD_FILENAMES = LAVAPIPE_ICD;
  else if (existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

export function describeAdapter(adapter: GPUAdapter): string {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => !!s);
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

async function open(): Promise<GpuContext | null> {
  let gpu: GPU | undefined;
  let polls = false;
  if (typeof navigator !== 'undefined' && (navigator as Navigator & { gpu?: GPU }).gpu) {
    gpu = (navigator as Navigator & { gpu: GPU }).gpu;
  } else if (isNode()) {
    await chooseIcd();
    try {
      const mod = 'webgpu';
      const wg = (await import(/* @vite-ignore */ mod)) as {
        create: (flags: string[]) => GPU;
        globals: Record<string, unknown>;
      };
      Object.assign(globalThis, wg.globals);
      gpu = wg.create([]);
      polls = true;
    } catch {
      return null;
    }
  }
  if (!gpu) return null;
  keepAlive.push(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  keepAlive.push(adapter);
  const features: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) features.push('timestamp-query');
  const L = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: {
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxComputeWorkgroupsPerDimension: L.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: Math.min(8, L.maxStorageBuffersPerShaderStage),
    },
  });
  keepAlive.push(device);
  return { gpu, adapter, device, adapterName: describeAdapter(adapter), features, pollsWhileWaiting: polls };
}

/** The process-wide GPU context, or null when no adapter is found. */
export function getGpu(): Promise<GpuContext | null> {
  if (!cached) cached = open().catch(() => null);
  return cached;
}
