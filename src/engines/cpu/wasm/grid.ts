// AssemblyScript, compiled with neurons.ts into one module by scripts/build-wasm.mjs. The CPU engines'
// grid kernels for one grid step (docs/model.md §4), twins of shaders/release_uptake.wgsl and
// shaders/diffuse.wgsl and of the plain specification src/engines/reference/grid.ts, the same float32
// operations in the same order (mass sums in float64, in voxel order, as the reference keeps them).
// The voxels are the region's, inside[m] for m in [m0, m1): a thread's own range.
import { K_dCspike, K_KmEff, K_kClearDt, K_lambdaDiff, K_nx, K_ny } from './layout';

// neighbour mask bits (src/model/geometry.ts NBR): -x, +x, -y, +y, -z, +z, inside
const MX: u8 = 1;
const PX: u8 = 2;
const MY: u8 = 4;
const PY: u8 = 8;
const MZ: u8 = 16;
const PZ: u8 = 32;
const ALL: u8 = 127;
/** Four ALL bytes in a row. */
const ALL4: u32 = 0x7f7f7f7f;

/**
 * 1. release: c += n_spikes(voxel) * dC_spike; 2. SERT uptake (Michaelis-Menten, Km_eff) and clearance,
 * explicit over the grid step, never below zero. In place on c; counts zeroed. Leaves the released,
 * uptaken and cleared amounts of these voxels in the three float64 at pMass.
 */
export function releaseUptake(pK: usize, pInside: usize, m0: u32, m1: u32, pVmax: usize, pCounts: usize, pC: usize, pMass: usize): void {
  const dC = load<f32>(pK + K_dCspike);
  const Km = load<f32>(pK + K_KmEff);
  const kcl = load<f32>(pK + K_kClearDt);
  // clearance cannot overshoot (kClearDt <= 1): four voxels in a row with no spike and no SERT (most of
  // the region) go through the SIMD lanes: u = 0, rem = 0 + kc = kc <= c, as the general path gives them
  const clearOnly = kcl <= 1;
  const kcl4 = f32x4.splat(kcl);
  let rel: f64 = 0;
  let upt: f64 = 0;
  let clr: f64 = 0;
  let m = m0;
  while (m < m1) {
    const v = <usize>load<u32>(pInside + (<usize>m << 2));
    const pv = pC + (v << 2);
    // inside[] ascends without repeats: inside[m + 3] = v + 3 means voxels v..v+3 are inside[m..m+3]
    if (clearOnly && m + 4 <= m1 && <usize>load<u32>(pInside + (<usize>(m + 3) << 2)) == v + 3) {
      if (!v128.any_true(v128.or(v128.load(pCounts + (v << 2)), v128.load(pVmax + (v << 2))))) {
        const c4 = v128.load(pv);
        const kc4 = f32x4.mul(kcl4, c4);
        // the sums in voxel order, as one voxel at a time adds them
        clr += <f64>f32x4.extract_lane(kc4, 0);
        clr += <f64>f32x4.extract_lane(kc4, 1);
        clr += <f64>f32x4.extract_lane(kc4, 2);
        clr += <f64>f32x4.extract_lane(kc4, 3);
        v128.store(pv, f32x4.sub(c4, kc4));
        m += 4;
        continue;
      }
    }
    m++;
    const n = load<u32>(pCounts + (v << 2));
    const vm = load<f32>(pVmax + (v << 2));
    let c1 = load<f32>(pv);
    // ---- release: c += spikes x dC_spike ----
    if (n != 0) {
      const add = <f32>n * dC;
      c1 = c1 + add;
      rel += <f64>add;
      store<u32>(pCounts + (v << 2), 0);
    }
    // ---- uptake and clearance: Michaelis-Menten SERT uptake and first-order clearance, never below zero ----
    // no SERT in this voxel: u = 0 * c1 / (Km + c1) = 0 exactly, skip the division
    const u: f32 = vm == 0 ? 0 : (vm * c1) / (Km + c1);
    const kc = kcl * c1;
    const rem = u + kc;
    if (rem > c1) {
      // cannot remove more than is there: split what is there in proportion
      if (rem > 0) {
        upt += (<f64>c1 * <f64>u) / <f64>rem;
        clr += (<f64>c1 * <f64>kc) / <f64>rem;
      }
      store<f32>(pv, 0);
    } else {
      upt += <f64>u;
      clr += <f64>kc;
      store<f32>(pv, c1 - rem);
    }
  }
  store<f64>(pMass, rel);
  store<f64>(pMass + 8, upt);
  store<f64>(pMass + 16, clr);
}

/**
 * 3. diffusion from c into out: explicit 7-point stencil, zero flux at the region's surface. Four
 * interior voxels in a row along x (most of the region) go through the SIMD lanes, each lane the same
 * sums in the same order as one voxel alone.
 */
export function diffuse(pK: usize, pInside: usize, m0: u32, m1: u32, pMask: usize, pC: usize, pOut: usize): void {
  const lam = load<f32>(pK + K_lambdaDiff);
  const lam4 = f32x4.splat(lam);
  const nx = <usize>load<u32>(pK + K_nx) << 2;
  const nxy = (<usize>load<u32>(pK + K_ny) * (<usize>load<u32>(pK + K_nx))) << 2;
  let m = m0;
  while (m < m1) {
    const v = <usize>load<u32>(pInside + (<usize>m << 2));
    // ---- diffusion: explicit 7-point stencil, neighbours -x, +x, -y, +y, -z, +z, zero flux at the surface ----
    // inside[] ascends without repeats: inside[m + 3] = v + 3 means voxels v..v+3 are inside[m..m+3]
    if (m + 4 <= m1 && <usize>load<u32>(pInside + (<usize>(m + 3) << 2)) == v + 3 && load<u32>(pMask + v) == ALL4) {
      const pv = pC + (v << 2);
      const cv = v128.load(pv);
      const s = f32x4.add(
        f32x4.add(
          f32x4.add(
            f32x4.add(f32x4.add(f32x4.sub(v128.load(pv - 4), cv), f32x4.sub(v128.load(pv + 4), cv)), f32x4.sub(v128.load(pv - nx), cv)),
            f32x4.sub(v128.load(pv + nx), cv),
          ),
          f32x4.sub(v128.load(pv - nxy), cv),
        ),
        f32x4.sub(v128.load(pv + nxy), cv),
      );
      v128.store(pOut + (v << 2), f32x4.add(cv, f32x4.mul(lam4, s)));
      m += 4;
      continue;
    }
    m++;
    const bits = load<u8>(pMask + v);
    const pv = pC + (v << 2);
    const cv = load<f32>(pv);
    let s: f32 = 0;
    if (bits == ALL) {
      // interior voxel: same sums in the same order, without the branches
      s = (((((load<f32>(pv - 4) - cv) + (load<f32>(pv + 4) - cv)) + (load<f32>(pv - nx) - cv)) + (load<f32>(pv + nx) - cv)) + (load<f32>(pv - nxy) - cv)) + (load<f32>(pv + nxy) - cv);
    } else {
      if (bits & MX) s = s + (load<f32>(pv - 4) - cv);
      if (bits & PX) s = s + (load<f32>(pv + 4) - cv);
      if (bits & MY) s = s + (load<f32>(pv - nx) - cv);
      if (bits & PY) s = s + (load<f32>(pv + nx) - cv);
      if (bits & MZ) s = s + (load<f32>(pv - nxy) - cv);
      if (bits & PZ) s = s + (load<f32>(pv + nxy) - cv);
    }
    store<f32>(pOut + (v << 2), cv + lam * s);
  }
}
