/** The tiny sweep of the shard and SLURM tests: 8 points, 250 cells, 0.3 s a point (CPU engine: about 1 s each). */
const small = { regionX_um: 300, regionY_um: 240, regionZ_um: 200 };

/** 8 points: fluoxetine 0 (the reference, added), 1, 10, 100 times htr2bExpression 0, 1. */
export const SHARD_SWEEP = {
  name: 'tiny',
  base: { neurons: 250, seed: 2, c0_nM: 25, duration: 0.3, params: small },
  axes: [
    { axis: 'fluoxetine', values: [1, 10, 100] },
    { axis: 'htr2bExpression', values: [0, 1] },
  ],
};

/** sweep.json without what differs between a local and a collected run (engine, wall time, shards, provenance). */
export function sweepBody(text: string): unknown {
  const { engine: _e, adapter: _a, wallSeconds: _w, shards: _s, computeSeconds: _c, provenance: _p, ...rest } = JSON.parse(text);
  return rest;
}
