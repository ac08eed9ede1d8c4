/**
 * The options SRBConv2D and SRBDense add to their stock counterparts, and the activation
 * binarizer they share: RSign, sign(x + b) with a learnable per-input-channel threshold b
 * (ReActNet; FRB inherits it from BBCU (inferred)), trained through the input quantizer's
 * pseudo-gradient (approxSign by default).
 */
import * as tf from '@tensorflow/tfjs-core';
import { getQuantizer, normalizeQuantizerName, quantizeShifted, type QuantizerIdentifier, type QuantizerName } from '../quantizers.js';
import { resolveSRBOptions, srbBinarize } from '../srb.js';

export interface BinaryLayerArgs {
  /** Number of residual binary bases of the weights (SRB order). Default 2. */
  order?: number;
  /** Center the latent weights per output channel before binarizing. Default true. */
  centerWeights?: boolean;
  /** Scale each base by its per-channel α. Default true; false (BNN baseline) requires order 1. */
  scaleWeights?: boolean;
  /**
   * Activation quantizer: 'approxSign' (default), 'steSign', 'sign', 'identity' (snake_case
   * accepted), or null for no activation binarization (full-precision inputs, binary weights).
   */
  inputQuantizer?: QuantizerIdentifier | null;
  /** RSign: learnable per-input-channel threshold b in sign(x + b). Default true; unused when inputQuantizer is null. */
  learnableThreshold?: boolean;
}

export interface ResolvedBinaryArgs {
  order: number;
  centerWeights: boolean;
  scaleWeights: boolean;
  inputQuantizer: QuantizerName | null;
  learnableThreshold: boolean;
}

export function resolveBinaryArgs(args: BinaryLayerArgs, layerName: string): ResolvedBinaryArgs {
  const srb = resolveSRBOptions(
    { order: args.order, center: args.centerWeights, scale: args.scaleWeights },
    `${layerName}`,
  );
  const q = args.inputQuantizer === undefined ? 'approxSign' : args.inputQuantizer;
  return {
    order: srb.order,
    centerWeights: srb.center,
    scaleWeights: srb.scale,
    inputQuantizer: q === null ? null : normalizeQuantizerName(q, `${layerName} (inputQuantizer)`),
    learnableThreshold: args.learnableThreshold ?? true,
  };
}

/** Whether the layer owns a `threshold` weight. */
export function hasThreshold(a: ResolvedBinaryArgs): boolean {
  return a.inputQuantizer !== null && a.learnableThreshold;
}

/** q(x + b), or x itself when there is no input quantizer. */
export function binarizeInput(x: tf.Tensor, a: ResolvedBinaryArgs, threshold: tf.Tensor | null): tf.Tensor {
  if (a.inputQuantizer === null) return x;
  return quantizeShifted(getQuantizer(a.inputQuantizer), x, threshold);
}

/** The binarized kernel Ŵ (differentiable with the SRB surrogate gradient). */
export function binarizeKernel(w: tf.Tensor, a: ResolvedBinaryArgs, layerName: string): tf.Tensor {
  return srbBinarize(w, { order: a.order, center: a.centerWeights, scale: a.scaleWeights }, layerName);
}

/** Config entries for getConfig (camelCase values; tfjs snake-cases them when saving). */
export function binaryConfig(a: ResolvedBinaryArgs): tf.serialization.ConfigDict {
  return {
    order: a.order,
    centerWeights: a.centerWeights,
    scaleWeights: a.scaleWeights,
    inputQuantizer: a.inputQuantizer,
    learnableThreshold: a.learnableThreshold,
  };
}
