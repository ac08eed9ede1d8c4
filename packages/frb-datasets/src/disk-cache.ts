/**
 * On-disk caches of images derived from source files, as raw uint8 HWC with a 48-byte header (magic, source
 * file size, source mtime, height, width, channels):
 * - generated LR: `<cacheDir>/lr/x<s>/<sha1>.bin` per (HR path, scale, channel count), so the MATLAB bicubic
 *   runs once per image and scale rather than once per epoch (always on for pairs without an LR file);
 * - decoded images: `<cacheDir>/decoded/<sha1>.bin` per (path, read options), opt-in (`cacheDecoded`), so
 *   later loads read raw bytes instead of decoding PNG/JPEG again.
 * An entry is used only while the source file's size and mtime match the header; otherwise it is regenerated
 * and overwritten. Writes go through a temporary file and a rename, so concurrent processes never read half a
 * file.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { imresize } from './imresize.js';
import { readImage, type ReadImageOptions } from './io.js';
import { writeFileAtomic } from './atomic.js';
import type { RawImage } from './raw-image.js';

/** Default cache folder, relative to the working directory (git-ignored in this repository). */
export const DEFAULT_CACHE_DIR = '.frb-cache';

const MAGIC = Buffer.from('FRBLR\x00\x00\x01', 'latin1');
const HEADER = 48;

export interface SourceStamp {
  size: number;
  mtimeMs: number;
}

export async function sourceStamp(file: string): Promise<SourceStamp> {
  let s;
  try {
    s = await stat(file);
  } catch (err) {
    throw new Error(`cannot read image "${file}": ${(err as Error).message}`, { cause: err });
  }
  return { size: s.size, mtimeMs: s.mtimeMs };
}

/** Path of the cache entry for this HR file, scale and channel count. */
export function lrCachePath(cacheDir: string, hrPath: string, scale: number, channels: number): string {
  const key = createHash('sha1').update(`${resolve(hrPath)}\0x${scale}\0c${channels}`).digest('hex');
  return join(cacheDir, 'lr', `x${scale}`, `${key}.bin`);
}

/**
 * The cached image if present and made from this very source file (same size and mtime) — and, when `expect`
 * is given, of that size; otherwise null.
 */
export async function readCachedRaw(
  file: string,
  stamp: SourceStamp,
  expect?: { height: number; width: number; channels: number },
): Promise<RawImage | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return null;
  }
  if (buf.length < HEADER || !buf.subarray(0, 8).equals(MAGIC)) return null;
  const h = new Float64Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + HEADER));
  const [size, mtimeMs, height, width, channels] = h as unknown as number[];
  if (size !== stamp.size || mtimeMs !== stamp.mtimeMs) return null;
  if (expect && (height !== expect.height || width !== expect.width || channels !== expect.channels)) return null;
  if (buf.length !== HEADER + height! * width! * channels!) return null;
  return { data: new Uint8Array(buf.buffer, buf.byteOffset + HEADER, buf.length - HEADER), height, width, channels };
}

export async function writeCachedRaw(file: string, stamp: SourceStamp, img: RawImage): Promise<void> {
  if (!(img.data instanceof Uint8Array)) throw new TypeError(`writeCachedRaw("${file}"): only uint8 images are cached`);
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  const fields = new Float64Array([stamp.size, stamp.mtimeMs, img.height, img.width, img.channels]);
  Buffer.from(fields.buffer).copy(header, 8);
  await writeFileAtomic(file, Buffer.concat([header, img.data]));
}

/**
 * LR of an already decoded, mod-cropped HR: from the disk cache when valid, else imresize(hr, 1/s) (then
 * stored). `cacheDir: false` skips the disk entirely.
 */
export async function generatedLR(
  hrPath: string,
  hr: RawImage,
  scale: number,
  stamp: SourceStamp,
  cacheDir: string | false,
): Promise<RawImage> {
  const expect = { height: hr.height / scale, width: hr.width / scale, channels: hr.channels };
  if (!Number.isInteger(expect.height) || !Number.isInteger(expect.width)) {
    throw new RangeError(`generatedLR: HR of "${hrPath}" (${hr.height}x${hr.width}) is not mod-cropped to x${scale}`);
  }
  if (cacheDir === false) return imresize(hr, 1 / scale);
  const file = lrCachePath(cacheDir, hrPath, scale, hr.channels);
  const hit = await readCachedRaw(file, stamp, expect);
  if (hit) return hit;
  const lr = imresize(hr, 1 / scale);
  await writeCachedRaw(file, stamp, lr);
  return lr;
}

/** Path of the decoded-image cache entry for this file and these read options. */
export function decodedCachePath(cacheDir: string, file: string, opts: ReadImageOptions = {}): string {
  const key = createHash('sha1')
    .update(`${resolve(file)}\0g${+!!opts.keepGray}\0d${+!!opts.allow16Bit}\0a${opts.alpha ?? 'drop'}`)
    .digest('hex');
  return join(cacheDir, 'decoded', `${key}.bin`);
}

/** `readImage`, through the decoded-image cache in `cacheDir` (raw bytes instead of a PNG/JPEG decode). */
export async function readImageCached(file: string, opts: ReadImageOptions, cacheDir: string): Promise<RawImage> {
  const stamp = await sourceStamp(file);
  const entry = decodedCachePath(cacheDir, file, opts);
  const hit = await readCachedRaw(entry, stamp);
  if (hit) return hit;
  const img = await readImage(file, opts);
  await writeCachedRaw(entry, stamp, img);
  return img;
}
