/**
 * throughput.svg: neuron-updates per second against neurons, log-log, one line per engine and the
 * memory-bandwidth limit in grey; drawn by the project's plotting code (src/report/svg.ts).
 */
import { lineSvg, type Series } from '../src/report/svg.js';
import type { Report } from './report.js';

/** Whole decades around [lo, hi] (both > 0). */
const decades = (lo: number, hi: number): [number, number] => [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];

export function throughputSvg(rep: Report): string {
  const ok = rep.results.filter((r) => r.ok);
  const xs = ok.map((r) => r.neurons);
  const ys = ok.map((r) => r.neuronUpdatesPerSecond).concat(ok.map((r) => r.bandwidthLimitUpdatesPerSecond));
  const series: Series[] = [...new Set(ok.map((r) => r.id))].map((id) => {
    const at = ok.filter((r) => r.id === id).sort((a, b) => a.neurons - b.neurons);
    return { label: id, x: at.map((r) => r.neurons), y: at.map((r) => r.neuronUpdatesPerSecond) };
  });
  const sizes = [...new Set(xs)].sort((a, b) => a - b);
  series.push({
    label: `memory-bandwidth limit (${rep.machine.memoryBandwidthGBps.toFixed(0)} GB/s)`,
    color: '#777',
    x: sizes,
    y: sizes.map((n) => ok.find((r) => r.neurons === n)!.bandwidthLimitUpdatesPerSecond),
  });
  const [xMin, xMax] = decades(Math.min(...xs, 1000), Math.max(...xs, 1e5));
  const [yMin, yMax] = ys.length ? decades(Math.min(...ys), Math.max(...ys)) : [NaN, NaN];
  return (
    lineSvg(series, {
      title: 'raphe: neuron-updates per second against neurons (log-log)',
      xLabel: 'neurons',
      yLabel: 'neuron-updates / s',
      width: 760,
      height: 460,
      logX: true,
      logY: true,
      xMin,
      xMax,
      yMin,
      yMax,
    }) + '\n'
  );
}
