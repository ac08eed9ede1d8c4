// @frb/bench: PSNR/SSIM with published-table conventions, the evaluation harness (tiling, x8
// self-ensemble), paper-style tables, charts and progress bars. The browser-safe part is ./browser.ts.
export * from './browser.js';
export * from './evaluate.js';
export * from './progress.js';
export * from './chart-file.js';
