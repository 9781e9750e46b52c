// Start-up self-test of the adapter's float32 division: q = a / b with WGSL's native `/` for a set of
// operand pairs; the host compares with the correctly rounded quotient. Where every one matches, the
// engine uses native division (fast); else the exact integer divRN of common.wgsl (WGSL allows 2.5 ulp).

@group(0) @binding(0) var<storage, read> ab: array<f32>;
@group(0) @binding(1) var<storage, read_write> q: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < arrayLength(&q)) {
    q[i] = ab[2u * i] / ab[2u * i + 1u];
  }
}
