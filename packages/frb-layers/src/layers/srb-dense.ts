/**
 * SRBDense: a tfjs Dense whose kernel is binarized by SRB and whose input is binarized by
 * RSign (sign(x + b)) in `call`. Accepts rank-2 [batch, in] and rank-3 [batch, tokens, in]
 * inputs (Transformer tokens). Latent kernel `kernel` [in, units], threshold `threshold` [in].
 * Subclasses the stock Dense so its arguments, initializers and getConfig are tfjs' own.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Dense } from '@tensorflow/tfjs-layers/dist/layers/core.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import {
  binarizeInput, binarizeKernel, binaryConfig, hasThreshold, resolveBinaryArgs,
  type BinaryLayerArgs, type ResolvedBinaryArgs,
} from './binary-options.js';
import { singleInput, singleShape, stockLayerClass } from './stock.js';
import { srbDecompose, type SRBDecomposition } from '../srb.js';

export type DenseLayerArgs = Parameters<typeof tfl.layers.dense>[0];
export type SRBDenseArgs = DenseLayerArgs & BinaryLayerArgs;

const DenseBase = stockLayerClass<typeof Dense>('Dense');

/** Dense keeps these private in its typings; SRBDense reads them. */
interface DenseInternals {
  kernel: LayerVariable;
  bias: LayerVariable | null;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
  units: number;
}

export class SRBDense extends DenseBase {
  static override className = 'SRBDense';
  readonly binary: ResolvedBinaryArgs;
  /** RSign threshold b, shape [inputUnits]; null before build or when not learnable. */
  threshold: LayerVariable | null = null;

  constructor(args: SRBDenseArgs) {
    super(SRBDense.checkArgs(args));
    this.binary = resolveBinaryArgs(args, `SRBDense '${this.name}'`);
  }

  /** Validates what tfjs' own errors would not attribute to this layer; defaults useBias to false. */
  private static checkArgs(args: SRBDenseArgs): SRBDenseArgs {
    if (args == null || typeof args !== 'object') throw new Error('SRBDense: args object is required');
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`SRBDense${args.name ? ` '${args.name}'` : ''}: units must be a positive integer, got ${JSON.stringify(args.units)}`);
    }
    // Binary layers default to no bias, as SRBConv2D.
    return { ...args, useBias: args.useBias ?? false };
  }

  /** Ŵ's ±1 bases and per-unit α's (and the centering mean), e.g. for bit-packed inference. Caller disposes. */
  decompose(): SRBDecomposition {
    const kernel = this.internals.kernel;
    if (kernel == null) throw new Error(`SRBDense '${this.name}': decompose() needs a built layer`);
    const { order, centerWeights: center, scaleWeights: scale } = this.binary;
    return srbDecompose(kernel.read(), { order, center, scale }, `SRBDense '${this.name}'`);
  }

  private get internals(): DenseInternals {
    return this as unknown as DenseInternals;
  }

  /** The latent full-precision kernel variable [in, units] (null before build). */
  get latentKernel(): LayerVariable | null {
    return this.internals.kernel ?? null;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, `SRBDense '${this.name}'`);
    if (shape.length !== 2 && shape.length !== 3) {
      throw new Error(`SRBDense '${this.name}': expected a rank-2 [batch, features] or rank-3 [batch, tokens, features] input, got shape [${shape}]`);
    }
    super.build(shape);
    if (hasThreshold(this.binary) && this.threshold == null) {
      this.threshold = this.addWeight('threshold', [shape[shape.length - 1] as number], 'float32', tfl.initializers.zeros(), undefined, true);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, `SRBDense '${this.name}'`);
      if (x.rank !== 2 && x.rank !== 3) {
        throw new Error(`SRBDense '${this.name}': expected a rank-2 [batch, features] or rank-3 [batch, tokens, features] input, got shape [${x.shape}]`);
      }
      const { kernel, bias, activation, units } = this.internals;
      const xb = binarizeInput(x, this.binary, this.threshold?.read() ?? null);
      const w = binarizeKernel(kernel.read(), this.binary, `SRBDense '${this.name}'`) as tf.Tensor2D;
      const inDim = x.shape[x.rank - 1];
      let y: tf.Tensor = tf.matMul(tf.reshape(xb, [-1, inDim]) as tf.Tensor2D, w);
      if (x.rank === 3) y = tf.reshape(y, [x.shape[0], x.shape[1] as number, units]);
      if (bias != null) y = tf.add(y, bias.read());
      return activation != null ? activation.apply(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...binaryConfig(this.binary) };
  }
}
tf.serialization.registerClass(SRBDense);

/** Factory mirroring `tf.layers.dense`, plus the SRB / RSign options. */
export function srbDense(args: SRBDenseArgs): SRBDense {
  return new SRBDense(args);
}
