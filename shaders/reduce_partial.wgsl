// First pass of a trace sample (and of the grid total for the mass balance): per thread, the
// Kahan-compensated float32 sums of c over the region's voxels and over the probe's voxels, and of s1A
// and s2B over the cells, each thread t of a sim taking items t, t + T, t + 2T, ... (T = d.nPart
// threads a sim; the dispatch's z coordinate is the sim). No workgroup barrier (they are slow on CPU
// Vulkan drivers). Output: one vec4 (region, probe, s1A, s2B) per thread at sim * nPart + t;
// sample_finalize.wgsl (or the host, in float64) adds up each sim's nPart.

@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(3) var<storage, read> inside: array<u32>;
@group(0) @binding(4) var<storage, read> probe: array<u32>;
@group(0) @binding(5) var<storage, read> conc: array<f32>;
@group(0) @binding(6) var<storage, read> st: array<u32>;
@group(0) @binding(7) var<storage, read_write> partials: array<vec4<f32>>;

@compute @workgroup_size(WG_GRID)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = flatWg(wid, nwg) * WG_GRID + lid;
  let T = d.nPart;
  if (t >= T) {
    return;
  }
  let sim = wid.z;
  let n = d.nCells;
  let g = sim * d.nBox;
  let sb = sim * ST_WORDS * n;
  let items = max(max(d.nInside, d.nProbe), n);
  var sum = vec4<f32>(0.0);
  var comp = vec4<f32>(0.0);
  for (var i = t; i < items; i = i + T) {
    var x = vec4<f32>(0.0);
    if (i < d.nInside) { x.x = conc[g + inside[i]]; }
    if (i < d.nProbe) { x.y = conc[g + probe[i]]; }
    if (i < n) {
      x.z = bitcast<f32>(st[sb + ST_S1A * n + i]);
      x.w = bitcast<f32>(st[sb + ST_S2B * n + i]);
    }
    let y = x - comp;
    let s = sum + y;
    comp = (s - sum) - y;
    sum = s;
  }
  partials[sim * T + t] = sum;
}
