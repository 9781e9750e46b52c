// AssemblyScript, compiled to WebAssembly by scripts/build-wasm.mjs (kernels.wasm, kernels-shared.wasm).
// The CPU engines' neuron kernel: one grid step of cells [i0, i1). Twin of shaders/neurons.wgsl and of
// the plain specification src/engines/reference/neurons.ts, section for section with the same names and the
// same float32 operations in the same order (WebAssembly's f32 arithmetic is IEEE single precision, no
// fused multiply-add), so the three agree bit for bit. Receptors and background drive run cell by cell;
// the sub-steps run four cells at a time in 128-bit SIMD lanes, each branch of the scalar code a lane mask.
//
// Memory (all byte addresses in the one linear memory the engine allocates, src/engines/cpu/wasm-kernels.ts):
//   pK      the constant block, UNIFORM_FIELDS order (K_<NAME>: byte offsets, generated in layout.ts)
//   pSt     the state, STATE_WORDS blocks of nPad words: field f of cell i at word f * nPad + i (ST_<NAME>)
//   pIdrive, pVox, pGap: each cell's drive and voxel, the background gap table; pC: the grid;
//   pSub    each cell's spike sub-step this grid step (u8, 255: none)
//   pCounts per box voxel, the release quanta of this grid step's spikes (u32; atomic adds in the shared build)
//   pTmp    this thread's scratch, 3 x 4 words: Gsyn, Isyn and the packed event sub-steps of a block's cells
import {
  K_bgC2, K_bgC3, K_bgGapLen, K_bgStep, K_c1Cross, K_c6, K_dAhp1, K_dAhp2, K_dAhp3, K_den1A, K_den2B, K_dtC,
  K_e1Decay, K_e1Rise, K_e2B, K_E2B, K_eAhp1, K_eAhp2, K_eAhp3, K_eBg, K_Eexc, K_EK, K_ePool, K_g1A, K_g2B,
  K_gL, K_gLEL, K_invK1A, K_invK2B, K_keepU, K_num1A, K_num2B, K_quanta, K_refSteps, K_rel1A, K_tiny,
  K_seedHi, K_seedLo, K_subSteps, K_Vfloor, K_Vreset, K_Vth, ST_A1SUM, ST_A2SUM, ST_AHP1, ST_AHP2, ST_AHP3,
  ST_BGIDX, ST_BGNEXT, ST_D1A, ST_D2B, ST_GBG, ST_POOL, ST_R1A, ST_REF, ST_S1A, ST_S2B, ST_V,
} from './layout';

const M0: u32 = 0xd2511f53;
const M1: u32 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;
const NONE: u32 = 0xff;
/** Three NONE event sub-steps packed (ev0 | ev1 << 8 | ev2 << 16): no event. */
const NONE3: u32 = 0xffffff;

@inline function kf(pK: usize, off: usize): f32 {
  return load<f32>(pK + off);
}
@inline function ku(pK: usize, off: usize): u32 {
  return load<u32>(pK + off);
}
/** Byte address of field f of cell i. */
@inline function at(pSt: usize, nPad: usize, f: usize, i: usize): usize {
  return pSt + ((f * nPad + i) << 2);
}

/** The background drive of cell i, lane `lane` of its block, at its event step: its event sub-steps to pTmp + 32. */
@inline function background(pK: usize, pSt: usize, nPad: usize, pGap: usize, pTmp: usize, step: u32, i: usize, lane: usize): void {
  let ev0: u32 = NONE;
  let ev1: u32 = NONE;
  let ev2: u32 = NONE;
  const pNext = at(pSt, nPad, ST_BGNEXT, i);
  if (load<u32>(pNext) == step) {
    const pIdx = at(pSt, nPad, ST_BGIDX, i);
    const idx = load<u32>(pIdx);
    const draw = idx & 0x7fffffff;
    let p0 = <u32>i;
    let p1 = draw;
    let p2: u32 = 0;
    let p3: u32 = 0;
    let q0 = ku(pK, K_seedLo);
    let q1 = ku(pK, K_seedHi);
    for (let r = 0; r < 10; r++) {
      const m0 = <u64>M0 * <u64>p0;
      const m1 = <u64>M1 * <u64>p2;
      p0 = (<u32>(m1 >> 32)) ^ p1 ^ q0;
      p1 = <u32>m1;
      p2 = (<u32>(m0 >> 32)) ^ p3 ^ q1;
      p3 = <u32>m0;
      q0 += W0;
      q1 += W1;
    }
    // N given N >= 1 (none at a null step), each event at a uniform sub-step
    if (idx < 0x80000000) {
      const S = ku(pK, K_subSteps);
      const nEv = 1 + u32(p0 < ku(pK, K_bgC2)) + u32(p0 < ku(pK, K_bgC3));
      ev0 = p1 % S;
      if (nEv > 1) ev1 = p2 % S;
      if (nEv > 2) ev2 = (p1 >> 16) % S;
    }
    // G = #{k : p3 < gap[k-1]}: empty grid steps before the next event step (null step at G = L)
    const L = ku(pK, K_bgGapLen);
    let glo: u32 = 0;
    let ghi = L;
    while (glo < ghi) {
      const mid = (glo + ghi) >> 1;
      if (p3 < load<u32>(pGap + (<usize>mid << 2))) glo = mid + 1;
      else ghi = mid;
    }
    store<u32>(pNext, step + 1 + glo);
    store<u32>(pIdx, (draw + 1) | (glo == L ? 0x80000000 : 0));
  }
  store<u32>(pTmp + 32 + (lane << 2), ev0 | (ev1 << 8) | (ev2 << 16));
}

/** The release of cell i's spike: its refilled pool P and this step's s1A from the state; keeps P keepU. */
@inline function release(pK: usize, pSt: usize, nPad: usize, pVox: usize, pCounts: usize, i: usize): void {
  const pP = at(pSt, nPad, ST_POOL, i);
  const P = load<f32>(pP);
  const amt = P * (<f32>1.0 - kf(pK, K_rel1A) * load<f32>(at(pSt, nPad, ST_S1A, i)));
  const q = <u32>(amt * kf(pK, K_quanta) + <f32>0.5);
  const pc = pCounts + (<usize>load<u32>(pVox + (i << 2)) << 2);
  if (ASC_FEATURE_THREADS) atomic.add<u32>(pc, q);
  else store<u32>(pc, load<u32>(pc) + q);
  store<f32>(pP, P * kf(pK, K_keepU));
}

/** One grid step of cells [i0, i1): spikes' sub-steps to pSub, their release quanta added to pCounts. Returns the number of spikes. */
export function stepNeurons(pK: usize, pSt: usize, nPad: usize, pIdrive: usize, pVox: usize, pGap: usize, pC: usize, pSub: usize, pCounts: usize, pTmp: usize, step: u32, i0: usize, i1: usize): u32 {
  const S = ku(pK, K_subSteps);
  const eBg = f32x4.splat(kf(pK, K_eBg));
  const bgStep = f32x4.splat(kf(pK, K_bgStep));
  const eA1 = f32x4.splat(kf(pK, K_eAhp1));
  const eA2 = f32x4.splat(kf(pK, K_eAhp2));
  const eA3 = f32x4.splat(kf(pK, K_eAhp3));
  const dA1 = f32x4.splat(kf(pK, K_dAhp1));
  const dA2 = f32x4.splat(kf(pK, K_dAhp2));
  const dA3 = f32x4.splat(kf(pK, K_dAhp3));
  const Eexc = f32x4.splat(kf(pK, K_Eexc));
  const dtC = f32x4.splat(kf(pK, K_dtC));
  const c6 = f32x4.splat(kf(pK, K_c6));
  const Vth = f32x4.splat(kf(pK, K_Vth));
  const Vreset = f32x4.splat(kf(pK, K_Vreset));
  const Vfloor = f32x4.splat(kf(pK, K_Vfloor));
  const refSteps = i32x4.splat(ku(pK, K_refSteps));
  const tiny = f32x4.splat(kf(pK, K_tiny));
  const fzero = f32x4.splat(0.0);
  const one = f32x4.splat(1.0);
  const half = f32x4.splat(0.5);
  const zero = i32x4.splat(0);
  const byte = i32x4.splat(0xff);
  const iota = i32x4(0, 1, 2, 3);
  const allOn = i32x4.splat(-1);
  const invK1A = f32x4.splat(kf(pK, K_invK1A));
  const num1A = f32x4.splat(kf(pK, K_num1A));
  const den1A = f32x4.splat(kf(pK, K_den1A));
  const invK2B = f32x4.splat(kf(pK, K_invK2B));
  const num2B = f32x4.splat(kf(pK, K_num2B));
  const den2B = f32x4.splat(kf(pK, K_den2B));
  const e1Decay = f32x4.splat(kf(pK, K_e1Decay));
  const c1Cross = f32x4.splat(kf(pK, K_c1Cross));
  const e1Rise = f32x4.splat(kf(pK, K_e1Rise));
  const e2B = f32x4.splat(kf(pK, K_e2B));
  const g1A = f32x4.splat(kf(pK, K_g1A));
  const g2B = f32x4.splat(kf(pK, K_g2B));
  const gL = f32x4.splat(kf(pK, K_gL));
  const gLEL = f32x4.splat(kf(pK, K_gLEL));
  const EK = f32x4.splat(kf(pK, K_EK));
  const E2B = f32x4.splat(kf(pK, K_E2B));
  const ePool = f32x4.splat(kf(pK, K_ePool));
  let spikes: u32 = 0;
  for (let b = i0; b < i1; b += 4) {
    const lanes = i1 - b < 4 ? i1 - b : 4;
    const valid = i32x4.lt_s(iota, i32x4.splat(<i32>lanes));
    // a lane past i1 reads lane 0's voxel and keeps what its state held (stored back unchanged)
    const vx0 = <usize>load<u32>(pVox + (b << 2));
    const vx1 = lanes > 1 ? <usize>load<u32>(pVox + ((b + 1) << 2)) : vx0;
    const vx2 = lanes > 2 ? <usize>load<u32>(pVox + ((b + 2) << 2)) : vx0;
    const vx3 = lanes > 3 ? <usize>load<u32>(pVox + ((b + 3) << 2)) : vx0;
    // ---- receptors: activations from the frozen local 5-HT, exact filters over the grid step (four cells
    // a lane each, the scalar operations lane by lane) ----
    let cl = f32x4.splat(load<f32>(pC + (vx0 << 2)));
    cl = f32x4.replace_lane(cl, 1, load<f32>(pC + (vx1 << 2)));
    cl = f32x4.replace_lane(cl, 2, load<f32>(pC + (vx2 << 2)));
    cl = f32x4.replace_lane(cl, 3, load<f32>(pC + (vx3 << 2)));
    const x1 = f32x4.mul(cl, invK1A);
    const a1 = f32x4.div(f32x4.add(x1, num1A), f32x4.add(den1A, x1));
    const x2 = f32x4.mul(cl, invK2B);
    const a2 = f32x4.div(f32x4.add(x2, num2B), f32x4.add(den2B, x2));
    const pR1 = at(pSt, nPad, ST_R1A, b);
    const pS1 = at(pSt, nPad, ST_S1A, b);
    const pS2 = at(pSt, nPad, ST_S2B, b);
    const r1o = v128.load(pR1);
    const s1o = v128.load(pS1);
    const s2o = v128.load(pS2);
    const s1 = f32x4.add(f32x4.add(a1, f32x4.mul(f32x4.sub(s1o, a1), e1Decay)), f32x4.mul(f32x4.sub(r1o, a1), c1Cross));
    v128.store(pR1, v128.bitselect(f32x4.add(a1, f32x4.mul(f32x4.sub(r1o, a1), e1Rise)), r1o, valid));
    const s2 = f32x4.add(a2, f32x4.mul(f32x4.sub(s2o, a2), e2B));
    v128.store(pS1, v128.bitselect(s1, s1o, valid));
    v128.store(pS2, v128.bitselect(s2, s2o, valid));
    // desensitised 5-HT1A coupling (docs/model.md §7): d1A = 0 gives g1A x 1 = g1A exactly
    const pA1 = at(pSt, nPad, ST_A1SUM, b);
    const a1s = v128.load(pA1);
    v128.store(pA1, v128.bitselect(f32x4.add(a1s, s1), a1s, valid));
    const G1 = f32x4.mul(f32x4.mul(g1A, f32x4.sub(one, v128.load(at(pSt, nPad, ST_D1A, b)))), s1);
    // desensitised 5-HT2B coupling, frozen like d1A: d2B = 0 gives g2B x 1 = g2B exactly
    const pA2 = at(pSt, nPad, ST_A2SUM, b);
    const a2s = v128.load(pA2);
    v128.store(pA2, v128.bitselect(f32x4.add(a2s, s2), a2s, valid));
    const G2 = f32x4.mul(f32x4.mul(g2B, f32x4.sub(one, v128.load(at(pSt, nPad, ST_D2B, b)))), s2);
    const Gsyn = f32x4.add(f32x4.add(gL, G1), G2);
    const Isyn = f32x4.add(f32x4.add(f32x4.add(gLEL, f32x4.mul(G1, EK)), f32x4.mul(G2, E2B)), v128.load(pIdrive + (b << 2)));

    // ---- releasable pool: refill toward 1 over the grid step, ePool = exp(-dt_grid / tauRefill) ----
    const pP = at(pSt, nPad, ST_POOL, b);
    const P0 = v128.load(pP);
    v128.store(pP, v128.bitselect(f32x4.sub(one, f32x4.mul(f32x4.sub(one, P0), ePool)), P0, valid));

    // ---- background drive: at the cell's next event step, draw bgIdx of Philox4x32-10 of
    // (cell, bgIdx, 0, 0) keyed by the seed (src/model/background.ts): the events of this step and the
    // gap to the next event step (background(), lane by lane where a lane is due; the others hold none) ----
    v128.store(pTmp + 32, i32x4.splat(<i32>NONE3));
    if (v128.any_true(v128.and(i32x4.eq(v128.load(at(pSt, nPad, ST_BGNEXT, b)), i32x4.splat(<i32>step)), valid)))
      for (let l: usize = 0; l < lanes; l++) background(pK, pSt, nPad, pGap, pTmp, step, b + l, l);

    // ---- sub-steps: four cells a lane each; `if` of the scalar code as lane masks ----
    const evp = v128.load(pTmp + 32);
    const ev0 = v128.and(evp, byte);
    const ev1 = v128.and(i32x4.shr_u(evp, 8), byte);
    const ev2 = v128.and(i32x4.shr_u(evp, 16), byte);
    const V0 = v128.load(at(pSt, nPad, ST_V, b));
    const g0 = v128.load(at(pSt, nPad, ST_GBG, b));
    const h10 = v128.load(at(pSt, nPad, ST_AHP1, b));
    const h20 = v128.load(at(pSt, nPad, ST_AHP2, b));
    const h30 = v128.load(at(pSt, nPad, ST_AHP3, b));
    const ref0 = v128.load(at(pSt, nPad, ST_REF, b));
    let V = V0;
    let g = g0;
    let h1 = h10;
    let h2 = h20;
    let h3 = h30;
    let ref = ref0;
    let sp = byte;
    // most blocks hold no background event this grid step, no cell in its refractory count and, at most
    // sub-steps, no spike: those skip the event count, the count-down and the spike's updates (an event
    // count of 0 adds bgStep x 0 = +0 to g >= 0; with no lane refractory every lane is active; a spike mask
    // of 0 selects what they would leave): the same float32 results, fewer operations
    const events = v128.any_true(v128.not(i32x4.eq(ev0, byte)));
    let refr = v128.any_true(ref);
    for (let j: u32 = 0; j < S; j++) {
      if (events) {
        const vj = i32x4.splat(j);
        const nj = i32x4.neg(i32x4.add(i32x4.add(i32x4.eq(ev0, vj), i32x4.eq(ev1, vj)), i32x4.eq(ev2, vj)));
        g = f32x4.add(f32x4.mul(g, eBg), f32x4.mul(bgStep, f32x4.convert_i32x4_s(nj)));
      } else g = f32x4.add(f32x4.mul(g, eBg), fzero);
      h1 = f32x4.mul(h1, eA1);
      h2 = f32x4.mul(h2, eA2);
      h3 = f32x4.mul(h3, eA3);
      // refractory: count down; otherwise integrate
      let active = allOn;
      if (refr) {
        active = i32x4.eq(ref, zero);
        ref = v128.bitselect(ref, i32x4.sub(ref, i32x4.splat(1)), active);
      }
      const G = f32x4.add(Gsyn, g);
      const I = f32x4.sub(f32x4.sub(f32x4.add(Isyn, f32x4.mul(g, Eexc)), f32x4.add(f32x4.add(h1, h2), h3)), f32x4.mul(G, V));
      const x = f32x4.mul(G, dtC);
      const phi = f32x4.sub(one, f32x4.mul(x, f32x4.sub(half, f32x4.mul(x, c6))));
      let Vn = f32x4.add(V, f32x4.mul(f32x4.mul(dtC, phi), I));
      Vn = v128.bitselect(Vfloor, Vn, f32x4.lt(Vn, Vfloor));
      const spk = v128.and(active, f32x4.ge(Vn, Vth));
      if (v128.any_true(spk)) {
        V = v128.bitselect(v128.bitselect(Vreset, Vn, spk), V, active);
        ref = v128.bitselect(refSteps, ref, spk);
        h1 = v128.bitselect(f32x4.add(h1, dA1), h1, spk);
        h2 = v128.bitselect(f32x4.add(h2, dA2), h2, spk);
        h3 = v128.bitselect(f32x4.add(h3, dA3), h3, spk);
        sp = v128.bitselect(i32x4.splat(j), sp, spk);
        refr = v128.any_true(ref);
      } else if (refr) {
        V = v128.bitselect(Vn, V, active);
        refr = v128.any_true(ref);
      } else V = Vn;
    }
    // ---- flush: what decayed below `tiny` is 0 (derive.ts FLUSH_BELOW: no float32 subnormals) ----
    g = v128.bitselect(fzero, g, f32x4.lt(g, tiny));
    h1 = v128.bitselect(fzero, h1, f32x4.lt(h1, tiny));
    h2 = v128.bitselect(fzero, h2, f32x4.lt(h2, tiny));
    h3 = v128.bitselect(fzero, h3, f32x4.lt(h3, tiny));
    // lanes past i1 keep what they held (the last block of a range)
    v128.store(at(pSt, nPad, ST_V, b), v128.bitselect(V, V0, valid));
    v128.store(at(pSt, nPad, ST_GBG, b), v128.bitselect(g, g0, valid));
    v128.store(at(pSt, nPad, ST_AHP1, b), v128.bitselect(h1, h10, valid));
    v128.store(at(pSt, nPad, ST_AHP2, b), v128.bitselect(h2, h20, valid));
    v128.store(at(pSt, nPad, ST_AHP3, b), v128.bitselect(h3, h30, valid));
    v128.store(at(pSt, nPad, ST_REF, b), v128.bitselect(ref, ref0, valid));
    spikes += <u32>popcnt(i32x4.bitmask(v128.and(i32x4.ne(sp, byte), valid)));
    store<u8>(pSub + b, <u8>i32x4.extract_lane(sp, 0));
    if (lanes > 1) store<u8>(pSub + b + 1, <u8>i32x4.extract_lane(sp, 1));
    if (lanes > 2) store<u8>(pSub + b + 2, <u8>i32x4.extract_lane(sp, 2));
    if (lanes > 3) store<u8>(pSub + b + 3, <u8>i32x4.extract_lane(sp, 3));
    // ---- release: a spike adds P (1 - rel1A s1) of a full pool's quanta to its voxel's count, rounded, and keeps P keepU ----
    for (let l: usize = 0; l < lanes; l++) if (load<u8>(pSub + b + l) != NONE) release(pK, pSt, nPad, pVox, pCounts, b + l);
  }
  return spikes;
}
