// DF2K: DIV2K's training split plus Flickr2K, laid out as their archives unpack.
import { join } from 'node:path';
import { assertScale } from '../raw-image.js';
import { div2k } from './div2k.js';
import { dirExists, findSub, finish, pairFolders, type ImagePair, type LayoutOptions } from './pairs.js';

/**
 * DF2K = DIV2K train (800) + Flickr2K (2650): DIV2K as in `div2k`, Flickr2K as
 * `Flickr2K_HR/000001.png`, `Flickr2K_LR_bicubic/X<s>/000001x<s>.png`, found in `root` or `root/Flickr2K`.
 */
export async function df2k(root: string, scale: number, opts: LayoutOptions = {}): Promise<ImagePair[]> {
  const what = `df2k(x${scale})`;
  assertScale(scale, `${what}: scale`);
  const d = await div2k(root, scale, { ...opts, split: 'train', validate: false });
  const hrDir = await findSub(root, 'Flickr2K', 'Flickr2K_HR');
  if (!hrDir) throw new Error(`${what}: no "Flickr2K_HR" folder in "${root}" or "${join(root, 'Flickr2K')}"`);
  let lrDir: string | null = null;
  if (!opts.generateLR) {
    const lrRoot = await findSub(root, 'Flickr2K', 'Flickr2K_LR_bicubic');
    lrDir = lrRoot && join(lrRoot, `X${scale}`);
    if (!lrDir || !(await dirExists(lrDir))) {
      throw new Error(`${what}: no LR folder "Flickr2K_LR_bicubic/X${scale}" next to "${hrDir}" (pass { generateLR: true })`);
    }
  }
  const f = await pairFolders(hrDir, lrDir, scale, `x${scale}`, what);
  return finish([...d, ...f], opts, what);
}

