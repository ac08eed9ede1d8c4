/**
 * Padding to a multiple of the window and cropping back (SwinIR `check_image_size` and the final slice).
 *
 * SwinIR reflect-pads the bottom and right of the LR image up to a multiple of the window, runs the network and
 * keeps the top-left H·s × W·s of the output, so any input size works. PyTorch's reflect needs pad < size; for
 * images smaller than that (e.g. 3 pixels with window 8) this layer reflects repeatedly, and a 1-pixel axis is
 * replicated (our extension: SwinIR would raise there).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';

/** Reflect-pad `pad` entries after the end of spatial `axis` (1 = H, 2 = W) of an NHWC tensor. */
function padAxisAfter(x: tf.Tensor4D, axis: 1 | 2, pad: number): tf.Tensor4D {
  let t = x;
  let left = pad;
  while (left > 0) {
    const size = t.shape[axis];
    if (size === 1) {
      const reps = [1, 1, 1, 1];
      reps[axis] = left + 1;
      return tf.tile(t, reps);
    }
    const step = Math.min(left, size - 1);
    const paddings: Array<[number, number]> = [[0, 0], [0, 0], [0, 0], [0, 0]];
    paddings[axis] = [0, step];
    t = tf.mirrorPad(t, paddings, 'reflect');
    left -= step;
  }
  return t;
}

/** Pad H and W of an NHWC tensor up to multiples of `multiple` (reflect, bottom/right). */
export function padToMultiple(x: tf.Tensor4D, multiple: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const ph = (multiple - (h % multiple)) % multiple;
    const pw = (multiple - (w % multiple)) % multiple;
    return padAxisAfter(padAxisAfter(x, 1, ph), 2, pw);
  });
}

export interface PadToMultipleArgs extends LayerArgs { multiple: number }

export class PadToMultiple extends tfl.layers.Layer {
  static className = 'PadToMultiple';
  readonly multiple: number;

  constructor(args: PadToMultipleArgs) {
    super(args);
    this.multiple = args?.multiple;
    if (!Number.isInteger(this.multiple) || this.multiple < 1) {
      throw new Error(`PadToMultiple '${this.name}': multiple must be a positive integer, got ${String(args?.multiple)}`);
    }
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = inputShape as tfl.Shape;
    if (s.length !== 4) throw new Error(`PadToMultiple '${this.name}': expected a rank-4 NHWC input, got shape [${s}]`);
    const up = (d: number | null) => (d == null ? null : Math.ceil(d / this.multiple) * this.multiple);
    return [s[0], up(s[1]), up(s[2]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    if (x.rank !== 4) throw new Error(`PadToMultiple '${this.name}': expected a rank-4 NHWC input, got rank ${x.rank}`);
    return padToMultiple(x, this.multiple);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), multiple: this.multiple };
  }
}
tf.serialization.registerClass(PadToMultiple);

export interface CropToScaleArgs extends LayerArgs { scale: number }

/** Inputs [sr [B, H', W', C], lr [B, H, W, ·]] -> the top-left [B, H·scale, W·scale, C] of sr. */
export class CropToScale extends tfl.layers.Layer {
  static className = 'CropToScale';
  readonly scale: number;

  constructor(args: CropToScaleArgs) {
    super(args);
    this.scale = args?.scale;
    if (!Number.isInteger(this.scale) || this.scale < 1) {
      throw new Error(`CropToScale '${this.name}': scale must be a positive integer, got ${String(args?.scale)}`);
    }
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = inputShape as tfl.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error(`CropToScale '${this.name}': expects two inputs [sr, lr]`);
    const [sr, lr] = shapes;
    const up = (d: number | null) => (d == null ? null : d * this.scale);
    return [sr[0], up(lr[1]), up(lr[2]), sr[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`CropToScale '${this.name}': expects two inputs [sr, lr]`);
    const [sr, lr] = inputs as [tf.Tensor4D, tf.Tensor4D];
    const h = lr.shape[1] * this.scale;
    const w = lr.shape[2] * this.scale;
    if (sr.shape[1] < h || sr.shape[2] < w) {
      throw new Error(`CropToScale '${this.name}': output ${sr.shape[1]}x${sr.shape[2]} is smaller than ${h}x${w} (input ${lr.shape[1]}x${lr.shape[2]} × ${this.scale})`);
    }
    if (sr.shape[1] === h && sr.shape[2] === w) return tf.clone(sr);
    return tf.slice(sr, [0, 0, 0, 0], [-1, h, w, -1]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(CropToScale);
