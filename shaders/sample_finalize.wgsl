// Second pass of a trace sample: workgroup (0, 0, sim) adds that sim's nPart partial sums of
// reduce_partial.wgsl and writes its sample ctl.sims[sim].sampleIdx of the device-side trace
// (at (sampleIdx * nSims + sim) * SMP_WORDS): the fields of SAMPLE_FIELDS (src/model/layout.ts) at their
// generated offsets SMP_<FIELD>; then it resets the sim's window spike count.

@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read_write> ctl: Ctl;
@group(0) @binding(3) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> samples: array<u32>;

var<workgroup> part: array<vec4<f32>, WG_GRID>;

@compute @workgroup_size(WG_GRID)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let sim = wid.z;
  let p0 = sim * d.nPart;
  var x = vec4<f32>(0.0);
  for (var p = lid; p < d.nPart; p = p + WG_GRID) {
    x = x + partials[p0 + p];
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
    let si = ctl.sims[sim].sampleIdx;
    if (si < d.sampleCap) {
      let b = (si * d.nSims + sim) * SMP_WORDS;
      samples[b + SMP_STEP] = ctl.step;
      samples[b + SMP_SPIKES] = atomicLoad(&ctl.sims[sim].windowSpikes);
      samples[b + SMP_PROBE] = bitcast<u32>(t.y / f32(d.nProbe));
      samples[b + SMP_MEANC] = bitcast<u32>(t.x / f32(d.nInside));
      samples[b + SMP_S1A] = bitcast<u32>(t.z / f32(d.nCells));
      samples[b + SMP_S2B] = bitcast<u32>(t.w / f32(d.nCells));
    }
    ctl.sims[sim].sampleIdx = si + 1u;
    atomicStore(&ctl.sims[sim].windowSpikes, 0u);
  }
}
