// The official DIV2K layout (NTIRE 2017): HR and per-scale LR folders per split and track.
import { join } from 'node:path';
import { assertScale } from '../raw-image.js';
import { dirExists, findSub, finish, pairFolders, type ImagePair, type LayoutOptions } from './pairs.js';

export interface Div2kOptions extends LayoutOptions {
  /** 'train' (0001–0800, default) or 'valid' (0801–0900). */
  split?: 'train' | 'valid';
  /** LR track: 'bicubic' (default) or 'unknown' (NTIRE 2017 track 2). */
  track?: 'bicubic' | 'unknown';
}

/**
 * Official DIV2K layout: `DIV2K_<split>_HR/0001.png`, `DIV2K_<split>_LR_<track>/X<s>/0001x<s>.png`,
 * found in `root` or in `root/DIV2K`.
 */
export async function div2k(root: string, scale: number, opts: Div2kOptions = {}): Promise<ImagePair[]> {
  const split = opts.split ?? 'train';
  const track = opts.track ?? 'bicubic';
  const what = `div2k(${split}, x${scale})`;
  assertScale(scale, `${what}: scale`);
  if (split !== 'train' && split !== 'valid') throw new RangeError(`${what}: split must be 'train' or 'valid', got ${split}`);
  if (track !== 'bicubic' && track !== 'unknown') throw new RangeError(`${what}: track must be 'bicubic' or 'unknown'`);
  if (track === 'unknown' && opts.generateLR) throw new RangeError(`${what}: generateLR makes bicubic LR, not the 'unknown' track`);
  const hrDir = await findSub(root, 'DIV2K', `DIV2K_${split}_HR`);
  if (!hrDir) throw new Error(`${what}: no "DIV2K_${split}_HR" folder in "${root}" or "${join(root, 'DIV2K')}"`);
  let lrDir: string | null = null;
  if (!opts.generateLR) {
    const lrRoot = await findSub(root, 'DIV2K', `DIV2K_${split}_LR_${track}`);
    lrDir = lrRoot && join(lrRoot, `X${scale}`);
    if (!lrDir || !(await dirExists(lrDir))) {
      throw new Error(
        `${what}: no LR folder "DIV2K_${split}_LR_${track}/X${scale}" next to "${hrDir}" (pass { generateLR: true } to make LR from HR)`,
      );
    }
  }
  return finish(await pairFolders(hrDir, lrDir, scale, `x${scale}`, what), opts, what);
}

