/**
 * @frb/datasets — image IO, MATLAB-exact bicubic degradation, DIV2K / DF2K / benchmark / folder layouts, and
 * the training (random paired patches) and evaluation (full images) pipelines.
 */
export { type RawImage, assertRawImage, assertScale, modcrop, crop, grayToRgb, splitAlpha, joinAlpha } from './raw-image.js';
export { readImage, readImageInfo, writePng, conversionNote, type ReadImageOptions, type ImageInfo, type WritePngOptions } from './io.js';
export { writeFileAtomic, FileExistsError, type AtomicWriteOptions } from './atomic.js';
export { imresize, contributions, type ImresizeOptions, type AxisContributions } from './imresize.js';
export { toTensor, fromTensor } from './tensor.js';
export {
  type ImagePair,
  type LayoutOptions,
  type Div2kOptions,
  type ImageFolderOptions,
  IMAGE_EXTENSIONS,
  isImageFile,
  benchmarkSet,
  div2k,
  df2k,
  imageFolder,
  validatePairs,
  expectedLrSize,
  splitBySize,
  type SizeSplit,
} from './layouts.js';
export { DEFAULT_CACHE_DIR, lrCachePath, generatedLR, decodedCachePath, readImageCached } from './disk-cache.js';
export { loadPair, type LoadedPair, type PairLoadOptions } from './pair-loader.js';
export { loadEvalPairs, type EvalPair } from './eval.js';
export {
  pairedPatchDataset,
  patchBatches,
  type PatchDatasetOptions,
  type PatchBatch,
  type AugmentOptions,
} from './patches.js';
export { LruCache } from './lru.js';
export { hashInts, mulberry32, permutation } from './random.js';
