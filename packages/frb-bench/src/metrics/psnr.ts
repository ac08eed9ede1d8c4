// PSNR as published SR tables compute it: float64, peak 255, over the shaved Y plane (or all RGB
// channels pooled into one MSE for the RGB variant, as BasicSR does). Identical images give +Infinity.
import { metricPlanes, type ImageLike, type MetricOptions, type Plane } from './color.js';

/** Mean squared error between two planes of equal size (float64). */
export function mse(a: Plane, b: Plane): number {
  if (a.height !== b.height || a.width !== b.width) {
    throw new Error(`mse: planes differ in size (${a.height}x${a.width} vs ${b.height}x${b.width})`);
  }
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    s += d * d;
  }
  return s / a.data.length;
}

/** PSNR in dB from a mean squared error on the 0..255 scale. */
export function psnrFromMse(m: number): number {
  return m === 0 ? Infinity : 10 * Math.log10((255 * 255) / m);
}

/** PSNR (dB) of an SR image against its HR reference, both on 0..255 (quantize outputs first). */
export function psnr(sr: ImageLike, hr: ImageLike, opts: MetricOptions = {}): number {
  const planes = metricPlanes(sr, hr, opts);
  let total = 0;
  for (const [a, b] of planes) total += mse(a, b);
  return psnrFromMse(total / planes.length);
}
