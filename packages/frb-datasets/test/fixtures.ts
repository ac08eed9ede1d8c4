// Image files of the kinds users bring, made with sharp at test time (no binary fixture is committed):
// a phone JPEG stored sideways with EXIF orientation 6, an RGBA PNG with transparent regions, a CMYK JPEG and a
// 16-bit PNG. Shared by the @frb/datasets and @frb/cli tests.
import sharp from 'sharp';
import type { RawImage } from '@frb/datasets';

/** A smooth colour pattern (JPEG-friendly), h x w x 3 uint8. */
export function pattern(h: number, w: number, seed = 1): RawImage {
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * w + x) * 3 + c] = Math.round(128 + 100 * Math.sin(0.21 * x * (c + 1) + seed) * Math.cos(0.17 * y + c));
      }
    }
  }
  return { data, height: h, width: w, channels: 3 };
}

const raw = (img: RawImage) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels as 3 | 4 } });

/** `stored` written as a JPEG whose EXIF orientation 6 tells viewers to turn it 90° clockwise. */
export async function exifRotatedJpeg(file: string, stored: RawImage): Promise<void> {
  await raw(stored).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
}

/** An RGBA PNG: `rgb` plus an alpha channel that is 0 in the left third, 128 in the middle, 255 on the right. */
export async function rgbaPng(file: string, rgb: RawImage): Promise<RawImage> {
  const n = rgb.height * rgb.width;
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const x = i % rgb.width;
    data.set(rgb.data.subarray(i * 3, i * 3 + 3), i * 4);
    data[i * 4 + 3] = x < rgb.width / 3 ? 0 : x < (2 * rgb.width) / 3 ? 128 : 255;
  }
  const img = { data, height: rgb.height, width: rgb.width, channels: 4 };
  await raw(img).png().toFile(file);
  return img;
}

/** A 4-channel CMYK JPEG (no alpha) made from `rgb` by libvips. */
export async function cmykJpeg(file: string, rgb: RawImage): Promise<void> {
  await raw(rgb).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(file);
}

/** A 16-bit RGB PNG whose samples are v * 257 for the 8-bit `rgb` (so 8-bit reading gives `rgb` back). */
export async function png16(file: string, rgb: RawImage): Promise<void> {
  const v16 = Uint16Array.from(rgb.data, (v) => v * 257);
  await sharp(v16, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).toColourspace('rgb16').png().toFile(file);
}

/** `img` turned 90° clockwise (what EXIF orientation 6 asks a viewer to do). */
export function rotate90cw(img: RawImage): RawImage {
  const { height: h, width: w, channels: c } = img;
  const out = new Uint8Array(h * w * c);
  // Output (y', x') with height w and width h takes input (h - 1 - x', y').
  for (let y = 0; y < w; y++) for (let x = 0; x < h; x++) for (let k = 0; k < c; k++) out[(y * h + x) * c + k] = img.data[((h - 1 - x) * w + y) * c + k]!;
  return { data: out, height: w, width: h, channels: c };
}
