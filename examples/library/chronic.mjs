// A chronic course: three weeks of fluoxetine by the two-timescale driver (docs/chronic.md), at a tiny
// size. Prints one JSON line: each readout day's mean 5-HT1A desensitisation and firing rate.
// Size from RAPHE_EXAMPLE_NEURONS (default 2000); engine from argv[2] (default auto).
import { chronicCourse } from 'raphe';

const neurons = Number(process.env.RAPHE_EXAMPLE_NEURONS ?? 2000);
// worker threads of the CPU engine (default: one per core)
const threads = Number(process.env.RAPHE_EXAMPLE_THREADS) || undefined;
const engine = process.argv[2] ?? 'auto';

const [course] = await chronicCourse(
  [
    {
      name: 'wt-chronic-fluoxetine',
      genotype: 'wt',
      neurons,
      seed: 1,
      chronic: { drugs: { fluoxetine: 10 }, days: 21, slowStepH: 168, readoutDays: [0, 7, 21], settleS: 0.5, windowS: 0.5 },
      recording: { spikes: false, sampleSteps: 10 },
    },
  ],
  { engine, threads },
);

console.log(
  JSON.stringify({
    engine: course.engine,
    days: course.readouts.map((r) => ({ day: r.day, meanD1A: r.meanD1A, rateHz: r.rateHz })),
    steps: course.steps.length,
  }),
);
