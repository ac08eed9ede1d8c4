// Multiplication by a fixed constant, as a serializable layer. BBCU's residual alignment (inferred from the
// BBCU-SR code: `x = x * k` at the network input, `out / k` at its output, k = 130·C/64) scales the whole image
// range so the full-precision identity path and the binary-conv path have comparable magnitudes.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface ConstantScaleArgs {
  factor: number;
  name?: string;
}

export class ConstantScale extends tfl.layers.Layer {
  static className = 'ConstantScale';
  readonly factor: number;

  constructor(args: ConstantScaleArgs) {
    super({ name: args.name, trainable: false });
    if (typeof args?.factor !== 'number' || !Number.isFinite(args.factor) || args.factor === 0) {
      throw new Error(`ConstantScale${args?.name ? ` '${args.name}'` : ''}: factor must be a finite non-zero number, got ${String(args?.factor)}`);
    }
    this.factor = args.factor;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.mul(x, this.factor);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
tf.serialization.registerClass(ConstantScale);

export function constantScale(args: ConstantScaleArgs): ConstantScale {
  return new ConstantScale(args);
}
