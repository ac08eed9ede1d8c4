// Node-only helpers of @frb/distill (file system, sharp). The main entry stays browser-clean.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RgbaImage } from './attention-maps.js';

/** Writes an RGBA image (e.g. from attentionGrid) as a PNG file, creating the folder. Needs `sharp`. */
export async function writeRgbaPng(path: string, image: RgbaImage): Promise<void> {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 ||
    data.length !== width * height * 4) {
    throw new Error(`writeRgbaPng '${path}': expected ${width}×${height}×4 = ${width * height * 4} bytes, got ${data.length}`);
  }
  let sharp: typeof import('sharp').default;
  try {
    sharp = (await import('sharp')).default;
  } catch (e) {
    throw new Error(`writeRgbaPng '${path}': the optional dependency 'sharp' is not installed (${(e as Error).message})`);
  }
  await mkdir(dirname(path), { recursive: true });
  await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 } })
    .png().toFile(path);
}
