// Colour conventions of published SR tables (MATLAB rgb2ycbcr / BasicSR to_y_channel).
//
// - Images are HWC, interleaved, values on the 0..255 scale.
// - Y of BT.601 YCbCr: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 with R, G, B on 0..255
//   (the MATLAB formula written for [0, 1] RGB, rescaled). Computed in float64 and NOT rounded by
//   default (BasicSR); `roundY` rounds as MATLAB's uint8 rgb2ycbcr does. The two differ in the
//   last SSIM digit only.
// - A one-channel (grayscale) image is already luminance: it is used as is, as MATLAB evaluation
//   scripts do (`if size(im, 3) == 3, im = rgb2ycbcr(im)`). Mixed 1/3-channel pairs are an error
//   rather than a silent conversion.

/** An image as plain numbers: HWC interleaved. Structurally compatible with @frb/datasets' RawImage. */
export interface ImageLike {
  data: ArrayLike<number>;
  height: number;
  width: number;
  channels: number;
}

/** A single-channel float64 plane. */
export interface Plane {
  data: Float64Array;
  height: number;
  width: number;
}

function checkImage(img: ImageLike, what: string): void {
  const { height, width, channels } = img;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new Error(`${what}: invalid size ${height}x${width}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`${what}: expected 1, 3 or 4 channels, got ${channels}`);
  }
  if (img.data.length !== height * width * channels) {
    throw new Error(
      `${what}: data length ${img.data.length} does not match ${height}x${width}x${channels}`,
    );
  }
}

/**
 * Round and clamp to uint8, as an SR output is saved to PNG before published tables measure it.
 * `range` is the scale of the input values: 1 for [0, 1], 255 for [0, 255].
 */
export function quantizeUint8(values: ArrayLike<number>, range: 1 | 255 = 255): Uint8Array {
  const out = new Uint8Array(values.length);
  const k = 255 / range;
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i] * k);
    // NaN becomes 0 here rather than propagating: NaN outputs are reported by the harness separately.
    out[i] = v > 255 ? 255 : v > 0 ? v : 0;
  }
  return out;
}

/** Luminance plane (float64, 16..235 scale) of an RGB(A) or grayscale image on 0..255. */
export function toY(img: ImageLike, opts: { roundY?: boolean; what?: string } = {}): Plane {
  const what = opts.what ?? 'image';
  checkImage(img, what);
  const { height, width, channels } = img;
  const n = height * width;
  const out = new Float64Array(n);
  const d = img.data;
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = d[i];
    return { data: out, height, width };
  }
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const y = 16 + (65.481 * d[j] + 128.553 * d[j + 1] + 24.966 * d[j + 2]) / 255;
    out[i] = opts.roundY ? Math.round(y) : y;
  }
  return { data: out, height, width };
}

/** One channel of an image as a float64 plane (for the RGB variants of the metrics). */
export function channelPlane(img: ImageLike, c: number, what = 'image'): Plane {
  checkImage(img, what);
  if (c < 0 || c >= img.channels) throw new Error(`${what}: no channel ${c} in ${img.channels}`);
  const n = img.height * img.width;
  const out = new Float64Array(n);
  for (let i = 0, j = c; i < n; i++, j += img.channels) out[i] = img.data[j];
  return { data: out, height: img.height, width: img.width };
}

/** Crop `shave` pixels from each border (the published tables shave `scale` pixels). */
export function shavePlane(p: Plane, shave: number): Plane {
  if (!Number.isInteger(shave) || shave < 0) throw new Error(`shave must be a non-negative integer, got ${shave}`);
  if (shave === 0) return p;
  const h = p.height - 2 * shave;
  const w = p.width - 2 * shave;
  if (h <= 0 || w <= 0) {
    throw new Error(`shave ${shave} leaves nothing of a ${p.height}x${p.width} image`);
  }
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    const src = (y + shave) * p.width + shave;
    out.set(p.data.subarray(src, src + w), y * w);
  }
  return { data: out, height: h, width: w };
}

/** Which signal a metric compares: luminance (published tables) or each RGB channel. */
export type MetricChannel = 'y' | 'rgb';

export interface MetricOptions {
  /** Pixels cropped at each border before measuring; published tables use the scale. Default 0. */
  shave?: number;
  /** 'y' (default, as published tables) or 'rgb'. */
  channel?: MetricChannel;
  /** Round Y to integers (MATLAB uint8 rgb2ycbcr) before measuring. Default false (BasicSR). */
  roundY?: boolean;
}

/**
 * The planes a metric compares for an (SR, HR) pair, already shaved: one Y plane each, or one
 * plane per RGB channel. Both images must have the same size and channel count.
 */
export function metricPlanes(sr: ImageLike, hr: ImageLike, opts: MetricOptions = {}): [Plane, Plane][] {
  checkImage(sr, 'SR image');
  checkImage(hr, 'HR image');
  if (sr.height !== hr.height || sr.width !== hr.width) {
    throw new Error(`SR image is ${sr.height}x${sr.width} but HR image is ${hr.height}x${hr.width}`);
  }
  const cs = sr.channels === 4 ? 3 : sr.channels;
  const ch = hr.channels === 4 ? 3 : hr.channels;
  if (cs !== ch) {
    throw new Error(`SR image has ${sr.channels} channels but HR image has ${hr.channels}`);
  }
  const shave = opts.shave ?? 0;
  const channel = opts.channel ?? 'y';
  if (channel === 'y') {
    const a = toY(sr, { roundY: opts.roundY, what: 'SR image' });
    const b = toY(hr, { roundY: opts.roundY, what: 'HR image' });
    return [[shavePlane(a, shave), shavePlane(b, shave)]];
  }
  if (channel !== 'rgb') throw new Error(`metric channel must be 'y' or 'rgb', got '${String(channel)}'`);
  const pairs: [Plane, Plane][] = [];
  for (let c = 0; c < cs; c++) {
    pairs.push([
      shavePlane(channelPlane(sr, c, 'SR image'), shave),
      shavePlane(channelPlane(hr, c, 'HR image'), shave),
    ]);
  }
  return pairs;
}
