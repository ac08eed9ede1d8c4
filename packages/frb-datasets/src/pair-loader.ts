/** Decoding one HR/LR pair: mod-cropped HR, LR read from its file or generated (disk-cached), sizes checked. */
import { readImage } from './io.js';
import type { ImagePair } from './layouts/pairs.js';
import { DEFAULT_CACHE_DIR, generatedLR, readImageCached, sourceStamp } from './disk-cache.js';
import { assertScale, grayToRgb, modcrop, type RawImage } from './raw-image.js';

export interface PairLoadOptions {
  /** Keep grayscale images as 1 channel (default false: 3 equal channels). */
  keepGray?: boolean;
  /** Accept 16-bit files (scaled to 8 bit). */
  allow16Bit?: boolean;
  /** Where generated LR images are cached (default ".frb-cache"); false: never touch the disk. */
  cacheDir?: string | false;
  /**
   * Also keep every decoded HR/LR file as raw uint8 under `cacheDir`, so later loads skip PNG/JPEG decoding
   * (default false). Costs h·w·3 bytes of disk per image, e.g. 8.2 MB per 2040×1344 DIV2K image.
   */
  cacheDecoded?: boolean;
}

export interface LoadedPair extends ImagePair {
  /** HR cropped to a multiple of `scale` (bottom/right), as the LR was made from. */
  hr: RawImage;
  lr: RawImage;
}

export async function loadPair(pair: ImagePair, opts: PairLoadOptions = {}): Promise<LoadedPair> {
  const { scale, hrPath, lrPath } = pair;
  assertScale(scale, `loadPair("${hrPath}"): scale`);
  const readOpts = { keepGray: opts.keepGray, allow16Bit: opts.allow16Bit };
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  if (opts.cacheDecoded && cacheDir === false) throw new Error('loadPair: cacheDecoded needs a cacheDir (got false)');
  const read = (f: string) => (opts.cacheDecoded && cacheDir !== false ? readImageCached(f, readOpts, cacheDir) : readImage(f, readOpts));
  // The stamp is taken before decoding so a file replaced mid-read invalidates the cache entry next time.
  const stamp = lrPath == null ? await sourceStamp(hrPath) : null;
  const full = await read(hrPath);
  if (full.height < scale || full.width < scale) {
    throw new Error(`loadPair: HR "${hrPath}" (${full.height}x${full.width}) is smaller than the scale ${scale}`);
  }
  let hr = modcrop(full, scale);
  let lr: RawImage;
  if (lrPath == null) {
    lr = await generatedLR(hrPath, hr, scale, stamp!, cacheDir);
  } else {
    lr = await read(lrPath);
    if (lr.height * scale !== hr.height || lr.width * scale !== hr.width) {
      throw new Error(
        `loadPair: LR "${lrPath}" is ${lr.height}x${lr.width} but HR "${hrPath}" (${full.height}x${full.width}) / ${scale} needs ` +
          `${hr.height / scale}x${hr.width / scale}`,
      );
    }
    // With keepGray a gray HR may come with an RGB LR (or the reverse): give both 3 channels.
    if (lr.channels !== hr.channels) {
      lr = grayToRgb(lr);
      hr = grayToRgb(hr);
    }
  }
  return { ...pair, hr, lr };
}
