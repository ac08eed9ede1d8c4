// Bilinear upsampling of the LR input, matching PyTorch F.interpolate(mode='bilinear', align_corners=False),
// which BasicSR's MSRResNet (and BBCU) add to the network output. tf.image.resizeBilinear with halfPixelCenters
// uses the same source coordinate (dst + 0.5)/s − 0.5, clamped at the border, so the two agree.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface BilinearUpsampleArgs {
  /** Integer upscale factor. */
  scale: number;
  name?: string;
}

export class BilinearUpsample extends tfl.layers.Layer {
  static className = 'BilinearUpsample';
  readonly scale: number;

  constructor(args: BilinearUpsampleArgs) {
    super({ name: args.name, trainable: false });
    if (typeof args?.scale !== 'number' || !Number.isInteger(args.scale) || args.scale < 1) {
      throw new Error(`BilinearUpsample${args?.name ? ` '${args.name}'` : ''}: scale must be a positive integer, got ${String(args?.scale)}`);
    }
    this.scale = args.scale;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (s.length !== 4) throw new Error(`BilinearUpsample '${this.name}': expects a 4D NHWC input, got shape [${s}]`);
    const r = this.scale;
    return [s[0], s[1] == null ? null : s[1] * r, s[2] == null ? null : s[2] * r, s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    if (x.rank !== 4) throw new Error(`BilinearUpsample '${this.name}': expects a 4D NHWC input, got rank ${x.rank}`);
    const [, h, w] = x.shape;
    return tf.image.resizeBilinear(x, [h * this.scale, w * this.scale], false, true);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(BilinearUpsample);

export function bilinearUpsample(args: BilinearUpsampleArgs): BilinearUpsample {
  return new BilinearUpsample(args);
}
