/**
 * The in-memory image every function of this package passes around: HWC interleaved pixels.
 *
 * Values are on the 0–255 scale whatever the storage type: uint8 images are what files hold, float images
 * are what bicubic resizing produces without rounding (they may leave [0, 255] slightly, as MATLAB's do).
 */
export interface RawImage {
  data: Uint8Array | Float32Array | Float64Array;
  height: number;
  width: number;
  channels: number;
}

/** Throws unless `img` is a well-formed RawImage; `what` names it in the message. */
export function assertRawImage(img: RawImage, what = 'image'): void {
  if (img == null || typeof img !== 'object') throw new TypeError(`${what}: expected a RawImage, got ${img}`);
  const { data, height, width, channels } = img;
  for (const [k, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${k} must be a positive integer, got ${v}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Float32Array || data instanceof Float64Array)) {
    throw new TypeError(`${what}: data must be a Uint8Array, Float32Array or Float64Array`);
  }
  if (data.length !== height * width * channels) {
    throw new RangeError(
      `${what}: data has ${data.length} values but ${height}x${width}x${channels} needs ${height * width * channels}`,
    );
  }
}

/** Throws unless `scale` is an integer ≥ 2 (the SR scale factors of every table: 2, 3, 4, 8). */
export function assertScale(scale: number, what = 'scale'): void {
  if (!Number.isInteger(scale) || scale < 2) {
    throw new RangeError(`${what} must be an integer >= 2, got ${scale}`);
  }
}

/**
 * MATLAB `modcrop`: crops the bottom/right so that height and width are multiples of `scale`, as the
 * benchmark LR files were made from (imresize(modcrop(HR, s), 1/s)). Returns `img` itself when nothing is cut.
 */
export function modcrop(img: RawImage, scale: number): RawImage {
  assertRawImage(img, 'modcrop: img');
  assertScale(scale, 'modcrop: scale');
  const h = img.height - (img.height % scale);
  const w = img.width - (img.width % scale);
  if (h === 0 || w === 0) {
    throw new RangeError(`modcrop: image ${img.height}x${img.width} is smaller than the scale ${scale}`);
  }
  return crop(img, 0, 0, h, w);
}

/** Copies the window [top, top+h) x [left, left+w) out of `img` (same storage type). */
export function crop(img: RawImage, top: number, left: number, h: number, w: number): RawImage {
  if (top < 0 || left < 0 || h < 1 || w < 1 || top + h > img.height || left + w > img.width) {
    throw new RangeError(`crop: window ${h}x${w} at (${top}, ${left}) is outside the ${img.height}x${img.width} image`);
  }
  if (top === 0 && left === 0 && h === img.height && w === img.width) return img;
  const c = img.channels;
  const Ctor = img.data.constructor as Uint8ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;
  const out = new Ctor(h * w * c);
  const rowLen = w * c;
  for (let y = 0; y < h; y++) {
    const src = ((top + y) * img.width + left) * c;
    out.set(img.data.subarray(src, src + rowLen), y * rowLen);
  }
  return { data: out, height: h, width: w, channels: c };
}

/** Gray → 3 equal channels (the rule for grayscale files such as Set14 `bridge`); other images unchanged. */
export function grayToRgb(img: RawImage): RawImage {
  if (img.channels !== 1) return img;
  const n = img.height * img.width;
  const Ctor = img.data.constructor as Uint8ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;
  const out = new Ctor(n * 3);
  const src = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const v = src[i]!;
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
  }
  return { data: out, height: img.height, width: img.width, channels: 3 };
}

/** Splits the last channel of a 2- or 4-channel image off as its alpha: `{ color, alpha }` (alpha 1 channel). */
export function splitAlpha(img: RawImage): { color: RawImage; alpha: RawImage } {
  assertRawImage(img, 'splitAlpha: img');
  const c = img.channels;
  if (c !== 2 && c !== 4) throw new RangeError(`splitAlpha: expected 2 (gray+alpha) or 4 (RGBA) channels, got ${c}`);
  const n = img.height * img.width;
  const Ctor = img.data.constructor as Uint8ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;
  const color = new Ctor(n * (c - 1));
  const alpha = new Ctor(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c - 1; k++) color[i * (c - 1) + k] = img.data[i * c + k]!;
    alpha[i] = img.data[i * c + c - 1]!;
  }
  const { height, width } = img;
  return { color: { data: color, height, width, channels: c - 1 }, alpha: { data: alpha, height, width, channels: 1 } };
}

/** The inverse of splitAlpha: `color` (1 or 3 channels) with `alpha` (1 channel, same size) as the last channel. */
export function joinAlpha(color: RawImage, alpha: RawImage): RawImage {
  assertRawImage(color, 'joinAlpha: color');
  assertRawImage(alpha, 'joinAlpha: alpha');
  if (alpha.channels !== 1 || alpha.height !== color.height || alpha.width !== color.width) {
    throw new RangeError(`joinAlpha: alpha must be 1 channel of ${color.height}x${color.width}, got ${alpha.height}x${alpha.width}x${alpha.channels}`);
  }
  if (color.data.constructor !== alpha.data.constructor) throw new TypeError('joinAlpha: color and alpha must have the same storage type');
  const c = color.channels + 1;
  const n = color.height * color.width;
  const Ctor = color.data.constructor as Uint8ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;
  const out = new Ctor(n * c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c - 1; k++) out[i * c + k] = color.data[i * (c - 1) + k]!;
    out[i * c + c - 1] = alpha.data[i]!;
  }
  return { data: out, height: color.height, width: color.width, channels: c };
}
