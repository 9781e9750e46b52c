// One grid step of a warm-up (src/engines/webgpu/warm-up.ts, docs/model.md §3): a warm-up runs the neurons
// kernel alone, grid step after grid step, with the grid held; release_uptake, which advances ctl.step in
// a run, does not run, so this one thread does it after each neurons dispatch.

@group(0) @binding(2) var<storage, read_write> ctl: Ctl;

@compute @workgroup_size(1)
fn main() {
  ctl.step = ctl.step + 1u;
}
