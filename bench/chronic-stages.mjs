// node bench/chronic-stages.mjs [quick]  (after npm run build: it runs the built library)
// Where the chronic experiment's time goes: day 0, the treatment, the 8-OH-DPAT curves (split at the
// progress marks: day 0 ends at 0.075, the treatment at 0.75); SETTLE and WINDOW override the full size's
// settleS and windowS; MAXH and TOL the longest slow step (h) and the step control's tolerance; SEED the seed
// (1); VOXEL the voxel edge (µm). Unset, each is the size's own (quick: CHRONIC_QUICK).
import { chronicSsri } from '../build/lib/index.mjs';
const quick = process.argv[2] === 'quick';
const t0 = performance.now();
const marks = {};
const res = await chronicSsri({
  size: quick
    ? {
        ...(process.env.VOXEL ? { voxel_um: Number(process.env.VOXEL) } : {}),
        ...(process.env.MAXH ? { slowStepH: Number(process.env.MAXH) } : {}),
        ...(process.env.TOL ? { slowTolerance: Number(process.env.TOL) } : {}),
      }
    : {
        voxel_um: Number(process.env.VOXEL ?? 20),
        neurons: 9000,
        slowStepH: Number(process.env.MAXH ?? 56),
        slowTolerance: Number(process.env.TOL ?? 0.005),
        settleS: Number(process.env.SETTLE ?? 2),
        windowS: Number(process.env.WINDOW ?? 2),
        dpatS: 8,
      },
  neurons: quick ? 2000 : 9000,
  seed: Number(process.env.SEED ?? 1),
  onProgress: (f) => {
    const s = (performance.now() - t0) / 1000;
    if (f >= 0.075 && !marks.day0) marks.day0 = s;
    if (f >= 0.75 && !marks.traj) marks.traj = s;
  },
});
const s = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    quick,
    total: +s.toFixed(1),
    day0: marks.day0?.toFixed(1),
    trajEnd: marks.traj?.toFixed(1),
    steps: res.runs[0].steps.map((x) => x.hours),
    findings: res.findings.map((f) => [f.id, f.pass]),
  }),
);
// per readout day: rate vs day 0, mean d1A, probe 5-HT (nM); then the 8-OH-DPAT IC50s (nM)
for (const r of res.runs)
  console.log(
    r.name,
    r.readouts.map((x) => `${x.day}:${(x.rateRel * 100).toFixed(0)}%/${x.meanD1A.toFixed(3)}/${x.probe5htNm.toFixed(1)}`).join(' '),
  );
console.log('IC50', res.dpat.map((d) => `${d.condition} day ${d.day}: ${d.ic50Nm.toFixed(2)}`).join(', '));
