/**
 * Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"), a counter-based
 * generator: output = f(counter, key), no state. Both engines key it by (seed) and count the background
 * drive by (cell, draw) (model/background.ts), so the CPU engine and shaders/neurons.wgsl draw identical streams. 32x32->64 products are split into
 * 16-bit halves so JS (and WGSL, which has no mulhi) compute them exactly.
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32. */
export function mulhi32(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const cross = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aH * bH + (lh >>> 16) + (hl >>> 16) + (cross >>> 16)) >>> 0;
}

/**
 * Philox4x32-10 of counter (c0..c3) and key (k0, k1), written into out[0..3] as u32.
 */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array | number[]): void {
  c0 >>>= 0;
  c1 >>>= 0;
  c2 >>>= 0;
  c3 >>>= 0;
  k0 >>>= 0;
  k1 >>>= 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Streams (counter word 3) so that different uses of the generator never share a counter. */
export const STREAM = {
  /** Background Poisson drive: counter (cell, draw, 0, BACKGROUND), one draw per event step (model/background.ts). */
  background: 0,
  /** Per-cell parameters drawn on the host at set-up. */
  cellParams: 0x5eed0001,
  /** Cell placement. */
  placement: 0x5eed0002,
  /** Initial membrane potentials. */
  initialV: 0x5eed0003,
  /** Cell placement in the steady-state estimate's patch of tissue. */
  patchPlacement: 0x5eed0010,
  /** Operand pairs of the WebGPU division self-test (with its own fixed key, no seed). */
  divisionCheck: 0x5eed0020,
  /** Each cell's A50 of the slow 5-HT1A desensitisation (model/chronic.ts, docs/model.md §7). */
  chronicA50: 0x5eed0030,
} as const;

/** Seed -> Philox key (two u32 words). */
export function seedKey(seed: number): [number, number] {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return [lo, hi];
}

/** A host-side stream of uniforms in (0, 1) from one (key, stream, index) counter family. */
export class HostStream {
  private readonly buf = new Uint32Array(4);
  private pos = 4;
  private block = 0;
  constructor(
    private readonly key: [number, number],
    private readonly stream: number,
    private readonly index: number,
  ) {}
  nextU32(): number {
    if (this.pos === 4) {
      philox4x32(this.index, this.block++, 0, this.stream, this.key[0], this.key[1], this.buf);
      this.pos = 0;
    }
    return this.buf[this.pos++];
  }
  /** Uniform in (0, 1), never 0 or 1. */
  uniform(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }
  normal(): number {
    const u1 = this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
