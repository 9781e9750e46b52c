// bench/memory-access.mjs: each cell reads and writes WORDS 32-bit words, one access per word, field f of
// cell i at f * n + i (the neuron kernel's structure of arrays, shaders/neurons.wgsl).
@group(0) @binding(0) var<storage, read_write> st: array<u32>;
@group(0) @binding(1) var<uniform> d: vec4<u32>; // n, words

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = d.x;
  let i = gid.x;
  if (i < n) {
    for (var f = 0u; f < d.y; f = f + 1u) {
      st[f * n + i] = st[f * n + i] + 1u;
    }
  }
}
