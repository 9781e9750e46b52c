// Helpers shared by the raphe kernels (prepended to each kernel after the generated header).

// Flattened workgroup index of a 1-D problem dispatched over a 2-D workgroup grid
// (x up to maxComputeWorkgroupsPerDimension, y as many rows as needed); z is the sim of a batch.
fn flatWg(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.y * nwg.x + wid.x;
}

// Correctly rounded float32 division a / b (round to nearest even), in integer arithmetic, so the
// result is the IEEE quotient on every adapter (WGSL/Vulkan allow 2.5 ulp for `/`). Zero, subnormal,
// infinite or NaN operands and a subnormal/overflowing quotient fall back to the native `/`.
fn divRN(a: f32, b: f32) -> f32 {
  if (!EXACT_DIV) {
    return a / b;
  }
  let ua = bitcast<u32>(a);
  let ub = bitcast<u32>(b);
  let ea = (ua >> 23u) & 0xffu;
  let eb = (ub >> 23u) & 0xffu;
  if (ea == 0u || eb == 0u || ea == 255u || eb == 255u) {
    return a / b;
  }
  let sgn = (ua ^ ub) & 0x80000000u;
  let mb = (ub & 0x7fffffu) | 0x800000u;
  var rem = (ua & 0x7fffffu) | 0x800000u;
  var e = i32(ea) - i32(eb) + 127;
  if (rem < mb) {
    rem = rem << 1u;
    e = e - 1;
  }
  // rem in [mb, 2 mb): 24 quotient bits and one rounding bit
  var q = 0u;
  for (var i = 0u; i < 25u; i = i + 1u) {
    q = q << 1u;
    if (rem >= mb) {
      rem = rem - mb;
      q = q | 1u;
    }
    rem = rem << 1u;
  }
  var m = q >> 1u;
  if ((q & 1u) == 1u && (rem != 0u || (m & 1u) == 1u)) {
    m = m + 1u;
  }
  if (m == 0x1000000u) {
    m = m >> 1u;
    e = e + 1;
  }
  if (e <= 0 || e >= 255) {
    return a / b;
  }
  return bitcast<f32>(sgn | (u32(e) << 23u) | (m & 0x7fffffu));
}
