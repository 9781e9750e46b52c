/** worker_threads entry: runs one experiment condition on the CPU engine and posts the RunResult back. */
import { parentPort } from 'node:worker_threads';
import { CpuEngine } from '../engines/cpu/cpu-engine.js';
import type { Scenario } from '../model/scenario.js';
import { runScenario } from './run-scenario.js';

parentPort!.on('message', async (msg: { id: number; scenario: Scenario }) => {
  try {
    const result = await runScenario(msg.scenario, {
      createEngine: async (o) => new CpuEngine(o),
      onProgress: (f) => parentPort!.postMessage({ id: msg.id, progress: f }),
    });
    parentPort!.postMessage({ id: msg.id, result });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
