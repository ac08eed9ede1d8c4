// Conversions between canvas RGBA bytes and the model's RGB float images in [0, 1].
import type { FloatImage } from '@frb/bench';

/** RGBA bytes (alpha ignored: the page draws images over white first) → RGB floats in [0, 1]. */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): FloatImage {
  if (rgba.length !== width * height * 4) {
    throw new Error(`rgbaToRgb: ${rgba.length} bytes for a ${width}x${height} RGBA image (expected ${width * height * 4})`);
  }
  const data = new Float32Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i] / 255;
    data[j + 1] = rgba[i + 1] / 255;
    data[j + 2] = rgba[i + 2] / 255;
  }
  return { width, height, channels: 3, data };
}

/** RGB floats → opaque RGBA bytes, clamped to [0, 1] and rounded (the same rounding as the Node comparison). */
export function rgbToRgba(img: { width: number; height: number; data: ArrayLike<number> }): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    out[i] = toByte(img.data[j]);
    out[i + 1] = toByte(img.data[j + 1]);
    out[i + 2] = toByte(img.data[j + 2]);
    out[i + 3] = 255;
  }
  return out;
}

export function toByte(v: number): number {
  return Number.isNaN(v) ? 0 : Math.round(Math.min(1, Math.max(0, v)) * 255);
}
