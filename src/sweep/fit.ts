/** The Hill fits of sweeps: the one fit code, in src/model/hill-fit.ts (F7's IC50s use it too). */
export * from '../model/hill-fit.js';
