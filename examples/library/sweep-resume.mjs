// A sweep into a results folder, cancelled by an AbortSignal once its first point is journaled, then
// resumed: the second run measures only the points the first did not finish. Prints one JSON line.
// Usage: node sweep-resume.mjs OUT_DIR [engine]; size from RAPHE_EXAMPLE_NEURONS / RAPHE_EXAMPLE_SECONDS
// (cells, seconds a point), RAPHE_EXAMPLE_THREADS.
import { isAbortError, sweep } from 'raphe';

const out = process.argv[2];
if (!out) throw new Error('usage: node sweep-resume.mjs OUT_DIR [engine]');
// worker threads of the CPU engine (default: one per core)
const threads = Number(process.env.RAPHE_EXAMPLE_THREADS) || undefined;
const engine = process.argv[3] ?? 'auto';
const neurons = Number(process.env.RAPHE_EXAMPLE_NEURONS ?? 2000);
const seconds = Number(process.env.RAPHE_EXAMPLE_SECONDS ?? 2);

const file = {
  name: 'fluoxetine-sert',
  base: { genotype: 'wt', neurons, seed: 1, duration: seconds },
  axes: [
    { axis: 'fluoxetine', values: [0, 10] },
    { axis: 'sertExpression', values: [0.5, 1] },
  ],
  readout: 'steady',
};

// one point a batch, so the sweep can stop between points
const controller = new AbortController();
let interrupted = false;
try {
  await sweep(file, {
    out,
    engine,
    threads,
    maxBatch: 1,
    signal: controller.signal,
    onProgress: (_fraction, pointsDone) => {
      if (pointsDone >= 1) controller.abort(new Error('enough for now'));
    },
  });
} catch (e) {
  if (!isAbortError(e)) throw e;
  interrupted = true;
}

const resumed = await sweep(file, { out, engine, threads, maxBatch: 1, resume: true });
console.log(
  JSON.stringify({
    interrupted,
    engine: resumed.engine.kind,
    points: resumed.points.length,
    ranOnResume: resumed.ranNow,
    failed: resumed.failed.length,
    files: resumed.files,
    probeFold: resumed.result.points.map((r) => r.probeFold),
  }),
);
