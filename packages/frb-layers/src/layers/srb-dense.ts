/**
 * SRBDense: a tfjs Dense whose kernel is binarized by SRB and whose input is binarized by
 * RSign (sign(x + b)) in `call`. Accepts rank-2 [batch, in] and rank-3 [batch, tokens, in]
 * inputs (Transformer tokens). Latent kernel `kernel` [in, units], threshold `threshold` [in].
 * Built on the SRB base (srb-base.ts) over the stock Dense, so its arguments, initializers and
 * getConfig are tfjs' own; this file adds the (token-wise) matmul and the units check.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Dense } from '@tensorflow/tfjs-layers/dist/layers/core.js';
import { srbLayer, type BinaryLayerArgs } from './srb-base.js';
import { stockLayerClass } from './stock.js';

export type DenseLayerArgs = Parameters<typeof tfl.layers.dense>[0];
export type SRBDenseArgs = DenseLayerArgs & BinaryLayerArgs;

const SRBDenseBase = srbLayer(stockLayerClass<typeof Dense>('Dense'), {
  className: 'SRBDense',
  ranks: [2, 3],
  expects: 'a rank-2 [batch, features] or rank-3 [batch, tokens, features] input',
  checkArgs(args: Partial<SRBDenseArgs>, who: string) {
    if (!Number.isInteger(args.units) || args.units! < 1) {
      throw new Error(`${who}: units must be a positive integer, got ${JSON.stringify(args.units)}`);
    }
  },
});

export class SRBDense extends SRBDenseBase {
  static override className = 'SRBDense';

  /** Typed arguments (the base's constructor takes any). */
  constructor(args: SRBDenseArgs) {
    super(args);
  }

  override linearOp(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    // Tokens are folded into the batch for one matmul, then unfolded.
    const y = tf.matMul(tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D, kernel as tf.Tensor2D);
    return x.rank === 3 ? tf.reshape(y, [x.shape[0], x.shape[1] as number, kernel.shape[1] as number]) : y;
  }
}
tf.serialization.registerClass(SRBDense);

/** Factory mirroring `tf.layers.dense`, plus the SRB / RSign options. */
export function srbDense(args: SRBDenseArgs): SRBDense {
  return new SRBDense(args);
}
