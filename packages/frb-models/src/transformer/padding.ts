/**
 * Padding to a multiple of the window and cropping back (SwinIR `check_image_size` and the final slice).
 *
 * The bottom and right of the LR image are padded up to a multiple of the window, the network runs, and the
 * top-left H·s × W·s of the output is kept, so any input size works. Mode 'reflect' (default) is BasicSR's
 * SwinIR `check_image_size` (F.pad reflect); 'symmetric' (edge pixel repeated) is what SwinIR's own test script
 * does with torch.flip, except that script also pads a full extra window when the size is already a multiple.
 * Reflect needs pad < size: for images smaller than that (e.g. 3 pixels with window 8) the layer pads repeatedly,
 * and a 1-pixel axis is replicated (our extension: PyTorch would raise there).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';

/** Reflect-pad `pad` entries after the end of spatial `axis` (1 = H, 2 = W) of an NHWC tensor. */
export type PadMode = 'reflect' | 'symmetric';

function padAxisAfter(x: tf.Tensor4D, axis: 1 | 2, pad: number, mode: PadMode): tf.Tensor4D {
  let t = x;
  let left = pad;
  while (left > 0) {
    const size = t.shape[axis];
    if (size === 1) {
      const reps = [1, 1, 1, 1];
      reps[axis] = left + 1;
      return tf.tile(t, reps);
    }
    const step = Math.min(left, mode === 'reflect' ? size - 1 : size);
    const paddings: Array<[number, number]> = [[0, 0], [0, 0], [0, 0], [0, 0]];
    paddings[axis] = [0, step];
    t = tf.mirrorPad(t, paddings, mode);
    left -= step;
  }
  return t;
}

/** Pad H and W of an NHWC tensor up to multiples of `multiple` (bottom/right). */
export function padToMultiple(x: tf.Tensor4D, multiple: number, mode: PadMode = 'reflect'): tf.Tensor4D {
  if (mode !== 'reflect' && mode !== 'symmetric') throw new Error(`padToMultiple: mode must be 'reflect' or 'symmetric', got '${String(mode)}'`);
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const ph = (multiple - (h % multiple)) % multiple;
    const pw = (multiple - (w % multiple)) % multiple;
    return padAxisAfter(padAxisAfter(x, 1, ph, mode), 2, pw, mode);
  });
}

export interface PadToMultipleArgs extends LayerArgs { multiple: number; mode?: PadMode }

export class PadToMultiple extends tfl.layers.Layer {
  static className = 'PadToMultiple';
  readonly multiple: number;
  readonly mode: PadMode;

  constructor(args: PadToMultipleArgs) {
    super(args);
    this.multiple = args?.multiple;
    this.mode = args?.mode ?? 'reflect';
    if (this.mode !== 'reflect' && this.mode !== 'symmetric') {
      throw new Error(`PadToMultiple '${this.name}': mode must be 'reflect' or 'symmetric', got '${String(args?.mode)}'`);
    }
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
    return padToMultiple(x, this.multiple, this.mode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), multiple: this.multiple, mode: this.mode };
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
