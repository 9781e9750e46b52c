// First pass of a trace sample (and of the grid total for the mass balance): per workgroup, the sums
// of c over the region's voxels and over the probe's voxels, and of s1A and s2B over the cells.
// Output: one vec4 (region, probe, s1A, s2B) per workgroup; sample_finalize.wgsl (or the host, in
// float64) adds them up.

@group(0) @binding(0) var<uniform> k: Consts;
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(3) var<storage, read> inside: array<u32>;
@group(0) @binding(4) var<storage, read> probe: array<u32>;
@group(0) @binding(5) var<storage, read> conc: array<f32>;
@group(0) @binding(6) var<storage, read> st: array<u32>;
@group(0) @binding(7) var<storage, read_write> partials: array<vec4<f32>>;

var<workgroup> part: array<vec4<f32>, WG_GRID>;

@compute @workgroup_size(WG_GRID)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let w = flatWg(wid, nwg);
  let i = w * WG_GRID + lid;
  let n = k.nCells;
  var x = vec4<f32>(0.0);
  if (i < d.nInside) { x.x = conc[inside[i]]; }
  if (i < d.nProbe) { x.y = conc[probe[i]]; }
  if (i < n) {
    x.z = bitcast<f32>(st[6u * n + i]);
    x.w = bitcast<f32>(st[7u * n + i]);
  }
  part[lid] = x;
  workgroupBarrier();
  for (var s = WG_GRID / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      part[lid] = part[lid] + part[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    partials[w] = part[0];
  }
}
