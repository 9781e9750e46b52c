/**
 * Release is counted in integer quanta so that every engine sums it exactly, in any order: a spike from a
 * full releasable pool adds RELEASE_QUANTA to its soma voxel's count (docs/model.md §3).
 */
export const RELEASE_QUANTA = 64;
