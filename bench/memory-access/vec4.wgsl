// bench/memory-access.mjs: each cell reads and writes ceil(WORDS / 4) vec4 words, group g of cell i at
// g * n + i (structure of arrays of 4-word groups).
@group(0) @binding(0) var<storage, read_write> st: array<vec4<u32>>;
@group(0) @binding(1) var<uniform> d: vec4<u32>; // n, words

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = d.x;
  let i = gid.x;
  if (i < n) {
    for (var g = 0u; g < (d.y + 3u) / 4u; g = g + 1u) {
      st[g * n + i] = st[g * n + i] + vec4<u32>(1u);
    }
  }
}
