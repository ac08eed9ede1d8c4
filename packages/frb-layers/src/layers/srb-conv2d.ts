/**
 * SRBConv2D: a tfjs Conv2D whose kernel is binarized by SRB and whose input is binarized by
 * RSign (sign(x + b)) in `call`. The latent full-precision kernel is stored as `kernel`, the
 * per-input-channel threshold as `threshold`.
 *
 * Built on the SRB base (srb-base.ts) over the stock Conv2D: argument handling,
 * initializers/regularizers/constraints, output shape and the Conv2D part of getConfig are
 * tfjs' own, so configs and saved models round-trip like any Conv2D's. This file adds the
 * convolution and the conv-specific argument checks.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Conv2D } from '@tensorflow/tfjs-layers/dist/layers/convolutional.js';
import { srbLayer, type BinaryLayerArgs } from './srb-base.js';
import { stockLayerClass } from './stock.js';

export type ConvLayerArgs = Parameters<typeof tfl.layers.conv2d>[0];
export type SRBConv2DArgs = ConvLayerArgs & BinaryLayerArgs;

/** Validates what tfjs' own errors would not attribute to this layer. */
function checkConvArgs(args: Partial<SRBConv2DArgs>, who: string): void {
  if (!Number.isInteger(args.filters) || args.filters! < 1) {
    throw new Error(`${who}: filters must be a positive integer, got ${JSON.stringify(args.filters)}`);
  }
  const ks = typeof args.kernelSize === 'number' ? [args.kernelSize] : args.kernelSize;
  if (!Array.isArray(ks) || ks.length < 1 || ks.length > 2 || !ks.every((k) => Number.isInteger(k) && k >= 1)) {
    throw new Error(`${who}: kernelSize must be a positive integer or [kh, kw], got ${JSON.stringify(args.kernelSize)}`);
  }
  if (args.padding !== undefined && args.padding !== 'same' && args.padding !== 'valid') {
    throw new Error(`${who}: padding must be 'same' or 'valid', got ${JSON.stringify(args.padding)}`);
  }
}

const SRBConv2DBase = srbLayer(stockLayerClass<typeof Conv2D>('Conv2D'), {
  className: 'SRBConv2D',
  ranks: [4],
  expects: 'a rank-4 input [batch, height, width, channels]',
  checkArgs: checkConvArgs,
});

export class SRBConv2D extends SRBConv2DBase {
  static override className = 'SRBConv2D';

  constructor(args: SRBConv2DArgs) {
    super(args);
    if (this.dataFormat !== 'channelsLast') {
      throw new Error(`${this.who}: only dataFormat 'channelsLast' is supported, got '${this.dataFormat}'`);
    }
  }

  override linearOp(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    return tf.conv2d(
      x as tf.Tensor4D, kernel as tf.Tensor4D, this.strides as [number, number], this.padding as 'valid' | 'same', 'NHWC',
      this.dilationRate as [number, number],
    );
  }
}
tf.serialization.registerClass(SRBConv2D);

/** Factory mirroring `tf.layers.conv2d`, plus the SRB / RSign options. */
export function srbConv2d(args: SRBConv2DArgs): SRBConv2D {
  return new SRBConv2D(args);
}
