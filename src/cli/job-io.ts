/**
 * What every CLI job shares around its work: the output folder and NWB writer prepared before it, the
 * engine chosen with its notices on stderr, the write step's test hook, and a turn of the event loop for a
 * signal that arrived during a synchronous write.
 */
import { availableParallelism } from 'node:os';
import { resolveEngine, type ResolvedEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { ConfigError } from '../model/errors.js';
import { loadNwbWriter, type NwbWriter } from '../report/nwb.js';
import { OutputFolder, OutputWriteError } from '../report/write.js';
import { parseEngine } from './args.js';

/** The output folder, checked and its staging folder created before the run (undefined: no --out). */
export function prepareOut(out: string | undefined, force: boolean | undefined): OutputFolder | undefined {
  if (force && out === undefined) throw new ConfigError('--force', 'only goes with --out DIR');
  return out === undefined ? undefined : OutputFolder.prepare(out, !!force);
}

/** The NWB writer (its library loaded before the run, so a missing one is found first), unless --no-nwb or no --out. */
export async function prepareNwb(out: string | undefined, noNwb: boolean | undefined): Promise<NwbWriter | undefined> {
  if (noNwb && out === undefined) throw new ConfigError('--no-nwb', 'only goes with --out DIR');
  if (out === undefined || noNwb) return undefined;
  try {
    return await loadNwbWriter();
  } catch (e) {
    throw new OutputWriteError(`cannot load the NWB writer (h5wasm): ${e instanceof Error ? e.message : e}; --no-nwb writes no NWB file`);
  }
}

/**
 * The write step's progress hook. Test hook: RAPHE_TEST_PAUSE_REPLACE=MS blocks MS ms with the old
 * results renamed aside and the new ones not yet in, so a test can send a signal right there.
 */
export function replaceHook(): ((step: string) => void) | undefined {
  const ms = Number(process.env.RAPHE_TEST_PAUSE_REPLACE ?? 0);
  if (!(ms > 0)) return undefined;
  return (step) => {
    if (step !== 'aside') return;
    process.stderr.write('raphe: test pause: old results aside\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  };
}

/** Let a signal that arrived during a synchronous write be handled now (the handler exits 130/143). */
export const handlePendingSignals = () => new Promise((r) => setImmediate(r));

/** The engine; notices (e.g. the CPU fallback) go to stderr. The CPU engine runs on `cpuThreads` threads. */
export async function engineFor(
  choice: string | undefined,
  job: { cells: number; sims: number },
  cpuThreads = availableParallelism(),
): Promise<ResolvedEngine> {
  return resolveEngine(parseEngine(choice), (msg) => process.stderr.write(msg + '\n'), { cpu: nodeCpuProvider(cpuThreads), job });
}
