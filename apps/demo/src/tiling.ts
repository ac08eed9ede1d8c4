// Tiled super-resolution: the LR image is cut into tiles, each run with a margin of context on every side, and
// only the tile's own part of each output is kept. Memory stays bounded on large images (webgl textures, wasm heap)
// and the page can show progress between tiles. Pure tfjs-core, so Node (the e2e test) runs the exact same tiling.
import * as tf from '@tensorflow/tfjs-core';

/** An RGB float image in [0, 1], row-major HWC. */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface TiledOptions {
  scale: number;
  tile: number;
  margin: number;
  /** Called after each tile with (done, total). */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/** Start/end pairs covering [0, length) with steps of `tile` (the last one shorter). */
export function tileStarts(length: number, tile: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < length; s += tile) out.push([s, Math.min(length, s + tile)]);
  return out;
}

/**
 * Runs `predict` ([1, h, w, 3] → [1, h·scale, w·scale, 3]) over `lr` tile by tile and returns the assembled SR
 * image. Each tile is fed with up to `margin` pixels of context (clamped at the borders) so seams are rare.
 */
export async function upscaleTiled(
  predict: (x: tf.Tensor4D) => tf.Tensor,
  lr: RgbImage,
  opts: TiledOptions,
): Promise<RgbImage> {
  const { scale, tile, margin } = opts;
  if (!(Number.isInteger(scale) && scale > 0)) throw new Error(`upscaleTiled: scale must be a positive integer, got ${scale}`);
  if (!(Number.isInteger(tile) && tile > 0)) throw new Error(`upscaleTiled: tile must be a positive integer, got ${tile}`);
  if (!(Number.isInteger(margin) && margin >= 0)) throw new Error(`upscaleTiled: margin must be an integer >= 0, got ${margin}`);
  if (lr.data.length !== lr.width * lr.height * 3) {
    throw new Error(`upscaleTiled: image data has ${lr.data.length} values, expected ${lr.width}x${lr.height}x3`);
  }
  const W = lr.width * scale;
  const H = lr.height * scale;
  const out = new Float32Array(W * H * 3);
  const rows = tileStarts(lr.height, tile);
  const cols = tileStarts(lr.width, tile);
  const total = rows.length * cols.length;
  let done = 0;
  const whole = tf.tensor3d(lr.data, [lr.height, lr.width, 3]);
  try {
    for (const [y0, y1] of rows) {
      for (const [x0, x1] of cols) {
        const ey0 = Math.max(0, y0 - margin);
        const ey1 = Math.min(lr.height, y1 + margin);
        const ex0 = Math.max(0, x0 - margin);
        const ex1 = Math.min(lr.width, x1 + margin);
        const sr = tf.tidy(() => {
          const x = tf.expandDims(tf.slice(whole, [ey0, ex0, 0], [ey1 - ey0, ex1 - ex0, 3]), 0) as tf.Tensor4D;
          const y = predict(x);
          const expect = [1, (ey1 - ey0) * scale, (ex1 - ex0) * scale, 3];
          if (y.shape.join() !== expect.join()) {
            throw new Error(`upscaleTiled: model output shape [${y.shape}] for input [${x.shape}], expected [${expect}] (scale ${scale})`);
          }
          return tf.slice(y, [0, (y0 - ey0) * scale, (x0 - ex0) * scale, 0], [1, (y1 - y0) * scale, (x1 - x0) * scale, 3]);
        });
        const vals = await sr.data();
        sr.dispose();
        const tw = (x1 - x0) * scale;
        const th = (y1 - y0) * scale;
        for (let r = 0; r < th; r++) {
          out.set(vals.subarray(r * tw * 3, (r + 1) * tw * 3), ((y0 * scale + r) * W + x0 * scale) * 3);
        }
        done += 1;
        await opts.onProgress?.(done, total);
      }
    }
  } finally {
    whole.dispose();
  }
  return { width: W, height: H, data: out };
}
