// @frb/bench: PSNR/SSIM with published-table conventions, the evaluation harness (tiling, x8
// self-ensemble), paper-style tables, plots and progress bars.
export * from './metrics/color.js';
export * from './metrics/psnr.js';
export * from './metrics/ssim.js';
export * from './tiling.js';
export * from './memory.js';
export * from './ensemble.js';
export * from './evaluate.js';
export * from './progress.js';
export * from './tables.js';
export * from './plot.js';
export * from './published.js';
export * from './stats.js';
export * from './comparisons.js';
