/**
 * Exact (erf) GELU, PyTorch nn.GELU's default, with a written-out gradient: tfjs' 'gelu' activation is the same
 * function, but autodiff through erf/div/mul/add keeps about five copies of the MLP's hidden tensor per layer
 * until backprop; this keeps x only. Backward: dx = dy·(Φ(x) + x·φ(x)).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export function gelu(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: unknown[]) => {
    const xi = args[0] as tf.Tensor;
    const save = args[1] as (ts: tf.Tensor[]) => void;
    save([xi]);
    const cdf = (t: tf.Tensor) => tf.mul(0.5, tf.add(1, tf.erf(tf.mul(t, Math.SQRT1_2))));
    return {
      value: tf.mul(xi, cdf(xi)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = Array.isArray(dy) ? dy[0] : dy;
        const [s] = saved;
        const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(s))));
        return tf.mul(d, tf.add(cdf(s), tf.mul(s, pdf)));
      },
    };
  });
  return f(x);
}

export class GELU extends tfl.layers.Layer {
  static className = 'SwinGELU';

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return gelu(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}
tf.serialization.registerClass(GELU);
