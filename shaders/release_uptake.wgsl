// Release and uptake of one grid step over the region's voxels (twin of releaseUptake in
// src/engines/cpu/grid.ts), in place on c, and the mass accounting: per workgroup the released,
// uptaken and cleared amounts are summed (tree) and added to that workgroup's Kahan-compensated f32
// accumulators, which the host reduces in float64 once per batch. Thread 0 advances the step counter.

@group(0) @binding(0) var<uniform> k: Consts;
@group(0) @binding(2) var<storage, read_write> ctl: Ctl;
@group(0) @binding(3) var<storage, read> inside: array<u32>;
@group(0) @binding(4) var<storage, read> vmaxDt: array<f32>;
@group(0) @binding(5) var<storage, read_write> counts: array<u32>;
@group(0) @binding(6) var<storage, read_write> conc: array<f32>;
@group(0) @binding(7) var<storage, read_write> acc: array<f32>; // per workgroup: 3 x (sum, compensation)
@group(0) @binding(1) var<uniform> d: Dims;

var<workgroup> part: array<vec4<f32>, WG_GRID>;

fn kahan(base: u32, x: f32) {
  let y = x - acc[base + 1u];
  let s = acc[base];
  let t = s + y;
  acc[base + 1u] = (t - s) - y;
  acc[base] = t;
}

@compute @workgroup_size(WG_GRID)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let w = flatWg(wid, nwg);
  let m = w * WG_GRID + lid;
  var rel = 0.0;
  var upt = 0.0;
  var clr = 0.0;
  if (m < d.nInside) {
    let v = inside[m];
    let nsp = counts[v];
    var c1 = conc[v];
    if (nsp != 0u) {
      let add = f32(nsp) * k.dCspike;
      c1 = c1 + add;
      rel = add;
      counts[v] = 0u;
    }
    let u = divRN(vmaxDt[v] * c1, k.KmEff + c1);
    let kc = k.kClearDt * c1;
    let rem = u + kc;
    if (rem > c1) {
      if (rem > 0.0) {
        upt = c1 * u / rem;
        clr = c1 * kc / rem;
      }
      conc[v] = 0.0;
    } else {
      upt = u;
      clr = kc;
      conc[v] = c1 - rem;
    }
  }
  if (m == 0u) {
    ctl.step = ctl.step + 1u;
  }
  part[lid] = vec4<f32>(rel, upt, clr, 0.0);
  workgroupBarrier();
  for (var s = WG_GRID / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      part[lid] = part[lid] + part[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let p = part[0];
    kahan(w * 8u, p.x);
    kahan(w * 8u + 2u, p.y);
    kahan(w * 8u + 4u, p.z);
  }
}
