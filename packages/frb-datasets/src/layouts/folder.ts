// Plain folders of HR images (T91, BSD200, ...), LR generated unless a folder of LR files is named.
import { resolve } from 'node:path';
import { assertScale } from '../raw-image.js';
import { byStem, finish, listImages, pairFolders, stem, type ImagePair, type LayoutOptions } from './pairs.js';

export interface ImageFolderOptions extends LayoutOptions {
  /** Folder of ready-made LR files, paired by name (`<name>.<ext>` or `<name>x<s>.<ext>`). Default: generate. */
  lrDir?: string;
  /** Pass over non-image files instead of rejecting the folder (default false). */
  skipNonImages?: boolean;
}

/**
 * One or more plain folders of HR images (e.g. T91 + BSD200). LR is generated from HR with the MATLAB bicubic
 * unless `lrDir` names ready-made LR files.
 */
export async function imageFolder(
  dirs: string | string[],
  scale: number,
  opts: ImageFolderOptions = {},
): Promise<ImagePair[]> {
  const list = Array.isArray(dirs) ? dirs : [dirs];
  const what = `imageFolder(x${scale})`;
  assertScale(scale, `${what}: scale`);
  if (list.length === 0) throw new Error(`${what}: no folder given`);
  if (opts.lrDir && list.length > 1) throw new Error(`${what}: lrDir pairs with a single HR folder, got ${list.length}`);
  const pairs: ImagePair[] = [];
  for (const dir of list) {
    const files = await listImages(dir, what, opts.skipNonImages);
    if (files.length === 0) throw new Error(`${what}: "${dir}" has no images`);
    if (opts.lrDir) {
      const lrStems = (await listImages(opts.lrDir, what, opts.skipNonImages)).map(stem);
      // LR names may be "<name>.png" or "<name>x<s>.png"; the suffix is used only when every LR file has it.
      const suffix = lrStems.length > 0 && lrStems.every((s) => s.endsWith(`x${scale}`)) ? `x${scale}` : '';
      pairs.push(...(await pairFolders(dir, opts.lrDir, scale, suffix, what, opts.skipNonImages)));
    } else {
      for (const f of byStem(files, dir, what).values()) pairs.push({ name: stem(f), scale, hrPath: resolve(dir, f) });
    }
  }
  return finish(pairs, opts, what);
}

