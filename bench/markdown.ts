/** The bench's report as markdown (results.md, and stdout without --json): the tables of bench/README.md. */
import type { Report } from './report.js';

export const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
export const fmtRate = (x: number) =>
  Number.isFinite(x) ? (x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : `${(x / 1e6).toFixed(x >= 1e7 ? 1 : 2)} M`) : '—';

/** Two significant digits (at least one decimal below 10). */
const sig = (x: number) => (!Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(2));

/** "mesa / software / ... / llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) 0.0.1 (WebGPU)" -> its last part. */
function shortAdapter(a: string): string {
  const last =
    a
      .replace(/ \(WebGPU\)$/, '')
      .split(' / ')
      .pop() ?? a;
  return last.replace(/\|/g, '/');
}

export function markdown(rep: Report): string {
  const L: string[] = [];
  const m = rep.machine;
  L.push(
    `Adapters: ${[...new Set(rep.results.filter((r) => r.ok && r.engine === 'webgpu').map((r) => `${r.id} = ${r.adapter}`))].join('; ') || 'none'}.`,
  );
  L.push('');
  L.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB, ${m.os}, Node ${m.node}; memory bandwidth ${m.memoryBandwidthGBps.toFixed(1)} GB/s (${m.bandwidthMethod}); load average ${m.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')} before, ${m.loadAverageAfter.map((x) => x.toFixed(2)).join(' ')} after. ${rep.date}.`,
  );
  L.push('');
  L.push(
    '| neurons | engine | adapter | neuron-updates/s | wall / bio time | x real time | first step (s) | peak RSS (MiB) | state B/neuron | of BW limit |',
  );
  L.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rep.results) {
    if (!r.ok) {
      L.push(`| ${r.neurons.toLocaleString('en-US')} | ${r.id} | failed: ${r.error?.replace(/\|/g, '/')} | | | | | | | |`);
      continue;
    }
    L.push(
      `| ${r.neurons.toLocaleString('en-US')} | ${r.id} | ${shortAdapter(r.adapter)} | ${fmtRate(r.neuronUpdatesPerSecond)} | ${sig(r.realTimeFactor)} | ${sig(1 / r.realTimeFactor)} | ${fmt(r.timeToFirstStepSeconds, 2)} | ${fmt(r.peakRssMiB, 0)} | ${Number.isFinite(r.stateBytesPerNeuron) ? `${r.stateBytesPerNeuron} (${fmt(r.stateBytesTotalPerNeuron, 0)})` : '—'} | ${Number.isFinite(r.fractionOfBandwidthLimit) ? `${fmt(100 * r.fractionOfBandwidthLimit, 2)}%` : '—'} |`,
    );
  }
  if (rep.ratios.length) {
    L.push('');
    L.push('| neurons | GPU / CPU | ratio |');
    L.push('|---:|---|---:|');
    for (const q of rep.ratios) L.push(`| ${q.neurons.toLocaleString('en-US')} | ${q.gpu} / ${q.cpu} | ${q.ratio.toFixed(2)} |`);
  }
  if (rep.peerRatios.length) {
    L.push('');
    L.push(
      'Brian2 (`raphe export brian2`, cpp_standalone, one thread): first step = script start-up, code generation and C++ build; run = the compiled binary.',
    );
    L.push('');
    L.push('| neurons | Brian2 build (s) | Brian2 neuron-updates/s | raphe engine | raphe / Brian2 |');
    L.push('|---:|---:|---:|---|---:|');
    for (const q of rep.peerRatios) {
      const b = rep.results.find((r) => r.neurons === q.neurons && r.id === q.peer);
      L.push(
        `| ${q.neurons.toLocaleString('en-US')} | ${fmt(b?.buildSeconds ?? NaN, 1)} | ${fmtRate(b?.neuronUpdatesPerSecond ?? NaN)} | ${q.raphe} | ${q.ratio.toFixed(2)} |`,
      );
    }
  }
  const prof = rep.results.filter((r) => r.ok && r.kernelMsPerStep);
  if (prof.length) {
    const names = [...new Set(prof.flatMap((r) => Object.keys(r.kernelMsPerStep!)))].filter((k) => k !== 'wall');
    L.push('');
    L.push(`GPU time per grid step (ms, timestamp queries, profiled run; wall = host time per step in that run):`);
    L.push('');
    L.push(`| neurons | engine | ${names.join(' | ')} | wall |`);
    L.push(`|---:|---|${names.map(() => '---:').join('|')}|---:|`);
    for (const r of prof) {
      L.push(
        `| ${r.neurons.toLocaleString('en-US')} | ${r.id} | ${names.map((k) => fmt(r.kernelMsPerStep![k] ?? NaN, 3)).join(' | ')} | ${fmt(r.kernelMsPerStep!.wall ?? NaN, 3)} |`,
      );
    }
  }
  const noProf = rep.results.filter((r) => r.ok && r.engine === 'webgpu' && r.kernelMsPerStep === null);
  if (noProf.length)
    L.push('', `No per-kernel GPU times for ${[...new Set(noProf.map((r) => r.id))].join(', ')}: the adapter has no 'timestamp-query'.`);
  L.push('');
  L.push('| goal | measured | met |');
  L.push('|---|---|---|');
  for (const g of rep.goals) L.push(`| ${g.goal} | ${g.value} | ${g.met === null ? '—' : g.met ? 'yes' : 'no'} |`);
  return L.join('\n') + '\n';
}
