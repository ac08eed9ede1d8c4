// The benchmark-set layout (Set5, Set14, B100, Urban100, Manga109 as the SR papers ship them).
import { join } from 'node:path';
import { assertScale } from '../raw-image.js';
import { assertDir, dirExists, finish, pairFolders, type ImagePair, type LayoutOptions } from './pairs.js';

/**
 * The common benchmark layout: `<root>/<set>/HR/<name>.png` and `<root>/<set>/LR_bicubic/X<s>/<name>x<s>.png`
 * (Set5, Set14, B100, Urban100, Manga109).
 */
export async function benchmarkSet(
  root: string,
  setName: string,
  scale: number,
  opts: LayoutOptions = {},
): Promise<ImagePair[]> {
  const what = `benchmarkSet(${setName}, x${scale})`;
  assertScale(scale, `${what}: scale`);
  const setDir = join(root, setName);
  await assertDir(setDir, what);
  const hrDir = join(setDir, 'HR');
  const lrDir = join(setDir, 'LR_bicubic', `X${scale}`);
  if (!opts.generateLR && !(await dirExists(lrDir))) {
    throw new Error(`${what}: LR folder "${lrDir}" does not exist (pass { generateLR: true } to make LR from HR)`);
  }
  return finish(await pairFolders(hrDir, opts.generateLR ? null : lrDir, scale, `x${scale}`, what), opts, what);
}

