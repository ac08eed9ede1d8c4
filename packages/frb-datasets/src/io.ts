/**
 * Image files ↔ RawImage through sharp (libvips): PNG, JPEG, WebP, TIFF (and whatever else libvips reads).
 *
 * Rules, stated once:
 * - Pixels are read as stored: embedded ICC profiles are ignored and EXIF orientation is not applied, as
 *   MATLAB's imread (which made the benchmark LR files) does. `orientation: 'apply'` turns the image upright
 *   as viewers show it (photos from phones).
 * - Grayscale files become 3 equal channels unless `keepGray` (then 1 channel).
 * - Alpha is dropped: colour values are kept as stored, never composited onto a background. With
 *   `alpha: 'error'` an image with any pixel that is not fully opaque is rejected instead; `alpha: 'keep'`
 *   returns it as the last channel (RGBA, or gray+alpha with `keepGray`).
 * - CMYK and Lab files are converted to sRGB by libvips (`conversionNote` says so in one line).
 * - 16-bit files are rejected unless `allow16Bit`; then each value v becomes round(v / 257), which maps
 *   0..65535 onto 0..255 exactly at both ends.
 * - Truncated or corrupt files are errors (sharp `failOn: 'warning'`). Every error names the file.
 */
import { deflateSync } from 'node:zlib';
import sharp, { type Metadata } from 'sharp';
import { FileExistsError, writeFileAtomic, type AtomicWriteOptions } from './atomic.js';
import { assertRawImage, grayToRgb, type RawImage } from './raw-image.js';

export interface ReadImageOptions {
  /** Keep grayscale files as 1 channel (default false: 3 equal channels). */
  keepGray?: boolean;
  /** Accept 16-bit files, scaling them to 8 bit with round(v / 257) (default false: reject). */
  allow16Bit?: boolean;
  /**
   * 'drop' (default): discard alpha, keeping stored colours. 'error': reject images that are not fully opaque.
   * 'keep': return it as the last channel (4 channels, or 2 with `keepGray` on a gray file).
   */
  alpha?: 'drop' | 'error' | 'keep';
  /** 'stored' (default): pixels as stored. 'apply': rotate/flip by the EXIF orientation tag, as viewers do. */
  orientation?: 'stored' | 'apply';
}

/** Header facts read without decoding the pixels. */
export interface ImageInfo {
  height: number;
  width: number;
  channels: number;
  /** Bits per sample: 8 or 16 for the formats this package reads. */
  bits: number;
  format: string;
  /** libvips' interpretation: 'srgb', 'b-w', 'rgb16', 'grey16', 'cmyk', 'lab', ... */
  space: string;
  hasAlpha: boolean;
  /** EXIF orientation 1..8 (1 when the file has none). */
  orientation: number;
  /** Pixels per inch, when the file says. */
  density?: number;
  /** The embedded ICC profile, when there is one. */
  icc?: Buffer;
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
    space: meta.space ?? 'unknown',
    hasAlpha: meta.hasAlpha ?? false,
    orientation: meta.orientation ?? 1,
    density: meta.density,
    icc: meta.icc,
  };
}

const SPACE_NAMES: Record<string, string> = { cmyk: 'CMYK', lab: 'CIELAB', labs: 'CIELAB', labq: 'CIELAB', lch: 'CIELCh', xyz: 'CIE XYZ', hsv: 'HSV', scrgb: 'scRGB' };

/**
 * One line saying how readImage changes the file's samples to 8-bit sRGB/gray, or null when it keeps them as
 * they are. E.g. "CMYK, converted to 8-bit sRGB", "16-bit, converted to 8-bit".
 */
export function conversionNote(info: ImageInfo): string | null {
  const space = SPACE_NAMES[info.space];
  if (space) return `${info.bits === 16 ? '16-bit ' : ''}${space}, converted to 8-bit sRGB`;
  if (info.bits === 16) return '16-bit, converted to 8-bit';
  return null;
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
  const rule = opts.alpha ?? 'drop';
  if (rule !== 'drop' && rule !== 'error' && rule !== 'keep') {
    throw new RangeError(`readImage: alpha must be 'drop', 'error' or 'keep', got ${String(rule)}`);
  }
  const orientation = opts.orientation ?? 'stored';
  if (orientation !== 'stored' && orientation !== 'apply') {
    throw new RangeError(`readImage: orientation must be 'stored' or 'apply', got ${String(orientation)}`);
  }
  const gray = info.channels <= 2 && !SPACE_NAMES[info.space];
  let data: Uint8Array;
  let channels: number;
  let height: number;
  let width: number;
  try {
    let pipe = sharp(file, SHARP_INPUT);
    if (orientation === 'apply') pipe = pipe.rotate(); // no angle: follow the EXIF tag
    if (info.bits === 16) {
      // Keep all 16 bits through libvips (its default 16→8 conversion truncates), then round ourselves.
      const { data: buf, info: out } = await pipe
        .toColourspace(gray ? 'grey16' : 'rgb16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      const u16 = new Uint16Array(buf.buffer, buf.byteOffset, buf.length / 2);
      data = new Uint8Array(u16.length);
      for (let i = 0; i < u16.length; i++) data[i] = Math.round(u16[i]! / 257);
      ({ channels, height, width } = out);
    } else {
      // libvips would expand a 1-channel file to sRGB on raw output; asking for b-w keeps the single band.
      // (Gray+alpha files come out as RGBA with three equal bands; keepGray takes the first back below.)
      if (info.channels === 1) pipe = pipe.toColourspace('b-w');
      else if (SPACE_NAMES[info.space]) pipe = pipe.toColourspace('srgb');
      const { data: buf, info: out } = await pipe.raw().toBuffer({ resolveWithObject: true });
      data = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
      ({ channels, height, width } = out);
    }
  } catch (err) {
    throw fail('readImage', file, err);
  }
  const turned = orientation === 'apply' && info.orientation >= 5;
  const [eh, ew] = turned ? [info.width, info.height] : [info.height, info.width];
  if (height !== eh || width !== ew || data.length !== height * width * channels) {
    throw new Error(`readImage: "${file}" decoded to ${data.length} values (${height}x${width}x${channels}), expected ${eh}x${ew}`);
  }
  let img: RawImage = { data, height, width, channels };
  if (channels === 2 || channels === 4) {
    if (rule === 'error') assertOpaque(img, file);
    if (rule !== 'keep') img = pickChannels(img, channels === 4 ? [0, 1, 2] : [0]);
  } else if (channels !== 1 && channels !== 3) {
    throw new Error(`readImage: "${file}" has ${channels} channels; convert it to RGB first`);
  }
  if (gray && opts.keepGray && img.channels >= 3) img = pickChannels(img, img.channels === 4 ? [0, 3] : [0]);
  if (!opts.keepGray) {
    if (img.channels === 1) img = grayToRgb(img);
    else if (img.channels === 2) img = pickChannels(img, [0, 0, 0, 1]);
  }
  return img;
}

/** A new image made of the listed channels of `img`, in that order (repeats allowed). */
function pickChannels(img: RawImage, pick: number[]): RawImage {
  const c = img.channels;
  const k = pick.length;
  const n = img.height * img.width;
  const out = new Uint8Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = img.data[i * c + pick[j]!]!;
  return { data: out, height: img.height, width: img.width, channels: k };
}

function assertOpaque(img: RawImage, file: string): void {
  const c = img.channels;
  const n = img.height * img.width;
  for (let i = 0; i < n; i++) {
    if (img.data[i * c + c - 1] !== 255) {
      throw new Error(`readImage: "${file}" has transparent pixels (first at index ${i}) and alpha: 'error' was asked`);
    }
  }
}

export interface WritePngOptions extends AtomicWriteOptions {
  /** ICC profile to embed unchanged (an iCCP chunk; the pixels are not transformed). */
  icc?: Buffer;
  /** Pixels per inch to record (pHYs chunk). */
  density?: number;
}

/**
 * Writes a RawImage as an 8-bit PNG (1 channel → grayscale PNG, 2 → gray+alpha, 3 → RGB, 4 → RGBA),
 * creating parent folders. Float images are rounded (half away from zero) and clamped to 0..255.
 * The write is atomic (temporary file in the same folder, fsync, rename); `overwrite: false` refuses to
 * replace an existing file (FileExistsError).
 */
export async function writePng(file: string, img: RawImage, opts: WritePngOptions = {}): Promise<void> {
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
  let pipe = sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
  // Without this libvips would write a 1-channel image as RGB.
  if (channels <= 2) pipe = pipe.toColourspace('b-w');
  try {
    let png: Buffer = await pipe.png({ compressionLevel: 6 }).toBuffer();
    const extra: Array<[string, Buffer]> = [];
    if (opts.icc && iccMatches(opts.icc, channels)) extra.push(['iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(opts.icc)])]);
    if (opts.density !== undefined && opts.density > 0) {
      const ppm = Math.round(opts.density / 0.0254); // the PNG records pixels per metre
      const phys = Buffer.alloc(9);
      phys.writeUInt32BE(ppm, 0);
      phys.writeUInt32BE(ppm, 4);
      phys[8] = 1;
      extra.push(['pHYs', phys]);
    }
    if (extra.length) png = withChunks(png, extra);
    await writeFileAtomic(file, png, { overwrite: opts.overwrite });
  } catch (err) {
    if (err instanceof FileExistsError) throw err;
    throw new Error(`writePng: cannot write "${file}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Whether an ICC profile describes data of this many colour channels (its header's colour space field). */
function iccMatches(icc: Buffer, channels: number): boolean {
  if (icc.length < 20) return false;
  const space = icc.subarray(16, 20).toString('latin1');
  return channels <= 2 ? space === 'GRAY' : space === 'RGB ';
}

/**
 * The PNG with extra ancillary chunks right after IHDR (where the PNG spec allows iCCP and pHYs); a chunk of the
 * same type the encoder wrote, and sRGB when an ICC profile is added, are taken out so the file stays valid.
 */
function withChunks(png: Buffer, extra: Array<[string, Buffer]>): Buffer {
  const drop = new Set(extra.map(([t]) => t));
  if (drop.has('iCCP')) drop.add('sRGB');
  const parts: Buffer[] = [png.subarray(0, 8)];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const end = at + 12 + len;
    if (!drop.has(type)) parts.push(png.subarray(at, end));
    if (type === 'IHDR') {
      for (const [t, body] of extra) {
        const head = Buffer.alloc(8);
        head.writeUInt32BE(body.length, 0);
        head.write(t, 4, 'latin1');
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])));
        parts.push(head, body, crc);
      }
    }
    at = end;
  }
  return Buffer.concat(parts);
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** The CRC-32 PNG chunks carry (ISO 3309), over a chunk's type and data. */
function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
