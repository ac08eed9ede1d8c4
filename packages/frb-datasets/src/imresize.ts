/**
 * MATLAB-compatible bicubic `imresize`, the degradation every published SR table uses
 * (LR = imresize(modcrop(HR, s), 1/s, 'bicubic')). It follows MATLAB's imresize.m step by step so that the
 * benchmark LR files are reproduced bit-exactly:
 * - cubic kernel with a = −0.5 (Keys), support 4;
 * - when shrinking, antialiasing widens the kernel by 1/scale: h(x) = scale·k(scale·x), width 4/scale;
 * - output pixel x (1-based) maps to u = x/scale + 0.5·(1 − 1/scale); taps floor(u − width/2) + (0..P−1),
 *   P = ceil(width) + 2; weights normalised to sum 1; taps outside the image mirror symmetrically
 *   (aux = [1..n, n..1]); tap columns that are zero for every output pixel are dropped;
 * - dimensions are resized one at a time, the one with the smaller scale first (height first on ties);
 * - uint8 input is rounded (half away from zero) and saturated back to uint8 after EACH pass, as MATLAB does
 *   because its per-dimension mex returns the input's class; float input stays float (no rounding, no clamp),
 *   Float32 between passes too (MATLAB single), sums always accumulated in double.
 */
import { assertRawImage, type RawImage } from './raw-image.js';

export interface ImresizeOptions {
  /** Output [height, width]; give either this or a scale. Per-axis scales then are out/in, as in MATLAB. */
  outputSize?: [number, number];
  /** MATLAB's 'Antialiasing' (default true): widen the kernel when shrinking. */
  antialiasing?: boolean;
}

/** Taps for one axis: `taps` weights/indices (0-based) per output position, row-major [out][taps]. */
export interface AxisContributions {
  outLength: number;
  taps: number;
  weights: Float64Array;
  indices: Int32Array;
}

/** MATLAB's cubic kernel (a = −0.5), written with the same operations as imresize.m. */
function cubic(x: number): number {
  const ax = Math.abs(x);
  const ax2 = ax * ax;
  const ax3 = ax2 * ax;
  if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
  if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
  return 0;
}

/** MATLAB imresize.m `contributions` for one axis. */
export function contributions(
  inLength: number,
  outLength: number,
  scale: number,
  antialiasing = true,
): AxisContributions {
  const shrink = scale < 1 && antialiasing;
  const kernelWidth = shrink ? 4 / scale : 4;
  const P = Math.ceil(kernelWidth) + 2;
  const w = new Float64Array(outLength * P);
  const idx = new Int32Array(outLength * P);
  const auxLen = 2 * inLength;
  for (let x = 1; x <= outLength; x++) {
    const u = x / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    const row = (x - 1) * P;
    let sum = 0;
    for (let k = 0; k < P; k++) {
      const ind = left + k;
      const d = u - ind;
      const v = shrink ? scale * cubic(scale * d) : cubic(d);
      w[row + k] = v;
      sum += v;
      // Symmetric padding: aux = [1..n, n..1], index aux(mod(ind − 1, 2n) + 1); stored 0-based.
      const m = (((ind - 1) % auxLen) + auxLen) % auxLen;
      idx[row + k] = m < inLength ? m : auxLen - 1 - m;
    }
    for (let k = 0; k < P; k++) w[row + k] = w[row + k]! / sum;
  }
  // Drop tap columns that are zero for every output position (MATLAB's `kill`): it changes nothing
  // numerically but shortens the hot loops.
  const keep: number[] = [];
  for (let k = 0; k < P; k++) {
    let any = false;
    for (let x = 0; x < outLength && !any; x++) any = w[x * P + k] !== 0;
    if (any) keep.push(k);
  }
  const T = keep.length;
  const weights = new Float64Array(outLength * T);
  const indices = new Int32Array(outLength * T);
  for (let x = 0; x < outLength; x++) {
    for (let t = 0; t < T; t++) {
      weights[x * T + t] = w[x * P + keep[t]!]!;
      indices[x * T + t] = idx[x * P + keep[t]!]!;
    }
  }
  return { outLength, taps: T, weights, indices };
}

type Pixels = Uint8Array | Float32Array | Float64Array;

/** Round half away from zero and saturate, like MATLAB's double → uint8 conversion. */
function toUint8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Resize along the height axis. `src` is H×(W·C); `out` is outH×(W·C). */
function resizeRows(src: Pixels, rowLen: number, c: AxisContributions, out: Pixels, round: boolean): void {
  const { outLength, taps, weights, indices } = c;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < outLength; y++) {
    // Whole rows at a time (cache friendly); per value the taps are still summed in order from tap 0, as
    // MATLAB does: ((w0·a + w1·b) + w2·c) + …, two taps per sweep to halve the accumulator traffic.
    const tb = y * taps;
    let t = 0;
    if (taps >= 2) {
      const w0 = weights[tb]!;
      const w1 = weights[tb + 1]!;
      const b0 = indices[tb]! * rowLen;
      const b1 = indices[tb + 1]! * rowLen;
      for (let j = 0; j < rowLen; j++) acc[j] = w0 * src[b0 + j]! + w1 * src[b1 + j]!;
      t = 2;
    } else acc.fill(0);
    for (; t + 1 < taps; t += 2) {
      const w0 = weights[tb + t]!;
      const w1 = weights[tb + t + 1]!;
      const b0 = indices[tb + t]! * rowLen;
      const b1 = indices[tb + t + 1]! * rowLen;
      for (let j = 0; j < rowLen; j++) acc[j] = acc[j]! + w0 * src[b0 + j]! + w1 * src[b1 + j]!;
    }
    for (; t < taps; t++) {
      const w0 = weights[tb + t]!;
      const b0 = indices[tb + t]! * rowLen;
      for (let j = 0; j < rowLen; j++) acc[j] = acc[j]! + w0 * src[b0 + j]!;
    }
    const o = y * rowLen;
    if (round) for (let j = 0; j < rowLen; j++) out[o + j] = toUint8(acc[j]!);
    else for (let j = 0; j < rowLen; j++) out[o + j] = acc[j]!;
  }
}

/** Resize along the width axis. `src` is H×W×C; `out` is H×outW×C. */
function resizeCols(
  src: Pixels,
  h: number,
  w: number,
  ch: number,
  c: AxisContributions,
  out: Pixels,
  round: boolean,
): void {
  const { outLength, taps, weights, indices } = c;
  // Pre-scale tap indices by the channel count once, outside the pixel loop.
  const offs = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) offs[i] = indices[i]! * ch;
  if (ch === 3) {
    // RGB: one pass over the taps feeds three accumulators (per channel the sum order is unchanged).
    for (let y = 0; y < h; y++) {
      const inRow = y * w * 3;
      let o = y * outLength * 3;
      for (let x = 0; x < outLength; x++) {
        const tb = x * taps;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let t = 0; t < taps; t++) {
          const wt = weights[tb + t]!;
          const q = inRow + offs[tb + t]!;
          s0 += wt * src[q]!;
          s1 += wt * src[q + 1]!;
          s2 += wt * src[q + 2]!;
        }
        if (round) {
          out[o] = toUint8(s0);
          out[o + 1] = toUint8(s1);
          out[o + 2] = toUint8(s2);
        } else {
          out[o] = s0;
          out[o + 1] = s1;
          out[o + 2] = s2;
        }
        o += 3;
      }
    }
    return;
  }
  for (let y = 0; y < h; y++) {
    const inRow = y * w * ch;
    const outRow = y * outLength * ch;
    for (let x = 0; x < outLength; x++) {
      const tb = x * taps;
      for (let k = 0; k < ch; k++) {
        let s = 0;
        for (let t = 0; t < taps; t++) s += weights[tb + t]! * src[inRow + offs[tb + t]! + k]!;
        out[outRow + x * ch + k] = round ? toUint8(s) : s;
      }
    }
  }
}

/** Output size MATLAB gives for a scale: ceil(scale · n), guarded against 1-ulp products such as 255·(1/3). */
function scaledLength(n: number, scale: number): number {
  const v = scale * n;
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 * Math.max(1, r) ? r : Math.ceil(v);
}

/**
 * MATLAB-compatible bicubic resize. `scale` may shrink (e.g. 1/4) or enlarge (e.g. 4); or pass `null` and
 * `opts.outputSize`. uint8 in → uint8 out (rounded between passes, as MATLAB); float in → same float type out.
 */
export function imresize(img: RawImage, scale: number | null | undefined, opts: ImresizeOptions = {}): RawImage {
  assertRawImage(img, 'imresize: img');
  const { height: H, width: W, channels: C } = img;
  let sh: number;
  let sw: number;
  let outH: number;
  let outW: number;
  if (opts.outputSize != null) {
    if (scale != null) throw new TypeError('imresize: give either a scale or opts.outputSize, not both');
    const [oh, ow] = opts.outputSize;
    if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
      throw new RangeError(`imresize: outputSize must be two positive integers, got [${oh}, ${ow}]`);
    }
    outH = oh;
    outW = ow;
    sh = oh / H;
    sw = ow / W;
  } else {
    if (scale == null || !Number.isFinite(scale) || scale <= 0) {
      throw new RangeError(`imresize: scale must be a positive number, got ${scale}`);
    }
    sh = sw = scale;
    outH = scaledLength(H, scale);
    outW = scaledLength(W, scale);
    if (outH < 1 || outW < 1) throw new RangeError(`imresize: scale ${scale} leaves no pixels of a ${H}x${W} image`);
  }
  const aa = opts.antialiasing ?? true;
  const isU8 = img.data instanceof Uint8Array;
  const rowC = contributions(H, outH, sh, aa);
  const colC = contributions(W, outW, sw, aa);
  // Both passes return the input's class, as MATLAB's per-dimension resize does (single stays single).
  const mk = (n: number): Pixels =>
    isU8 ? new Uint8Array(n) : img.data instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);

  // MATLAB sorts the scales and resizes the smaller-scale dimension first (stable: height first on ties).
  if (sh <= sw) {
    const mid = mk(outH * W * C);
    resizeRows(img.data, W * C, rowC, mid, isU8);
    const out = mk(outH * outW * C);
    resizeCols(mid, outH, W, C, colC, out, isU8);
    return { data: out, height: outH, width: outW, channels: C };
  }
  const mid = mk(H * outW * C);
  resizeCols(img.data, H, W, C, colC, mid, isU8);
  const out = mk(outH * outW * C);
  resizeRows(mid, outW * C, rowC, out, isU8);
  return { data: out, height: outH, width: outW, channels: C };
}
