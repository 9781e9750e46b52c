/**
 * Browser Web Worker entry (built to dist/sim-worker.js): one Simulation exposed with comlink.
 * The page creates it with `new Worker('sim-worker.js', { type: 'module' })` and wraps it.
 */
import { expose } from 'comlink';
import { Simulation } from './simulation.js';

expose(new Simulation());
