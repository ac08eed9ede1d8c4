// The dataset layouts, one file each, and the table that lets a training config pick one by name.
import { basename, dirname } from 'node:path';
import { benchmarkSet } from './benchmark.js';
import { df2k } from './df2k.js';
import { div2k } from './div2k.js';
import { imageFolder } from './folder.js';
import { finish, type ImagePair } from './pairs.js';

export { benchmarkSet } from './benchmark.js';
export { df2k } from './df2k.js';
export { div2k, type Div2kOptions } from './div2k.js';
export { imageFolder, type ImageFolderOptions } from './folder.js';
export {
  IMAGE_EXTENSIONS, expectedLrSize, isImageFile, splitBySize, validatePairs,
  type ImagePair, type LayoutOptions, type SizeSplit,
} from './pairs.js';

/**
 * How `folders` are read for training, by layout name:
 * - folder: each is a folder of HR images; LR is generated with the MATLAB bicubic (and cached);
 * - div2k: each is a DIV2K root (`DIV2K_train_HR`, `DIV2K_train_LR_bicubic/X<s>`), the training split;
 * - df2k: each is a root holding DIV2K and Flickr2K as their archives unpack;
 * - benchmark: each is a set folder (`<root>/B100`) holding `HR` and `LR_bicubic/X<s>`.
 * The three with LR folders use the LR files there.
 */
const TRAINING_LAYOUTS = {
  folder: (folders: string[], scale: number) => imageFolder(folders, scale),
  div2k: (folders: string[], scale: number) => each(folders, (f) => div2k(f, scale)),
  df2k: (folders: string[], scale: number) => each(folders, (f) => df2k(f, scale)),
  benchmark: (folders: string[], scale: number) => each(folders, (f) => benchmarkSet(dirname(f), basename(f), scale)),
} as const;

export type LayoutName = keyof typeof TRAINING_LAYOUTS;
export const LAYOUTS = Object.keys(TRAINING_LAYOUTS) as LayoutName[];

async function each(folders: string[], read: (folder: string) => Promise<ImagePair[]>): Promise<ImagePair[]> {
  const pairs: ImagePair[] = [];
  for (const f of folders) pairs.push(...(await read(f)));
  // One folder's layout already checked its own pairs; across folders only the names can clash.
  return folders.length > 1 ? finish(pairs, { validate: false }, `${folders.length} folders`) : pairs;
}

/** Training pairs from `folders` read as `layout` (see TRAINING_LAYOUTS); an unknown layout names the known ones. */
export function layoutPairs(layout: string, folders: string[], scale: number): Promise<ImagePair[]> {
  if (!Object.hasOwn(TRAINING_LAYOUTS, layout)) {
    return Promise.reject(new Error(`unknown dataset layout '${layout}' (known: ${LAYOUTS.join(', ')})`));
  }
  return TRAINING_LAYOUTS[layout as LayoutName](folders, scale);
}
