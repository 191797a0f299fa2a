/** The confidence feature's surface: target scoring, the wave gate, learned history and the canary judge. */
export * from './signals.js';
export * from './score-target.js';
export * from './decide-wave.js';
export * from './history.js';
export * from './change-key.js';
export * from './judge.js';
export { mannWhitney, type MannWhitneyResult } from './mann-whitney.js';
export { betaQuantile, regularizedBeta } from './distributions.js';
export * from './explain.js';
