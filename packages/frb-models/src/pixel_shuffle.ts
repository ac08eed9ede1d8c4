// PixelShuffle in PyTorch's channel order, as a tfjs layer with a gradient.
//
// PyTorch's pixel_shuffle (NCHW) maps input channel k = c·r² + i·r + j at (h, w) to output channel c at
// (h·r + i, w·r + j). tf.depthToSpace (NHWC, "DCR") reads channel (i·r + j)·C + c instead, so weights ported
// from PyTorch would come out scrambled; and tfjs 4.22 registers no gradient for DepthToSpace. Reshape and
// transpose both have gradients, so writing the shuffle with them gives the right order and a free backward pass.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface PixelShuffleArgs {
  /** Upscale factor r (integer ≥ 1): [B, H, W, C·r²] → [B, H·r, W·r, C]. */
  scale: number;
  name?: string;
  trainable?: boolean;
}

/** The shuffle as a plain op, on an NHWC tensor (PyTorch channel order). */
export function pixelShuffle(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  checkScale(scale, 'pixelShuffle');
  const [b, h, w, cr2] = x.shape;
  const r = scale;
  if (cr2 % (r * r) !== 0) {
    throw new Error(`pixelShuffle: input channels (${cr2}) must be divisible by scale² (${r * r})`);
  }
  const c = cr2 / (r * r);
  return tf.tidy(() => {
    // [B·H, W, C, r_i, r_j] → [B·H, r_i, W, r_j, C] → [B, H·r, W·r, C]. Five dims keep every backend's transpose happy.
    const t = tf.reshape(x, [b * h, w, c, r, r]);
    const p = tf.transpose(t, [0, 3, 1, 4, 2]);
    return tf.reshape(p, [b, h * r, w * r, c]);
  });
}

function checkScale(scale: unknown, where: string): asserts scale is number {
  if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 1) {
    throw new Error(`${where}: scale must be a positive integer, got ${String(scale)}`);
  }
}

export class PixelShuffle extends tfl.layers.Layer {
  static className = 'PixelShuffle';
  readonly scale: number;

  constructor(args: PixelShuffleArgs) {
    super({ name: args.name, trainable: args.trainable });
    checkScale(args?.scale, `PixelShuffle${args?.name ? ` '${args.name}'` : ''}`);
    this.scale = args.scale;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (s.length !== 4) throw new Error(`PixelShuffle '${this.name}': expects a 4D NHWC input, got shape [${s}]`);
    const r = this.scale;
    const c = s[3];
    if (c != null && c % (r * r) !== 0) {
      throw new Error(`PixelShuffle '${this.name}': input channels (${c}) must be divisible by scale² (${r * r})`);
    }
    return [s[0], s[1] == null ? null : s[1] * r, s[2] == null ? null : s[2] * r, c == null ? null : c / (r * r)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    if (x.rank !== 4) throw new Error(`PixelShuffle '${this.name}': expects a 4D NHWC input, got rank ${x.rank}`);
    return pixelShuffle(x, this.scale);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(PixelShuffle);

export function pixelShuffleLayer(args: PixelShuffleArgs): PixelShuffle {
  return new PixelShuffle(args);
}
