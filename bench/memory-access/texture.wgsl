// bench/memory-access.mjs: each cell reads ceil(WORDS / 4) rgba32uint texels, layer g of a 2-D array
// texture at the cell's (i mod width, i / width), and writes them to the same place of a second one
// (the host swaps the two each dispatch): WebGPU's other way to reach memory.
@group(0) @binding(0) var src: texture_2d_array<u32>;
@group(0) @binding(1) var dst: texture_storage_2d_array<rgba32uint, write>;
@group(0) @binding(2) var<uniform> d: vec4<u32>; // n, words, width

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = d.x;
  let i = gid.x;
  if (i < n) {
    let at = vec2<u32>(i % d.z, i / d.z);
    for (var g = 0u; g < (d.y + 3u) / 4u; g = g + 1u) {
      textureStore(dst, at, g, textureLoad(src, at, g, 0) + vec4<u32>(1u));
    }
  }
}
