/**
 * Subtract / add back the training-set RGB mean around the network, as SwinIR does with img_range = 1
 * (`x = (x − mean)`, …, `x = x + mean`). The mean is a fixed constant in the config, not a weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';

/** DIV2K RGB mean used by SwinIR (and EDSR) for 3-channel inputs. */
export const DIV2K_RGB_MEAN = [0.4488, 0.4371, 0.404] as const;

export interface MeanShiftArgs extends LayerArgs {
  /** Per-channel mean. */
  mean: number[];
  /** −1 subtracts the mean (network input), +1 adds it back (output). */
  sign: -1 | 1;
}

export class MeanShift extends tfl.layers.Layer {
  static className = 'SwinMeanShift';
  readonly mean: number[];
  readonly sign: -1 | 1;

  constructor(args: MeanShiftArgs) {
    super({ ...args, trainable: false });
    const who = `MeanShift '${this.name}'`;
    if (!Array.isArray(args?.mean) || args.mean.length === 0 || !args.mean.every((m) => Number.isFinite(m))) {
      throw new Error(`${who}: mean must be a non-empty array of finite numbers`);
    }
    if (args.sign !== 1 && args.sign !== -1) throw new Error(`${who}: sign must be 1 or -1, got ${String(args.sign)}`);
    this.mean = [...args.mean];
    this.sign = args.sign;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = inputShape as tfl.Shape;
    const c = s[s.length - 1];
    if (c != null && c !== this.mean.length) {
      throw new Error(`MeanShift '${this.name}': input has ${c} channels but the mean has ${this.mean.length}`);
    }
    return s;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.add(x, tf.mul(tf.tensor1d(this.mean), this.sign)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.mean, sign: this.sign };
  }
}
tf.serialization.registerClass(MeanShift);
