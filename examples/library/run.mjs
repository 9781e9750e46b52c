// One scenario from code: a baseline then fluoxetine, on the engine `auto` chooses (or argv[2]).
// Prints one JSON line: the engine, the summary's readouts and the traces' lengths (typed arrays).
// Size from the environment: RAPHE_EXAMPLE_NEURONS (default 2000), RAPHE_EXAMPLE_SECONDS (default 2, each phase).
import { run } from 'raphe';

const neurons = Number(process.env.RAPHE_EXAMPLE_NEURONS ?? 2000);
const seconds = Number(process.env.RAPHE_EXAMPLE_SECONDS ?? 2);
// worker threads of the CPU engine (default: one per core)
const threads = Number(process.env.RAPHE_EXAMPLE_THREADS) || undefined;
const engine = process.argv[2] ?? 'auto';

let lastProgress = 0;
const result = await run(
  {
    name: 'wt-fluoxetine',
    genotype: 'wt',
    neurons,
    seed: 1,
    protocol: [
      { name: 'baseline', durationS: seconds },
      { name: 'fluoxetine', durationS: seconds, drugs: { fluoxetine: 10 } },
    ],
  },
  { engine, threads, onProgress: (f) => (lastProgress = f) },
);

const { summary, traces, spikes } = result;
console.log(
  JSON.stringify({
    engine: summary.engine,
    adapter: summary.adapter,
    complete: summary.complete,
    neurons: summary.neurons,
    meanRateHz: summary.meanRateHz,
    probe5htNm: summary.probe5htNm,
    phases: result.phases.map((p) => p.name),
    samples: traces.tS.length,
    traceType: traces.rateHz.constructor.name,
    spikes: spikes ? spikes.cells.length : null,
    lastProgress,
  }),
);
