/**
 * LayerNorm over the last axis (PyTorch nn.LayerNorm, eps 1e-5) with a written-out gradient.
 *
 * Same math and weights (gamma, beta) as tfjs-layers' LayerNormalization, but that layer tiles mean, variance,
 * gamma and beta to the input's full shape and autodiff keeps them all until backprop: about six input-sized
 * tensors per norm in a training step. This one keeps x̂ and 1/σ only.
 * Backward: dx = (1/σ)·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ; dγ = Σ dy·x̂; dβ = Σ dy.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';

/** y = (x − μ)/√(σ² + eps)·γ + β over the last axis; differentiable in x, γ and β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-5): tf.Tensor {
  const c = x.shape[x.rank - 1];
  if (gamma.size !== c || beta.size !== c) throw new Error(`layerNorm: gamma/beta have ${gamma.size}/${beta.size} entries, input has ${c} channels`);
  const f = tf.customGrad((...args: unknown[]) => {
    const [xi, g, b] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as (ts: tf.Tensor[]) => void;
    const mean = tf.mean(xi, -1, true);
    const xc = tf.sub(xi, mean);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), epsilon));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = Array.isArray(dy) ? dy[0] : dy;
        const [sx, sr, sg] = saved;
        const gdy = tf.mul(d, sg);
        const dx = tf.mul(sr, tf.sub(tf.sub(gdy, tf.mean(gdy, -1, true)), tf.mul(sx, tf.mean(tf.mul(gdy, sx), -1, true))));
        const flat = (t: tf.Tensor) => tf.reshape(t, [-1, c]);
        return [dx, tf.sum(flat(tf.mul(d, sx)), 0), tf.sum(flat(d), 0)];
      },
    };
  });
  return f(x, gamma, beta);
}

export interface LayerNormArgs extends LayerArgs { epsilon?: number }

export class LayerNorm extends tfl.layers.Layer {
  static className = 'SwinLayerNorm';
  readonly epsilon: number;
  private gamma!: tfl.LayerVariable;
  private beta!: tfl.LayerVariable;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.epsilon > 0)) throw new Error(`LayerNorm '${this.name}': epsilon must be > 0, got ${String(args.epsilon)}`);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const s = inputShape as tfl.Shape;
    const c = s[s.length - 1];
    if (c == null) throw new Error(`LayerNorm '${this.name}': the last axis must be known, got shape [${s}]`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return layerNorm(x, this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
