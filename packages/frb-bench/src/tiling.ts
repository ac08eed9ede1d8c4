// Tiled inference: run a model tile by tile so peak memory is bounded by the tile size, not the image.
//
// Each tile's core region [y0, y1) x [x0, x1) is fed with `overlap` extra LR pixels of context on every
// side (clipped at the image border) and only the core's part of the output is kept. For a
// convolutional model whose receptive-field radius (in LR pixels) is <= overlap, the result is
// therefore identical to untiled inference up to float rounding; with less context, tile seams differ
// slightly. Window-attention models (SwinIR-S / FRBT) see different windows per tile, so their tiled
// output is an approximation.
import * as tf from '@tensorflow/tfjs-core';

/** HWC float image buffer. */
export interface FloatImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** Runs the model on a [1, h, w, c] batch and returns [1, h*s, w*s, c']. */
export type PredictFn = (x: tf.Tensor4D) => tf.Tensor;

export interface TileOptions {
  /** Upscaling factor the model must apply. */
  scale: number;
  /** Tile core size in LR pixels; 0 or undefined = whole image at once. */
  tile?: number;
  /** LR pixels of context around each tile. Default 16 when tiling. */
  overlap?: number;
  /**
   * Pad each model input (bottom/right, mirrored) to a multiple of this, and crop the output back;
   * for models that need sizes divisible by a window size. Default 1 (no padding).
   */
  padMultiple?: number;
  /** Called after each tile (for progress); awaited, so a page can repaint its progress bar between tiles. */
  onTile?: (done: number, total: number) => unknown;
}

/** Tile core ranges along one axis. */
export function tileRanges(length: number, tile: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < length; a += tile) out.push([a, Math.min(length, a + tile)]);
  return out;
}

/** Copy a region of an HWC buffer, mirroring (edge-inclusive) past its bottom/right to a padded size. */
function cropPadded(
  img: FloatImage, y0: number, x0: number, h: number, w: number, ph: number, pw: number,
): Float32Array {
  const c = img.channels;
  const out = new Float32Array(ph * pw * c);
  const mirror = (i: number, n: number) => {
    // i in [0, 2n): n + k maps to n - 1 - k (as SwinIR's flip-and-concat padding), clamped.
    const r = i < n ? i : Math.max(0, 2 * n - 1 - i);
    return r;
  };
  for (let y = 0; y < ph; y++) {
    const sy = y0 + mirror(y, h);
    for (let x = 0; x < pw; x++) {
      const sx = x0 + mirror(x, w);
      const src = (sy * img.width + sx) * c;
      const dst = (y * pw + x) * c;
      for (let k = 0; k < c; k++) out[dst + k] = img.data[src + k];
    }
  }
  return out;
}

function describeModelOutput(shape: number[], h: number, w: number, scale: number): string {
  return (
    `model output has shape [${shape.join(', ')}] for a ${h}x${w} input; ` +
    `expected [1, ${h * scale}, ${w * scale}, C] (input x scale ${scale})`
  );
}

/**
 * Run `predict` over `lr` (values already in the model's input range), tile by tile.
 * Returns the SR image as float32 HWC in the model's output range.
 */
export async function predictTiled(predict: PredictFn, lr: FloatImage, opts: TileOptions): Promise<FloatImage> {
  const { scale } = opts;
  if (!(Number.isInteger(scale) && scale >= 1)) throw new Error(`scale must be a positive integer, got ${scale}`);
  const H = lr.height;
  const W = lr.width;
  const tile = opts.tile && opts.tile > 0 ? opts.tile : Math.max(H, W);
  if (!Number.isInteger(tile)) throw new Error(`tile must be a positive integer, got ${opts.tile}`);
  const overlap = tile >= Math.max(H, W) ? 0 : (opts.overlap ?? 16);
  if (!(Number.isInteger(overlap) && overlap >= 0)) throw new Error(`overlap must be a non-negative integer, got ${opts.overlap}`);
  const mult = opts.padMultiple ?? 1;
  if (!(Number.isInteger(mult) && mult >= 1)) throw new Error(`padMultiple must be a positive integer, got ${mult}`);

  const ys = tileRanges(H, tile);
  const xs = tileRanges(W, tile);
  const total = ys.length * xs.length;
  let out: FloatImage | undefined;
  let done = 0;
  for (const [y0, y1] of ys) {
    for (const [x0, x1] of xs) {
      // Context region around the core, clipped to the image.
      const cy0 = Math.max(0, y0 - overlap);
      const cx0 = Math.max(0, x0 - overlap);
      const cy1 = Math.min(H, y1 + overlap);
      const cx1 = Math.min(W, x1 + overlap);
      const h = cy1 - cy0;
      const w = cx1 - cx0;
      const ph = Math.ceil(h / mult) * mult;
      const pw = Math.ceil(w / mult) * mult;
      const input = tf.tensor4d(cropPadded(lr, cy0, cx0, h, w, ph, pw), [1, ph, pw, lr.channels]);
      let y: tf.Tensor;
      try {
        y = tf.tidy(() => predict(input));
      } finally {
        input.dispose();
      }
      let vals: Float32Array;
      const shape = y.shape;
      try {
        if (shape.length !== 4 || shape[0] !== 1 || shape[1] !== ph * scale || shape[2] !== pw * scale) {
          throw new Error(describeModelOutput(shape, ph, pw, scale));
        }
        vals = (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
      const oc = shape[3];
      if (!out) out = { data: new Float32Array(H * scale * W * scale * oc), height: H * scale, width: W * scale, channels: oc };
      // Copy the core's rows from the (padded, context-including) output.
      const ow = pw * scale;
      const rowLen = (x1 - x0) * scale * oc;
      for (let yy = y0 * scale; yy < y1 * scale; yy++) {
        const src = ((yy - cy0 * scale) * ow + (x0 - cx0) * scale) * oc;
        const dst = (yy * out.width + x0 * scale) * oc;
        out.data.set(vals.subarray(src, src + rowLen), dst);
      }
      done++;
      await opts.onTile?.(done, total);
    }
  }
  return out!;
}
