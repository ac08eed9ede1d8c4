// Bicubic upscaling for the comparison view, as MATLAB's imresize 'bicubic' does it for integer upscales: Keys'
// cubic kernel (a = -0.5), pixel-centre aligned, taps outside the image mirrored (symmetric padding), height
// resized before width. An upscale needs no antialiasing. Float in, float out (no rounding between passes).
import type { RgbImage } from './tiling.js';

function cubic(x: number): number {
  const a = Math.abs(x);
  if (a <= 1) return 1.5 * a ** 3 - 2.5 * a ** 2 + 1;
  if (a < 2) return -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2;
  return 0;
}

/** MATLAB's aux = [1..n, n..1] indexing: -1 → 0, n → n-1. */
function mirror(i: number, n: number): number {
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/** Per output coordinate: the 4 source indices and weights along one axis. */
function axisTaps(inLen: number, scale: number): { idx: Int32Array; w: Float32Array } {
  const outLen = inLen * scale;
  const idx = new Int32Array(outLen * 4);
  const w = new Float32Array(outLen * 4);
  for (let o = 0; o < outLen; o++) {
    const u = (o + 0.5) / scale - 0.5;
    const left = Math.floor(u) - 1;
    let sum = 0;
    for (let k = 0; k < 4; k++) {
      const wk = cubic(u - (left + k));
      idx[o * 4 + k] = mirror(left + k, inLen);
      w[o * 4 + k] = wk;
      sum += wk;
    }
    for (let k = 0; k < 4; k++) w[o * 4 + k] /= sum;
  }
  return { idx, w };
}

export function bicubicUpscale(img: RgbImage, scale: number): RgbImage {
  if (!(Number.isInteger(scale) && scale >= 1)) throw new Error(`bicubicUpscale: scale must be an integer >= 1, got ${scale}`);
  const W = img.width * scale;
  const H = img.height * scale;
  const tx = axisTaps(img.width, scale);
  const ty = axisTaps(img.height, scale);
  // Separable: height first (MATLAB's order on equal scales), then width.
  const mid = new Float32Array(H * img.width * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < img.width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += ty.w[y * 4 + k] * img.data[(ty.idx[y * 4 + k] * img.width + x) * 3 + c];
        mid[(y * img.width + x) * 3 + c] = s;
      }
    }
  }
  const out = new Float32Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += tx.w[x * 4 + k] * mid[(y * img.width + tx.idx[x * 4 + k]) * 3 + c];
        out[(y * W + x) * 3 + c] = s;
      }
    }
  }
  return { width: W, height: H, data: out };
}
