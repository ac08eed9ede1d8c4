// Seeded random test images shared by this package's tests (mulberry32 from @frb/datasets, so runs repeat).
import { mulberry32, type RawImage } from '@frb/datasets';
import type { FloatImage } from '@frb/bench';

/** The seeded [0, 1) generator the tests draw from. */
export const rng = mulberry32;

/** A uniform random float image in [0, 1). */
export function floatImage(h: number, w: number, c: number, seed: number): FloatImage {
  const r = rng(seed);
  return { data: Float32Array.from({ length: h * w * c }, () => r()), height: h, width: w, channels: c };
}

/** A uniform random uint8 image. */
export function rawImage(h: number, w: number, c: number, seed: number): RawImage {
  const r = rng(seed);
  return { data: Uint8Array.from({ length: h * w * c }, () => Math.floor(r() * 256)), height: h, width: w, channels: c };
}
