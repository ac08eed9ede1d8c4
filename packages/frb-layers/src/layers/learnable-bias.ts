/**
 * LearnableBias (ReActNet's "move"): x + b with a learnable per-channel (last axis) shift b,
 * initialized to zero. Weight: `bias`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { singleInput, singleShape } from './stock.js';

export type LearnableBiasArgs = LayerArgs;

export class LearnableBias extends tfl.layers.Layer {
  static className = 'LearnableBias';
  bias: LayerVariable | null = null;

  constructor(args: LearnableBiasArgs = {}) {
    super(args);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, `LearnableBias '${this.name}'`);
    const c = shape[shape.length - 1];
    if (shape.length < 2 || c == null) {
      throw new Error(`LearnableBias '${this.name}': needs an input of rank >= 2 with a known last (channel) dimension, got shape [${shape}]`);
    }
    this.bias = this.addWeight('bias', [c], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.add(singleInput(inputs, `LearnableBias '${this.name}'`), this.bias!.read()));
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }
}
tf.serialization.registerClass(LearnableBias);

export function learnableBias(args?: LearnableBiasArgs): LearnableBias {
  return new LearnableBias(args);
}
