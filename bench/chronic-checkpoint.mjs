// node bench/chronic-checkpoint.mjs [NEURONS=9000]  (after npm run build: it runs the built library)
// Checkpoint cost and resume overhead of a chronic course (the chronic experiment's three conditions, no
// 8-OH-DPAT curves), through the library: (1) no checkpoints, (2) a checkpoint after every slow step
// (everyS 0), (3) the default interval; then (4) a course aborted after slow step K (its checkpoint) and
// resumed: the time until its engines hold the checkpoint (its second progress tick), and whether its
// readouts and steps equal run (1).
import { chronicCourse } from '../build/lib/index.mjs';
import { rmSync } from 'node:fs';
const N = Number(process.argv[2] ?? 9000);
const full = N >= 9000;
const proto = (doses) => ({
  drugs: doses,
  days: 21,
  slowStepH: 48,
  slowTolerance: full ? 0.005 : 0.01,
  readoutDays: [0, 1, 2, 3, 7, 14, 21],
  settleS: full ? 2 : 1,
  windowS: full ? 2 : 1.5,
});
const sc = (name, genotype, doses) => ({
  name,
  genotype,
  neurons: N,
  seed: 1,
  chronic: proto(doses),
  recording: { spikes: false, sampleSteps: 10 },
});
const scs = [
  sc('wt+fluoxetine', 'wt', { fluoxetine: 3.2 }),
  sc('ko+fluoxetine', 'htr2b-ko', { fluoxetine: 3.2 }),
  sc('wt+fluoxetine+way', 'wt', { fluoxetine: 3.2, 'way-100635': 10 }),
];
const dir = `${(await import('node:os')).tmpdir()}/raphe-chronic-checkpoint-${process.pid}`;
const course = async (o, stopAt = 0, ac = null) => {
  const t0 = performance.now();
  const ticks = [];
  const onProgress = (f) => {
    ticks.push([(performance.now() - t0) / 1000, f]);
    if (stopAt && ticks.length === stopAt) ac.abort(new Error('stop'));
  };
  const r = await chronicCourse(scs, { engine: 'cpu', ...o, onProgress });
  return { s: (performance.now() - t0) / 1000, ticks, r };
};
rmSync(dir, { recursive: true, force: true });
const plain = await course({});
const every = await course({ checkpoint: { dir, everyS: 0 } });
rmSync(dir, { recursive: true, force: true });
const dflt = await course({ checkpoint: { dir } });
rmSync(dir, { recursive: true, force: true });
const steps = plain.r[0].steps.length;
console.log(
  JSON.stringify({
    N,
    slowTimes: steps,
    plainS: +plain.s.toFixed(2),
    everyStepS: +every.s.toFixed(2),
    perCheckpointS: +((every.s - plain.s) / steps).toFixed(3),
    defaultS: +dflt.s.toFixed(2),
    defaultOverPlain: +(dflt.s / plain.s - 1).toFixed(4),
  }),
);
// abort after the 8th progress tick (the checkpoint at the next slow step), then resume
const ac = new AbortController();
await course({ checkpoint: { dir, everyS: 0 }, signal: ac.signal }, 8, ac).catch((e) => console.log('stopped:', e?.name));
const res = await course({ checkpoint: { dir, resume: true } });
// a resumed course ticks once its day 0 is restored (tick 0) and once its engines hold the checkpoint's states
// (tick at the checkpoint's slow time): that second tick is the resume's cost before any stepping
const canon = (v) =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
const same = canon(res.r.map((x) => [x.readouts, x.steps])) === canon(plain.r.map((x) => [x.readouts, x.steps]));
const sameEvery = canon(every.r.map((x) => x.readouts)) === canon(plain.r.map((x) => x.readouts));
const sameDflt = canon(dflt.r.map((x) => x.readouts)) === canon(plain.r.map((x) => x.readouts));
console.log(JSON.stringify({ everyStepSameAsPlain: sameEvery, defaultSameAsPlain: sameDflt }));
console.log(
  JSON.stringify({
    resumeTicks: res.ticks.slice(0, 3),
    resumeReadyS: +res.ticks[1][0].toFixed(3),
    resumedTotalS: +res.s.toFixed(2),
    readoutsIdentical: same,
  }),
);
process.exit(0);
