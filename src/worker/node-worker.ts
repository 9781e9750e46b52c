/**
 * Node worker_threads entry (built to build/node/sim-worker.mjs): one Simulation exposed with comlink
 * through its Node adapter. Drive it with `openNodeSimulation()` from ./node-client.ts.
 */
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js';
import { parentPort } from 'node:worker_threads';
import { Simulation } from './simulation.js';

if (!parentPort) throw new Error('sim-worker: run me in a worker_threads Worker');
expose(new Simulation(), nodeEndpoint(parentPort));
