// Second pass of a trace sample: one workgroup adds the partial sums of reduce_partial.wgsl and
// writes sample ctl.sampleIdx of the device-side trace: (step, window spikes, probe mean, region
// mean c, mean s1A, mean s2B, 0, 0) as 8 u32 words; then it resets the window spike count.

@group(0) @binding(0) var<uniform> k: Consts;
@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read_write> ctl: Ctl;
@group(0) @binding(3) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> samples: array<u32>;

var<workgroup> part: array<vec4<f32>, WG_GRID>;

@compute @workgroup_size(WG_GRID)
fn main(@builtin(local_invocation_index) lid: u32) {
  var x = vec4<f32>(0.0);
  for (var p = lid; p < d.nPart; p = p + WG_GRID) {
    x = x + partials[p];
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
    let t = part[0];
    let si = ctl.sampleIdx;
    if (si < d.sampleCap) {
      let b = si * 8u;
      samples[b] = ctl.step;
      samples[b + 1u] = atomicLoad(&ctl.windowSpikes);
      samples[b + 2u] = bitcast<u32>(t.y / f32(d.nProbe));
      samples[b + 3u] = bitcast<u32>(t.x / f32(d.nInside));
      samples[b + 4u] = bitcast<u32>(t.z / f32(k.nCells));
      samples[b + 5u] = bitcast<u32>(t.w / f32(k.nCells));
    }
    ctl.sampleIdx = si + 1u;
    atomicStore(&ctl.windowSpikes, 0u);
  }
}
