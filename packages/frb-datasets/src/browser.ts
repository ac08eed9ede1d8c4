/**
 * The browser-safe part of @frb/datasets (no fs, no sharp): the in-memory image type, MATLAB-exact bicubic
 * `imresize`, tensor conversion, and the seeded random helpers. Bundlers pick this entry through the `browser`
 * export condition; Node gets the whole package (src/index.ts), which re-exports all of this.
 */
export { type RawImage, assertRawImage, assertScale, modcrop, crop, grayToRgb, splitAlpha, joinAlpha } from './raw-image.js';
export { imresize, contributions, type ImresizeOptions, type AxisContributions } from './imresize.js';
export { toTensor, fromTensor } from './tensor.js';
export { LruCache } from './lru.js';
export { hashInts, mulberry32, permutation } from './random.js';
