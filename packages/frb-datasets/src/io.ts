/**
 * Image files ↔ RawImage through sharp (libvips): PNG, JPEG, WebP, TIFF (and whatever else libvips reads).
 *
 * Rules, stated once:
 * - Pixels are read as stored: embedded ICC profiles are ignored and EXIF orientation is not applied, as
 *   MATLAB's imread (which made the benchmark LR files) does.
 * - Grayscale files become 3 equal channels unless `keepGray` (then 1 channel).
 * - Alpha is dropped: colour values are kept as stored, never composited onto a background. With
 *   `alpha: 'error'` an image with any pixel that is not fully opaque is rejected instead.
 * - 16-bit files are rejected unless `allow16Bit`; then each value v becomes round(v / 257), which maps
 *   0..65535 onto 0..255 exactly at both ends.
 * - Truncated or corrupt files are errors (sharp `failOn: 'warning'`). Every error names the file.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { assertRawImage, grayToRgb, type RawImage } from './raw-image.js';

export interface ReadImageOptions {
  /** Keep grayscale files as 1 channel (default false: 3 equal channels). */
  keepGray?: boolean;
  /** Accept 16-bit files, scaling them to 8 bit with round(v / 257) (default false: reject). */
  allow16Bit?: boolean;
  /** 'drop' (default): discard alpha, keeping stored colours. 'error': reject images that are not fully opaque. */
  alpha?: 'drop' | 'error';
}

/** Header facts read without decoding the pixels. */
export interface ImageInfo {
  height: number;
  width: number;
  channels: number;
  /** Bits per sample: 8 or 16 for the formats this package reads. */
  bits: number;
  format: string;
}

const SHARP_INPUT = { failOn: 'warning', ignoreIcc: true } as const;

function fail(fn: string, file: string, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(`${fn}: cannot read image "${file}": ${msg}`, { cause: err });
}

function bitsOf(depth: string | undefined): number {
  switch (depth) {
    case 'uchar':
    case 'char':
      return 8;
    case 'ushort':
    case 'short':
      return 16;
    case 'uint':
    case 'int':
    case 'float':
      return 32;
    case 'double':
      return 64;
    default:
      return 0;
  }
}

/** Reads width, height, channels and bit depth from the file header (fast: no pixel decode). */
export async function readImageInfo(file: string): Promise<ImageInfo> {
  let meta: Metadata;
  try {
    meta = await sharp(file, SHARP_INPUT).metadata();
  } catch (err) {
    throw fail('readImageInfo', file, err);
  }
  if (!meta.width || !meta.height) throw new Error(`readImageInfo: "${file}" has no width/height in its header`);
  return {
    height: meta.height,
    width: meta.width,
    channels: meta.channels ?? 0,
    bits: bitsOf(meta.depth),
    format: meta.format ?? 'unknown',
  };
}

/** Decodes an image file to an HWC uint8 RawImage following the rules at the top of this file. */
export async function readImage(file: string, opts: ReadImageOptions = {}): Promise<RawImage> {
  const info = await readImageInfo(file);
  if (info.bits !== 8 && info.bits !== 16) {
    throw new Error(`readImage: "${file}" has ${info.bits || 'unknown'}-bit samples; only 8-bit (and 16-bit with allow16Bit) are read`);
  }
  if (info.bits === 16 && !opts.allow16Bit) {
    throw new Error(`readImage: "${file}" is a 16-bit image; pass { allow16Bit: true } to scale it to 8 bit`);
  }
  const gray = info.channels <= 2;
  let data: Uint8Array;
  let channels: number;
  try {
    if (info.bits === 16) {
      // Keep all 16 bits through libvips (its default 16→8 conversion truncates), then round ourselves.
      const { data: buf, info: out } = await sharp(file, SHARP_INPUT)
        .toColourspace(gray ? 'grey16' : 'rgb16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      const u16 = new Uint16Array(buf.buffer, buf.byteOffset, buf.length / 2);
      data = new Uint8Array(u16.length);
      for (let i = 0; i < u16.length; i++) data[i] = Math.round(u16[i]! / 257);
      channels = out.channels;
    } else {
      // libvips would expand a 1-channel file to sRGB on raw output; asking for b-w keeps the single band.
      // (Gray+alpha files come out as RGBA with three equal bands; keepGray takes the first back below.)
      let pipe = sharp(file, SHARP_INPUT);
      if (info.channels === 1) pipe = pipe.toColourspace('b-w');
      const { data: buf, info: out } = await pipe.raw().toBuffer({ resolveWithObject: true });
      data = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
      channels = out.channels;
    }
  } catch (err) {
    throw fail('readImage', file, err);
  }
  const { height, width } = info;
  if (data.length !== height * width * channels) {
    throw new Error(`readImage: "${file}" decoded to ${data.length} values, expected ${height}x${width}x${channels}`);
  }
  let img: RawImage = { data, height, width, channels };
  if (channels === 2 || channels === 4) img = dropAlpha(img, file, opts.alpha ?? 'drop');
  else if (channels !== 1 && channels !== 3) {
    throw new Error(`readImage: "${file}" has ${channels} channels (e.g. CMYK); convert it to RGB first`);
  }
  if (gray && opts.keepGray && img.channels === 3) img = firstChannel(img);
  if (img.channels === 1 && !opts.keepGray) img = grayToRgb(img);
  return img;
}

function firstChannel(img: RawImage): RawImage {
  const n = img.height * img.width;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = img.data[i * img.channels]!;
  return { data: out, height: img.height, width: img.width, channels: 1 };
}

function dropAlpha(img: RawImage, file: string, rule: 'drop' | 'error'): RawImage {
  const c = img.channels;
  const n = img.height * img.width;
  const src = img.data;
  if (rule === 'error') {
    for (let i = 0; i < n; i++) {
      if (src[i * c + c - 1] !== 255) {
        throw new Error(`readImage: "${file}" has transparent pixels (first at index ${i}) and alpha: 'error' was asked`);
      }
    }
  } else if (rule !== 'drop') {
    throw new RangeError(`readImage: alpha must be 'drop' or 'error', got ${String(rule)}`);
  }
  const k = c - 1;
  const out = new Uint8Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = src[i * c + j]!;
  return { data: out, height: img.height, width: img.width, channels: k };
}

/**
 * Writes a RawImage as an 8-bit PNG (1 channel → grayscale PNG, 2 → gray+alpha, 3 → RGB, 4 → RGBA),
 * creating parent folders. Float images are rounded (half away from zero) and clamped to 0..255.
 */
export async function writePng(file: string, img: RawImage): Promise<void> {
  assertRawImage(img, `writePng("${file}")`);
  const { height, width, channels } = img;
  if (channels < 1 || channels > 4) throw new RangeError(`writePng("${file}"): cannot write ${channels} channels`);
  let data: Uint8Array;
  if (img.data instanceof Uint8Array) data = img.data;
  else {
    data = new Uint8Array(img.data.length);
    for (let i = 0; i < data.length; i++) {
      const v = img.data[i]!;
      data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  await mkdir(dirname(file), { recursive: true });
  let pipe = sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
  // Without this libvips would write a 1-channel image as RGB.
  if (channels <= 2) pipe = pipe.toColourspace('b-w');
  try {
    await pipe.png({ compressionLevel: 6 }).toFile(file);
  } catch (err) {
    throw new Error(`writePng: cannot write "${file}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
