// Diffusion of one grid step (twin of diffuse in src/engines/reference/grid.ts): explicit 7-point stencil
// over the region's voxels, zero flux at its surface, neighbours in the order -x, +x, -y, +y, -z, +z.
// One thread per (sim, region voxel): the dispatch's z coordinate is the sim, whose grid starts at
// sim * nBox. nbrMask holds one byte per box voxel, four to a u32.

@group(0) @binding(0) var<uniform> ks: array<Consts, N_SIMS>;
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(3) var<storage, read> inside: array<u32>;
@group(0) @binding(4) var<storage, read> nbrMask: array<u32>;
@group(0) @binding(5) var<storage, read> cIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> cOut: array<f32>;

@compute @workgroup_size(WG_GRID)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let m = flatWg(wid, nwg) * WG_GRID + lid;
  if (m >= d.nInside) {
    return;
  }
  let sim = wid.z;
  let lv = inside[m];
  let bits = (nbrMask[lv >> 2u] >> ((lv & 3u) * 8u)) & 0xffu;
  let v = sim * d.nBox + lv;
  let nx = ks[sim].nx;
  let nxy = nx * ks[sim].ny;
  let cv = cIn[v];
  // ---- diffusion: explicit 7-point stencil, neighbours -x, +x, -y, +y, -z, +z, zero flux at the surface ----
  var s = 0.0;
  if ((bits & 1u) != 0u) { s = s + (cIn[v - 1u] - cv); }
  if ((bits & 2u) != 0u) { s = s + (cIn[v + 1u] - cv); }
  if ((bits & 4u) != 0u) { s = s + (cIn[v - nx] - cv); }
  if ((bits & 8u) != 0u) { s = s + (cIn[v + nx] - cv); }
  if ((bits & 16u) != 0u) { s = s + (cIn[v - nxy] - cv); }
  if ((bits & 32u) != 0u) { s = s + (cIn[v + nxy] - cv); }
  cOut[v] = cv + ks[sim].lambdaDiff * s;
}
