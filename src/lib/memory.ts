/**
 * The memory a job may use (the library's and the CLI's one reader): $RAPHE_MEMORY_BYTES when set (a lower
 * budget for a shared machine), else this machine's memory. Scenarios and sweeps are refused before any
 * work when their memory estimate exceeds it (parseScenario's check).
 */
import { totalmem } from 'node:os';
import { checkNumber, flagNumber } from '../model/errors.js';

export function memoryBudget(): { memoryBytes: number; memoryName: string } {
  const env = process.env.RAPHE_MEMORY_BYTES;
  if (env !== undefined && env !== '') {
    const n = checkNumber('RAPHE_MEMORY_BYTES', flagNumber('RAPHE_MEMORY_BYTES', env), 1, Number.MAX_SAFE_INTEGER);
    return { memoryBytes: n, memoryName: 'RAPHE_MEMORY_BYTES' };
  }
  return { memoryBytes: totalmem(), memoryName: 'the memory of this machine' };
}
