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
  return describeInfo((adapter as GPUAdapter & { info?: GPUAdapterInfo }).info);
}

type AdapterInfoText = Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>>;

function describeInfo(info: AdapterInfoText | undefined): string {
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

/**
 * The probe's child: asks Dawn for an adapter and prints its info as one JSON line (null: none). Dawn
 * writes its own diagnostics (the Vulkan loader's "Found no drivers!", the limits it reduces) straight
 * to file descriptor 2 from native code, where this process cannot filter them: the child's are dropped.
 */
const PROBE_SCRIPT = `
const { create } = await import(process.argv[1]);
const gpu = create([]);
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const i = adapter && adapter.info;
const info = i ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description } : {};
process.stdout.write(JSON.stringify(adapter ? info : null) + '\\n', () => process.exit(0));
`;

/** Longest wait for the probe's child (a software adapter starts in under a second). */
const PROBE_TIMEOUT_MS = 60_000;

let probed: Promise<string | null> | null = null;

/** The adapter's name from a child process (Node), or null: none, or no `webgpu` package, or the child failed. */
async function probeInChild(): Promise<string | null> {
  const [cpName, modName, urlName] = ['node:child_process', 'node:module', 'node:url'];
  const { spawn } = (await import(/* @vite-ignore */ cpName)) as typeof import('node:child_process');
  const { createRequire } = (await import(/* @vite-ignore */ modName)) as typeof import('node:module');
  const { pathToFileURL } = (await import(/* @vite-ignore */ urlName)) as typeof import('node:url');
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return null;
  }
  await chooseIcd();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT, url], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: PROBE_TIMEOUT_MS,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', () => resolve(null));
    // the answer is the first line, even when Dawn's teardown fails after it
    child.on('close', () => {
      try {
        const info = JSON.parse(out.split('\n')[0]) as AdapterInfoText | null;
        resolve(info && typeof info === 'object' ? describeInfo(info) : null);
      } catch {
        resolve(null);
      }
    });
  });
}

/**
 * The name of the adapter getGpu() would open, or null when there is none; in Node found by a child
 * process, so that Dawn's native lines reach raphe's stderr only when WebGPU is opened to run.
 */
export function findAdapter(): Promise<string | null> {
  if (cached || !isNode() || (typeof navigator !== 'undefined' && (navigator as Navigator & { gpu?: GPU }).gpu)) {
    return getGpu().then((ctx) => ctx?.adapterName ?? null);
  }
  if (!probed) probed = probeInChild().catch(() => null);
  return probed;
}

/** The process-wide GPU context, or null when no adapter is found. */
export function getGpu(): Promise<GpuContext | null> {
  if (!cached) cached = open().catch(() => null);
  return cached;
}
