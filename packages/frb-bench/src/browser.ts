// The browser-safe part of @frb/bench (no fs, no sharp): PSNR/SSIM, tiled inference, the x8 self-ensemble, memory
// estimates, tables, seed statistics and the SVG charts. Bundlers pick this entry through the `browser` export
// condition; Node gets the whole package (src/index.ts), which re-exports all of this.
export * from './metrics/color.js';
export * from './metrics/psnr.js';
export * from './metrics/ssim.js';
export * from './tiling.js';
export * from './memory.js';
export * from './ensemble.js';
export * from './tables.js';
export * from './published.js';
export * from './stats.js';
export * from './comparisons.js';
export * from './chart.js';
