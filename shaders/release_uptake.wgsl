// Release and uptake of one grid step over the region's voxels (twin of releaseUptake in
// src/engines/reference/grid.ts), in place on c, and the mass accounting. The release is the release
// field's z pass over spread.wgsl's x-then-y sums (sums B), times dCrel, then the tonic release; the
// spikes' counts are zeroed here (they lie in region voxels only). The mass accounting: each thread adds the released,
// uptaken and cleared amounts of its voxels to its own Kahan-compensated f32 accumulators, which the
// host reduces in float64 once per batch (independent of the grid total). Thread 0 advances the step.
// The dispatch's z coordinate is the sim (grids, sums, vmaxDt and tonicDt at sim * nBox, accumulators of its
// relStride threads at sim * relStride * 8).

@group(0) @binding(0) var<uniform> ks: array<Consts, N_SIMS>;
@group(0) @binding(2) var<storage, read_write> ctl: Ctl;
@group(0) @binding(3) var<storage, read> inside: array<u32>;
@group(0) @binding(4) var<storage, read> vmaxDt: array<f32>;
@group(0) @binding(5) var<storage, read_write> counts: array<u32>;
@group(0) @binding(6) var<storage, read_write> conc: array<f32>;
@group(0) @binding(7) var<storage, read_write> acc: array<f32>; // per thread: 3 x (sum, compensation), 2 pad
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(8) var<storage, read> sums: array<u32>;
@group(0) @binding(9) var<storage, read> tonicDt: array<f32>;

fn kahan(base: u32, x: f32) {
  let y = x - acc[base + 1u];
  let s = acc[base];
  let t = s + y;
  acc[base + 1u] = (t - s) - y;
  acc[base] = t;
}

// Thread t of a sim handles its region voxels t, t + T, ..., t + (REL_PER_THREAD - 1) T
// (T = d.relStride threads a sim) and keeps its own accumulators: no workgroup barrier (they are slow
// on CPU Vulkan drivers).
@compute @workgroup_size(WG_GRID)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = flatWg(wid, nwg) * WG_GRID + lid;
  let sim = wid.z;
  if (t == 0u && sim == 0u) {
    ctl.step = ctl.step + 1u;
  }
  if (t >= d.relStride) {
    return;
  }
  let gt = sim * d.relStride + t;
  let base = sim * d.nBox;
  let dCrel = ks[sim].dCrel;
  let KmEff = ks[sim].KmEff;
  let kClearDt = ks[sim].kClearDt;
  let sertScale = ks[sim].sertScale;
  let fieldR = ks[sim].fieldR;
  let nz = ks[sim].nz;
  let nxy = ks[sim].nx * ks[sim].ny;
  var rel = 0.0;
  var upt = 0.0;
  var clr = 0.0;
  for (var r = 0u; r < REL_PER_THREAD; r = r + 1u) {
    let m = t + r * d.relStride;
    if (m >= d.nInside) {
      break;
    }
    let lv = inside[m];
    let v = base + lv;
    // the z pass of the release field: sums B over z - r .. z + r
    let z = lv / nxy;
    let lo = select(0u, z - fieldR, z > fieldR);
    let hi = min(nz - 1u, z + fieldR);
    var p = v - (z - lo) * nxy;
    var n = 0u;
    for (var zz = lo; zz <= hi; zz = zz + 1u) {
      n = n + sums[p];
      p = p + nxy;
    }
    counts[v] = 0u;
    var c1 = conc[v];
    // ---- release: c += quanta in the cube x dC_rel, then the tonic release ----
    if (n != 0u) {
      let add = f32(n) * dCrel;
      c1 = c1 + add;
      rel = rel + add;
    }
    let tonic = tonicDt[v];
    c1 = c1 + tonic;
    rel = rel + tonic;
    // ---- uptake and clearance: Michaelis-Menten SERT uptake and first-order clearance, never below zero ----
    let u = divRN((vmaxDt[v] * sertScale) * c1, KmEff + c1);
    let kc = kClearDt * c1;
    let rem = u + kc;
    if (rem > c1) {
      // cannot remove more than is there: split what is there in proportion
      if (rem > 0.0) {
        upt = upt + c1 * u / rem;
        clr = clr + c1 * kc / rem;
      }
      conc[v] = 0.0;
    } else {
      upt = upt + u;
      clr = clr + kc;
      conc[v] = c1 - rem;
    }
  }
  kahan(gt * 8u, rel);
  kahan(gt * 8u + 2u, upt);
  kahan(gt * 8u + 4u, clr);
}
