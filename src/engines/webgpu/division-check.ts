/**
 * Is this adapter's native float32 division correctly rounded? WGSL allows 2.5 ulp; software Vulkan
 * (lavapipe, SwiftShader) divides exactly, many GPUs do not. Checked once per device on operands like
 * the model's (5-HT over affinities, Michaelis-Menten terms) and on random normal floats over a wide
 * exponent range; the answer picks native `/` or the exact integer divRN (shaders/common.wgsl).
 */
import { HostStream, STREAM } from '../../rng/philox.js';
import checkSrc from '../../../shaders/div_check.wgsl';

const cache = new WeakMap<GPUDevice, Promise<boolean>>();

export function operandPairs(n = 1 << 14): Float32Array<ArrayBuffer> {
  const rng = new HostStream([0x0d1f, 0x5eed], STREAM.divisionCheck, 0);
  const ab = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const ea = Math.floor(rng.uniform() * 60) - 30;
    const eb = Math.floor(rng.uniform() * 60) - 30;
    let a = (rng.uniform() * 2 - 1) * 2 ** ea;
    let b = (rng.uniform() + 0.01) * 2 ** eb;
    if (i % 4 === 0) {
      // the model's own shapes: (x + num) / (den + x) and vmax c / (Km + c)
      const x = rng.uniform() * 1000;
      a = x + rng.uniform() * 100;
      b = 1 + rng.uniform() * 100 + x;
    }
    if (i % 7 === 0) b = a * (1 + (rng.uniform() - 0.5) * 1e-6);
    ab[2 * i] = a;
    ab[2 * i + 1] = b === 0 ? 1 : b;
  }
  return ab;
}

type Compile = (device: GPUDevice, file: string, src: string) => Promise<GPUComputePipeline>;

/** Cached per device. `compile` builds a kernel the way the engine does (header + common helpers). */
export function nativeDivisionIsExact(device: GPUDevice, compile: Compile): Promise<boolean> {
  let p = cache.get(device);
  if (!p) {
    p = check(device, compile);
    cache.set(device, p);
  }
  return p;
}

async function check(device: GPUDevice, compile: Compile): Promise<boolean> {
  const ab = operandPairs();
  const got = await divideOnGpu(device, await compile(device, 'shaders/div_check.wgsl', checkSrc), ab);
  // float64 quotient rounded to float32 is the correctly rounded float32 quotient (53 >= 2 x 24 + 2)
  const want = new Float32Array(1);
  const wantU = new Uint32Array(want.buffer);
  for (let i = 0; i < got.length; i++) {
    want[0] = ab[2 * i] / ab[2 * i + 1];
    if (wantU[0] !== got[i]) return false;
  }
  return true;
}

/**
 * Run a division kernel (bindings: 0 = operand pairs a, b; 1 = quotients; workgroup size 64) over
 * `ab` and return the quotients' bit patterns.
 */
export async function divideOnGpu(device: GPUDevice, pipe: GPUComputePipeline, ab: Float32Array<ArrayBuffer>): Promise<Uint32Array> {
  const n = ab.length / 2;
  const bin = device.createBuffer({ size: ab.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(bin, 0, ab);
  const bout = device.createBuffer({ size: 4 * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const st = device.createBuffer({ size: 4 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipe);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: bin } },
        { binding: 1, resource: { buffer: bout } },
      ],
    }),
  );
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  enc.copyBufferToBuffer(bout, 0, st, 0, 4 * n);
  device.queue.submit([enc.finish()]);
  await st.mapAsync(GPUMapMode.READ);
  const got = new Uint32Array(st.getMappedRange().slice(0));
  st.unmap();
  for (const b of [bin, bout, st]) b.destroy();
  return got;
}
