// One grid step of every cell of every sim of the batch (twin of src/engines/reference/neurons.ts): receptor
// activations from the frozen local 5-HT, exact receptor filters, Philox background events, `subSteps`
// LIF sub-steps with the cell's state in registers. A spike increments its voxel's u32 count (exact,
// order-free). The dispatch's z coordinate is the sim s; its local cell li has the global id
// s * nCells + li. The sims share the tissue (Idrive, voxel of each local cell) and differ in their
// constants ks[s].
// State: one block of ST_WORDS * nCells u32 per sim, structure of arrays inside it, field f of local
// cell li at (s * ST_WORDS + f) * nCells + li, f32 fields as their bits (ST_<FIELD>: the generated
// offsets of STATE_FIELDS, src/model/layout.ts).
// Grids and counts: nBox voxels per sim, voxel v of sim s at s * nBox + v.

@group(0) @binding(0) var<uniform> ks: array<Consts, N_SIMS>;
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read_write> ctl: Ctl;
@group(0) @binding(3) var<storage, read_write> st: array<u32>;
@group(0) @binding(4) var<storage, read> cellIn: array<u32>; // Idrive f32 bits [0, n), vox [n, 2n), bg gap table [2n, 2n + bgGapLen)
@group(0) @binding(5) var<storage, read> conc: array<f32>;
@group(0) @binding(6) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> rec: array<u32>;

const M0: u32 = 0xd2511f53u;
const M1: u32 = 0xcd9e8d57u;
const W0: u32 = 0x9e3779b9u;
const W1: u32 = 0xbb67ae85u;

fn mulhi32(a: u32, b: u32) -> u32 {
  let aL = a & 0xffffu;
  let aH = a >> 16u;
  let bL = b & 0xffffu;
  let bH = b >> 16u;
  let ll = aL * bL;
  let lh = aL * bH;
  let hl = aH * bL;
  let cross = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return aH * bH + (lh >> 16u) + (hl >> 16u) + (cross >> 16u);
}

// Philox4x32-10 of counter c keyed by (k0, k1)
fn philox(c: vec4<u32>, k0: u32, k1: u32) -> vec4<u32> {
  var p0 = c.x;
  var p1 = c.y;
  var p2 = c.z;
  var p3 = c.w;
  var q0 = k0;
  var q1 = k1;
  for (var r = 0u; r < 10u; r = r + 1u) {
    let hi0 = mulhi32(M0, p0);
    let lo0 = M0 * p0;
    let hi1 = mulhi32(M1, p2);
    let lo1 = M1 * p2;
    p0 = hi1 ^ p1 ^ q0;
    p1 = lo1;
    p2 = hi0 ^ p3 ^ q1;
    p3 = lo0;
    q0 = q0 + W0;
    q1 = q1 + W1;
  }
  return vec4<u32>(p0, p1, p2, p3);
}

// field f of the cell whose field 0 is at b (b = s * ST_WORDS * nCells + li)
fn ldf(f: u32, n: u32, b: u32) -> f32 {
  return bitcast<f32>(st[f * n + b]);
}

fn stf(f: u32, n: u32, b: u32, x: f32) {
  st[f * n + b] = bitcast<u32>(x);
}

@compute @workgroup_size(WG_NEURONS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = d.nCells;
  let li = flatWg(wid, nwg) * WG_NEURONS + lid;
  if (li < n) {
    let sim = wid.z;
    let gi = sim * n + li;
    let b = sim * ST_WORDS * n + li; // field 0 of this cell in the state buffer
    let k = ks[sim];
    let step = ctl.step;
    let S = k.subSteps;
    let vx = cellIn[n + li];
    let gv = sim * d.nBox + vx;
    // ---- receptors: activations from the frozen local 5-HT, exact filters over the grid step ----
    let cl = conc[gv];
    let x1 = cl * k.invK1A;
    let a1 = divRN(x1 + k.num1A, k.den1A + x1);
    let x2 = cl * k.invK2B;
    let a2 = divRN(x2 + k.num2B, k.den2B + x2);
    let r1o = ldf(ST_R1A, n, b);
    let s1 = (a1 + (ldf(ST_S1A, n, b) - a1) * k.e1Decay) + (r1o - a1) * k.c1Cross;
    stf(ST_R1A, n, b, a1 + (r1o - a1) * k.e1Rise);
    let s2 = a2 + (ldf(ST_S2B, n, b) - a2) * k.e2B;
    stf(ST_S1A, n, b, s1);
    stf(ST_S2B, n, b, s2);
    // desensitised 5-HT1A coupling (docs/model.md §7): d1A = 0 gives g1A x 1 = g1A exactly
    stf(ST_A1SUM, n, b, ldf(ST_A1SUM, n, b) + s1);
    let G1 = (k.g1A * (1.0 - ldf(ST_D1A, n, b))) * s1;
    let G2 = k.g2B * s2;
    let Gsyn = (k.gL + G1) + G2;
    let Isyn = ((k.gLEL + G1 * k.EK) + G2 * k.E2B) + bitcast<f32>(cellIn[li]);

    // ---- background drive: at the cell's next event step, draw bgIdx of Philox4x32-10 of
    // (local cell, bgIdx, 0, 0) keyed by the seed (src/model/background.ts): the events of this step
    // and the gap to the next event step ----
    var nEv = 0u;
    var ev0 = 0xffffffffu;
    var ev1 = 0xffffffffu;
    var ev2 = 0xffffffffu;
    if (st[ST_BGNEXT * n + b] == step) {
      let idx = st[ST_BGIDX * n + b];
      let draw = idx & 0x7fffffffu;
      let p = philox(vec4<u32>(li, draw, 0u, 0u), k.seedLo, k.seedHi);
      // N given N >= 1 (none at a null step), each event at a uniform sub-step
      if (idx < 0x80000000u) {
        nEv = 1u + select(0u, 1u, p.x < k.bgC2) + select(0u, 1u, p.x < k.bgC3);
        ev0 = p.y % S;
        ev1 = select(0xffffffffu, p.z % S, nEv > 1u);
        ev2 = select(0xffffffffu, (p.y >> 16u) % S, nEv > 2u);
      }
      // G = #{k : p.w < gap[k-1]}: empty grid steps before the next event step (null step at G = L)
      let L = k.bgGapLen;
      var glo = 0u;
      var ghi = L;
      while (glo < ghi) {
        let mid = (glo + ghi) >> 1u;
        if (p.w < cellIn[2u * n + mid]) {
          glo = mid + 1u;
        } else {
          ghi = mid;
        }
      }
      st[ST_BGNEXT * n + b] = step + 1u + glo;
      st[ST_BGIDX * n + b] = (draw + 1u) | select(0u, 0x80000000u, glo == L);
    }

    // ---- sub-steps ----
    var V = ldf(ST_V, n, b);
    var g = ldf(ST_GBG, n, b);
    var h1 = ldf(ST_AHP1, n, b);
    var h2 = ldf(ST_AHP2, n, b);
    var h3 = ldf(ST_AHP3, n, b);
    var rf = st[ST_REF * n + b];
    var sp = 255u;
    for (var j = 0u; j < S; j = j + 1u) {
      let nj = select(0u, 1u, j == ev0) + select(0u, 1u, j == ev1) + select(0u, 1u, j == ev2);
      g = g * k.eBg + k.bgStep * f32(nj);
      h1 = h1 * k.eAhp1;
      h2 = h2 * k.eAhp2;
      h3 = h3 * k.eAhp3;
      if (rf > 0u) {
        rf = rf - 1u;
      } else {
        let G = Gsyn + g;
        let I = ((Isyn + g * k.Eexc) - ((h1 + h2) + h3)) - G * V;
        let x = G * k.dtC;
        let phi = 1.0 - x * (0.5 - x * k.c6);
        V = V + (k.dtC * phi) * I;
        if (V < k.Vfloor) {
          V = k.Vfloor;
        }
        if (V >= k.Vth) {
          V = k.Vreset;
          rf = k.refSteps;
          h1 = h1 + k.dAhp1;
          h2 = h2 + k.dAhp2;
          h3 = h3 + k.dAhp3;
          sp = j;
        }
      }
    }
    // ---- flush: what decayed below `tiny` is 0 (derive.ts FLUSH_BELOW: no float32 subnormals) ----
    stf(ST_V, n, b, V);
    stf(ST_GBG, n, b, select(g, 0.0, g < k.tiny));
    stf(ST_AHP1, n, b, select(h1, 0.0, h1 < k.tiny));
    stf(ST_AHP2, n, b, select(h2, 0.0, h2 < k.tiny));
    stf(ST_AHP3, n, b, select(h3, 0.0, h3 < k.tiny));
    st[ST_REF * n + b] = rf;
    if (sp != 255u) {
      atomicAdd(&counts[gv], RELEASE_QUANTA);
      // spikes are rare (about 1 in 1000 cells a grid step): plain global atomics, no barrier
      atomicAdd(&ctl.sims[sim].windowSpikes, 1u);
      atomicAdd(&ctl.sims[sim].batchSpikes, 1u);
      if (RECORD) {
        let idx = atomicAdd(&ctl.recCount, 1u);
        if (idx < d.recCap) {
          rec[2u * idx] = gi; // global cell id: the host splits the record per sim
          rec[2u * idx + 1u] = step * S + sp;
        }
      }
    }
  }
}
