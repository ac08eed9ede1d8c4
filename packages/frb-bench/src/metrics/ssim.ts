// SSIM of Wang et al. (2004) as in the authors' MATLAB ssim_index and BasicSR: 11x11 Gaussian window
// (sigma 1.5, normalized), C1 = (0.01*255)^2, C2 = (0.03*255)^2, statistics over the 'valid' region
// only (no padding), float64, mean of the SSIM map. The RGB variant averages the per-channel SSIMs.
import { metricPlanes, type ImageLike, type MetricOptions, type Plane } from './color.js';

const WIN = 11;
const SIGMA = 1.5;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

function gaussian1d(): Float64Array {
  const g = new Float64Array(WIN);
  const r = (WIN - 1) / 2;
  let s = 0;
  for (let i = 0; i < WIN; i++) {
    g[i] = Math.exp(-((i - r) ** 2) / (2 * SIGMA * SIGMA));
    s += g[i];
  }
  for (let i = 0; i < WIN; i++) g[i] /= s;
  return g;
}
const G = gaussian1d();

/** Separable 'valid' Gaussian filtering of a plane: the 2-D window is the outer product G Gᵀ. */
function filterValid(src: Float64Array, h: number, w: number): Float64Array {
  const ow = w - WIN + 1;
  const oh = h - WIN + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < WIN; k++) s += G[k] * src[row + x + k];
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < WIN; k++) s += G[k] * tmp[(y + k) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

/** SSIM of two equally sized float64 planes on the 0..255 scale. */
export function ssimPlane(a: Plane, b: Plane): number {
  const { height: h, width: w } = a;
  if (h !== b.height || w !== b.width) {
    throw new Error(`ssim: planes differ in size (${h}x${w} vs ${b.height}x${b.width})`);
  }
  if (h < WIN || w < WIN) throw new Error(`ssim: a ${h}x${w} plane is smaller than the ${WIN}x${WIN} window`);
  const n = h * w;
  const aa = new Float64Array(n);
  const bb = new Float64Array(n);
  const ab = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = a.data[i] * a.data[i];
    bb[i] = b.data[i] * b.data[i];
    ab[i] = a.data[i] * b.data[i];
  }
  const mu1 = filterValid(a.data, h, w);
  const mu2 = filterValid(b.data, h, w);
  const s11 = filterValid(aa, h, w);
  const s22 = filterValid(bb, h, w);
  const s12 = filterValid(ab, h, w);
  let total = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i];
    const m2 = mu2[i];
    const v1 = s11[i] - m1 * m1;
    const v2 = s22[i] - m2 * m2;
    const cov = s12[i] - m1 * m2;
    total += ((2 * m1 * m2 + C1) * (2 * cov + C2)) / ((m1 * m1 + m2 * m2 + C1) * (v1 + v2 + C2));
  }
  return total / mu1.length;
}

/** SSIM of an SR image against its HR reference, both on 0..255 (quantize outputs first). */
export function ssim(sr: ImageLike, hr: ImageLike, opts: MetricOptions = {}): number {
  const planes = metricPlanes(sr, hr, opts);
  let total = 0;
  for (const [a, b] of planes) total += ssimPlane(a, b);
  return total / planes.length;
}
