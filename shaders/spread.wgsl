// The release field's x and y passes of one grid step (twin of fieldSums in
// src/engines/reference/grid.ts, with the z pass in release_uptake.wgsl): per box voxel, the sum of
// src over the voxels within fieldR along one axis, clipped to the box. Integers: exact and order-free,
// so the three passes give the reference's cube sums bit for bit. Entry point spreadX: counts -> sums A;
// spreadY: sums A -> sums B. One thread per (sim, box voxel): the dispatch's z coordinate is the sim, whose
// arrays start at sim * nBox.

@group(0) @binding(0) var<uniform> ks: array<Consts, N_SIMS>;
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;

// Sum of src over at - r .. at + r (clipped to 0 .. len - 1) along the axis of `stride`, about box voxel lv.
fn axisSum(sim: u32, lv: u32, at: u32, len: u32, stride: u32) -> u32 {
  let r = ks[sim].fieldR;
  let lo = select(0u, at - r, at > r);
  let hi = min(len - 1u, at + r);
  var p = sim * d.nBox + lv - (at - lo) * stride;
  var s = 0u;
  // ---- release field: box sums of the release quanta over each voxel's cube, clipped to the box ----
  for (var i = lo; i <= hi; i = i + 1u) {
    s = s + src[p];
    p = p + stride;
  }
  return s;
}

@compute @workgroup_size(WG_GRID)
fn spreadX(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let lv = flatWg(wid, nwg) * WG_GRID + lid;
  if (lv >= d.nBox) {
    return;
  }
  let sim = wid.z;
  let nx = ks[sim].nx;
  dst[sim * d.nBox + lv] = axisSum(sim, lv, lv % nx, nx, 1u);
}

@compute @workgroup_size(WG_GRID)
fn spreadY(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let lv = flatWg(wid, nwg) * WG_GRID + lid;
  if (lv >= d.nBox) {
    return;
  }
  let sim = wid.z;
  let nx = ks[sim].nx;
  let ny = ks[sim].ny;
  dst[sim * d.nBox + lv] = axisSum(sim, lv, (lv / nx) % ny, ny, nx);
}
