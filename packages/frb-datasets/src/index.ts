/**
 * @frb/datasets — image IO, MATLAB-exact bicubic degradation, DIV2K / DF2K / benchmark / folder layouts, and
 * the training (random paired patches) and evaluation (full images) pipelines.
 */
export * from './browser.js';
export { readImage, readImageInfo, writePng, conversionNote, type ReadImageOptions, type ImageInfo, type WritePngOptions } from './io.js';
export { writeFileAtomic, FileExistsError, type AtomicWriteOptions } from './atomic.js';
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
  LAYOUTS,
  layoutPairs,
  type LayoutName,
} from './layouts/index.js';
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
