// The end of a warm-up (src/engines/webgpu/warm-up.ts, docs/model.md §3; the CPU engines' twin: warmUpRange
// in src/engines/cpu/warm-up.ts): every cell of every sim put back at step 0 after ctl.step warm-up steps,
// its next background event step moved that many steps earlier (its draws go on from where the warm-up left
// them) and the chronic driver's sums a1Sum, a2Sum at 0. The host then clears the release counts and the
// control block.

@group(0) @binding(1) var<uniform> d: Dims;
@group(0) @binding(2) var<storage, read_write> ctl: Ctl;
@group(0) @binding(3) var<storage, read_write> st: array<u32>;

@compute @workgroup_size(WG_NEURONS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = d.nCells;
  let li = flatWg(wid, nwg) * WG_NEURONS + lid;
  if (li < n) {
    let b = wid.z * ST_WORDS * n + li; // field 0 of this cell in the state buffer
    st[ST_BGNEXT * n + b] = st[ST_BGNEXT * n + b] - ctl.step;
    st[ST_A1SUM * n + b] = 0u;
    st[ST_A2SUM * n + b] = 0u;
  }
}
