// AssemblyScript, compiled with neurons.ts into one module by scripts/build-wasm.mjs. The CPU engines'
// grid kernels for one grid step (docs/model.md §4), twins of shaders/release_uptake.wgsl and
// shaders/diffuse.wgsl and of the plain specification src/engines/reference/grid.ts, the same float32
// operations in the same order (mass sums in float64, in voxel order, as the reference keeps them).
// The release field's x and y passes run over box planes [z0, z1), the other kernels over the region's
// voxels inside[m] for m in [m0, m1): a thread's own ranges.
import { K_dCrel, K_fieldR, K_KmEff, K_kClearDt, K_lambdaDiff, K_nx, K_ny, K_nz, K_sertScale } from './layout';

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

/** Zeroes n u32 words at p, 4 at a time. */
@inline
function zeroRow(p: usize, n: i32): void {
  const z4 = i32x4.splat(0);
  let x = 0;
  for (; x + 4 <= n; x += 4) v128.store(p + (<usize>x << 2), z4);
  for (; x < n; x++) store<u32>(p + (<usize>x << 2), 0);
}

/**
 * 0. release field, x and y passes over the box planes [z0, z1) (a plane needs no other plane's sums).
 * x pass, per row: xs[v] = the sum of counts over x - r .. x + r (a running sum: integers, exact); y pass:
 * sums[v] = the sum of xs over y - r .. y + r, 4 voxels of a row at a time. Few cells fire in a grid step,
 * so most rows hold no quantum: a flag byte a row (row j = y + ny z) at pQ says which rows of counts hold
 * quanta (set by whoever adds them), two at pFxy and pFxy + rows which rows of xs and of sums are not all
 * zero; a row that is and stays all zero is neither read nor written. With `clear`, the counts read and
 * their flags are zeroed here; else clearCounts does it once no thread reads them any more.
 */
export function spread(pK: usize, z0: u32, z1: u32, pCounts: usize, pQ: usize, pX: usize, pSums: usize, pFxy: usize, clear: bool): void {
  const r = <i32>load<u32>(pK + K_fieldR);
  const nx = <i32>load<u32>(pK + K_nx);
  const ny = <i32>load<u32>(pK + K_ny);
  const rows = <usize>ny * <usize>load<u32>(pK + K_nz);
  const pFx = pFxy;
  const pFy = pFxy + rows;
  const rowBytes = <usize>nx << 2;
  for (let z = z0; z < z1; z++) {
    const j0 = <usize>z * <usize>ny;
    for (let y = 0; y < ny; y++) {
      const j = j0 + <usize>y;
      const po = pX + j * rowBytes;
      if (load<u8>(pQ + j) == 0) {
        if (load<u8>(pFx + j) != 0) {
          zeroRow(po, nx);
          store<u8>(pFx + j, 0);
        }
        continue;
      }
      store<u8>(pFx + j, 1);
      const pc = pCounts + j * rowBytes;
      // ---- release field: box sums of the release quanta over each voxel's cube, clipped to the box ----
      let s: u32 = 0;
      for (let i = 0; i < r && i < nx; i++) s += load<u32>(pc + (<usize>i << 2));
      for (let i = 0; i < nx; i++) {
        if (i + r < nx) s += load<u32>(pc + (<usize>(i + r) << 2));
        if (i - r > 0) s -= load<u32>(pc + (<usize>(i - r - 1) << 2));
        store<u32>(po + (<usize>i << 2), s);
      }
      if (clear) {
        zeroRow(pc, nx);
        store<u8>(pQ + j, 0);
      }
    }
    for (let y = 0; y < ny; y++) {
      const j = j0 + <usize>y;
      const lo = y - r < 0 ? 0 : y - r;
      const hi = y + r > ny - 1 ? ny - 1 : y + r;
      const po = pSums + j * rowBytes;
      let any: u32 = 0;
      for (let yy = lo; yy <= hi; yy++) any |= <u32>load<u8>(pFx + j0 + <usize>yy);
      if (any == 0) {
        if (load<u8>(pFy + j) != 0) {
          zeroRow(po, nx);
          store<u8>(pFy + j, 0);
        }
        continue;
      }
      store<u8>(pFy + j, 1);
      const pFirst = pX + (j0 + <usize>lo) * rowBytes;
      let x = 0;
      for (; x + 4 <= nx; x += 4) {
        let s4 = i32x4.splat(0);
        let p = pFirst + (<usize>x << 2);
        for (let yy = lo; yy <= hi; yy++) {
          s4 = i32x4.add(s4, v128.load(p));
          p += rowBytes;
        }
        v128.store(po + (<usize>x << 2), s4);
      }
      for (; x < nx; x++) {
        let s: u32 = 0;
        let p = pFirst + (<usize>x << 2);
        for (let yy = lo; yy <= hi; yy++) {
          s += load<u32>(p);
          p += rowBytes;
        }
        store<u32>(po + (<usize>x << 2), s);
      }
    }
  }
}

/** The counts of the box planes [z0, z1) zeroed where flagged in pQ, and their flags. */
export function clearCounts(pK: usize, z0: u32, z1: u32, pCounts: usize, pQ: usize): void {
  const nx = <i32>load<u32>(pK + K_nx);
  const ny = <usize>load<u32>(pK + K_ny);
  const rowBytes = <usize>nx << 2;
  for (let j = <usize>z0 * ny; j < <usize>z1 * ny; j++) {
    if (load<u8>(pQ + j) != 0) {
      zeroRow(pCounts + j * rowBytes, nx);
      store<u8>(pQ + j, 0);
    }
  }
}

/**
 * 0. release field, z pass, 1. release: c += sum x dC_rel, then c += tonicDt; 2. SERT uptake
 * (Michaelis-Menten, Km_eff, Vmax x sertScale) and clearance, explicit over the grid step, never below
 * zero. pSum: the y pass's sums, pFy their row flags; the z pass sums them over z - r .. z + r (rows
 * whose window holds no flagged row read as 0). In place on c. Leaves the
 * released, uptaken and cleared amounts of these voxels in the three float64 at pMass.
 */
export function releaseUptake(
  pK: usize,
  pInside: usize,
  m0: u32,
  m1: u32,
  pVmax: usize,
  pTonic: usize,
  pSum: usize,
  pFy: usize,
  pC: usize,
  pMass: usize,
): void {
  const dC = load<f32>(pK + K_dCrel);
  const Km = load<f32>(pK + K_KmEff);
  const kcl = load<f32>(pK + K_kClearDt);
  const sertScale = load<f32>(pK + K_sertScale);
  const r = <i32>load<u32>(pK + K_fieldR);
  const nz = <i32>load<u32>(pK + K_nz);
  const nx = <usize>load<u32>(pK + K_nx);
  const ny = <usize>load<u32>(pK + K_ny);
  const nxy = nx * ny;
  const planeBytes = nxy << 2;
  const dC4 = f32x4.splat(dC);
  const Km4 = f32x4.splat(Km);
  const kcl4 = f32x4.splat(kcl);
  const ss4 = f32x4.splat(sertScale);
  let rel: f64 = 0;
  let upt: f64 = 0;
  let clr: f64 = 0;
  let m = m0;
  // the box row j = y + ny z of the current voxel, followed as inside[] ascends, with its z pass's
  // bounds and whether any row of sums in its window is flagged (else its sums are 0, unread)
  let rowEnd: usize = 0;
  let z = 0;
  let lo = 0;
  let hi = 0;
  let sums = false;
  while (m < m1) {
    const v = <usize>load<u32>(pInside + (<usize>m << 2));
    if (v >= rowEnd) {
      const j = v / nx;
      rowEnd = (j + 1) * nx;
      z = <i32>(j / ny);
      lo = z - r < 0 ? 0 : z - r;
      hi = z + r > nz - 1 ? nz - 1 : z + r;
      let any: u32 = 0;
      for (let zz = lo; zz <= hi; zz++) any |= <u32>load<u8>(pFy + j + <usize>(zz - z) * ny);
      sums = any != 0;
    }
    const pFirst = pSum + (v << 2) - <usize>(z - lo) * planeBytes;
    const pv = pC + (v << 2);
    // inside[] ascends without repeats: inside[m + 3] = v + 3 means voxels v..v+3 are inside[m..m+3];
    // in one z plane they share the z pass's bounds and go through the SIMD lanes, each lane the same
    // operations as one voxel alone (adding a zero release leaves c and the sum as they are)
    if (m + 4 <= m1 && <usize>load<u32>(pInside + (<usize>(m + 3) << 2)) == v + 3 && v + 3 < rowEnd) {
      let s4 = i32x4.splat(0);
      if (sums) {
        let p = pFirst;
        for (let zz = lo; zz <= hi; zz++) {
          s4 = i32x4.add(s4, v128.load(p));
          p += planeBytes;
        }
      }
      const add4 = f32x4.mul(f32x4.convert_i32x4_u(s4), dC4);
      const t4 = v128.load(pTonic + (v << 2));
      const c4 = f32x4.add(f32x4.add(v128.load(pv), add4), t4);
      const u4 = f32x4.div(f32x4.mul(f32x4.mul(v128.load(pVmax + (v << 2)), ss4), c4), f32x4.add(Km4, c4));
      const kc4 = f32x4.mul(kcl4, c4);
      const rem4 = f32x4.add(u4, kc4);
      // no lane removes more than it holds (else the voxels go one at a time below)
      if (!v128.any_true(f32x4.gt(rem4, c4))) {
        // adding zeros leaves the sum as it is: skipped where nothing was released
        if (v128.any_true(v128.or(add4, t4))) {
          rel += <f64>f32x4.extract_lane(add4, 0);
          rel += <f64>f32x4.extract_lane(t4, 0);
          rel += <f64>f32x4.extract_lane(add4, 1);
          rel += <f64>f32x4.extract_lane(t4, 1);
          rel += <f64>f32x4.extract_lane(add4, 2);
          rel += <f64>f32x4.extract_lane(t4, 2);
          rel += <f64>f32x4.extract_lane(add4, 3);
          rel += <f64>f32x4.extract_lane(t4, 3);
        }
        upt += <f64>f32x4.extract_lane(u4, 0);
        upt += <f64>f32x4.extract_lane(u4, 1);
        upt += <f64>f32x4.extract_lane(u4, 2);
        upt += <f64>f32x4.extract_lane(u4, 3);
        clr += <f64>f32x4.extract_lane(kc4, 0);
        clr += <f64>f32x4.extract_lane(kc4, 1);
        clr += <f64>f32x4.extract_lane(kc4, 2);
        clr += <f64>f32x4.extract_lane(kc4, 3);
        v128.store(pv, f32x4.sub(c4, rem4));
        m += 4;
        continue;
      }
    }
    m++;
    let n: u32 = 0;
    if (sums) {
      let p = pFirst;
      for (let zz = lo; zz <= hi; zz++) {
        n += load<u32>(p);
        p += planeBytes;
      }
    }
    let c1 = load<f32>(pv);
    // ---- release: c += quanta in the cube x dC_rel, then the tonic release ----
    if (n != 0) {
      const add = <f32>n * dC;
      c1 = c1 + add;
      rel += <f64>add;
    }
    const tonic = load<f32>(pTonic + (v << 2));
    c1 = c1 + tonic;
    rel += <f64>tonic;
    // ---- uptake and clearance: Michaelis-Menten SERT uptake and first-order clearance, never below zero ----
    const u: f32 = ((load<f32>(pVmax + (v << 2)) * sertScale) * c1) / (Km + c1);
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
