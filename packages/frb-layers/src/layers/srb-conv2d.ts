/**
 * SRBConv2D: a tfjs Conv2D whose kernel is binarized by SRB and whose input is binarized by
 * RSign (sign(x + b)) in `call`. The latent full-precision kernel is stored as `kernel`, the
 * per-input-channel threshold as `threshold`.
 *
 * It subclasses the stock Conv2D (as Larq adds quantizers to stock layers): argument handling,
 * initializers/regularizers/constraints, output shape and the Conv2D part of getConfig are
 * tfjs' own, so configs and saved models round-trip like any Conv2D's.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Conv2D } from '@tensorflow/tfjs-layers/dist/layers/convolutional.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import {
  binarizeInput, binarizeKernel, binaryConfig, hasThreshold, resolveBinaryArgs,
  type BinaryLayerArgs, type ResolvedBinaryArgs,
} from './binary-options.js';
import { singleInput, singleShape, stockLayerClass } from './stock.js';
import { srbDecompose, type SRBDecomposition } from '../srb.js';

export type ConvLayerArgs = Parameters<typeof tfl.layers.conv2d>[0];
export type SRBConv2DArgs = ConvLayerArgs & BinaryLayerArgs;

const Conv2DBase = stockLayerClass<typeof Conv2D>('Conv2D');

export class SRBConv2D extends Conv2DBase {
  static override className = 'SRBConv2D';
  /** Resolved binarization options (order, centering, scaling, input quantizer, threshold). */
  readonly binary: ResolvedBinaryArgs;
  /** RSign threshold b, shape [inChannels]; null before build or when not learnable. */
  threshold: LayerVariable | null = null;

  constructor(args: SRBConv2DArgs) {
    super(SRBConv2D.checkArgs(args));
    if (this.dataFormat !== 'channelsLast') {
      throw new Error(`SRBConv2D '${this.name}': only dataFormat 'channelsLast' is supported, got '${this.dataFormat}'`);
    }
    this.binary = resolveBinaryArgs(args, `SRBConv2D '${this.name}'`);
  }

  /** Validates what tfjs' own errors would not attribute to this layer; defaults useBias to false. */
  private static checkArgs(args: SRBConv2DArgs): SRBConv2DArgs {
    if (args == null || typeof args !== 'object') throw new Error('SRBConv2D: args object is required');
    const who = `SRBConv2D${args.name ? ` '${args.name}'` : ''}`;
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new Error(`${who}: filters must be a positive integer, got ${JSON.stringify(args.filters)}`);
    }
    const ks = typeof args.kernelSize === 'number' ? [args.kernelSize] : args.kernelSize;
    if (!Array.isArray(ks) || ks.length < 1 || ks.length > 2 || !ks.every((k) => Number.isInteger(k) && k >= 1)) {
      throw new Error(`${who}: kernelSize must be a positive integer or [kh, kw], got ${JSON.stringify(args.kernelSize)}`);
    }
    if (args.padding !== undefined && args.padding !== 'same' && args.padding !== 'valid') {
      throw new Error(`${who}: padding must be 'same' or 'valid', got ${JSON.stringify(args.padding)}`);
    }
    // Binary convs default to no bias: BBCU-style parameter counts exclude body biases.
    return { ...args, useBias: args.useBias ?? false };
  }

  /** Ŵ's ±1 bases and per-channel α's (and the centering mean), e.g. for bit-packed inference. Caller disposes. */
  decompose(): SRBDecomposition {
    if (this.kernel == null) throw new Error(`SRBConv2D '${this.name}': decompose() needs a built layer`);
    const { order, centerWeights: center, scaleWeights: scale } = this.binary;
    return srbDecompose(this.kernel.read(), { order, center, scale }, `SRBConv2D '${this.name}'`);
  }

  /** The latent full-precision kernel variable [kh, kw, in, out] (null before build). */
  get latentKernel(): LayerVariable | null {
    return this.kernel;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, `SRBConv2D '${this.name}'`);
    if (shape.length !== 4) {
      throw new Error(`SRBConv2D '${this.name}': expected a rank-4 input [batch, height, width, channels], got shape [${shape}]`);
    }
    super.build(shape);
    if (hasThreshold(this.binary)) {
      this.threshold = this.addWeight('threshold', [shape[3] as number], 'float32', tfl.initializers.zeros(), undefined, true);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, `SRBConv2D '${this.name}'`);
      if (x.rank !== 4) {
        throw new Error(`SRBConv2D '${this.name}': expected a rank-4 input [batch, height, width, channels], got shape [${x.shape}]`);
      }
      const xb = binarizeInput(x, this.binary, this.threshold?.read() ?? null) as tf.Tensor4D;
      const w = binarizeKernel(this.kernel.read(), this.binary, `SRBConv2D '${this.name}'`) as tf.Tensor4D;
      let y: tf.Tensor = tf.conv2d(
        xb, w, this.strides as [number, number], this.padding as 'valid' | 'same', 'NHWC',
        this.dilationRate as [number, number],
      );
      if (this.bias != null) y = tf.add(y, this.bias.read());
      return this.activation != null ? this.activation.apply(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...binaryConfig(this.binary) };
  }
}
tf.serialization.registerClass(SRBConv2D);

/** Factory mirroring `tf.layers.conv2d`, plus the SRB / RSign options. */
export function srbConv2d(args: SRBConv2DArgs): SRBConv2D {
  return new SRBConv2D(args);
}
