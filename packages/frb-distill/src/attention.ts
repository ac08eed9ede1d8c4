// DBT attention forms (inferred): the FRB paper distills block outputs through a normalized attention form;
// the exact form is not public, so two readings of the authors' group code and one of this project's are offered.
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a block output F (N, H, W, C) becomes an attention vector per sample (inferred, see README):
 * - `spatial`: A = mean over channels of F², flattened to (N, H·W), each row L2-normalized.
 * - `elementwise`: Q = F², flattened to (N, H·W·C), each row (the whole per-sample tensor) L2-normalized.
 * - `channel` (this project's reading): each channel's map F²[..., c] L2-normalized over H·W, then scaled by
 *   1/√C so a row has norm 1 as in the other forms. Every channel's spatial pattern counts equally, where
 *   `elementwise` lets a few high-energy channels dominate and `spatial` averages channels away.
 */
export type AttentionForm = 'spatial' | 'elementwise' | 'channel';

export const ATTENTION_FORMS: readonly AttentionForm[] = ['spatial', 'elementwise', 'channel'];

/** Floor under the norm when normalizing, as in torch.nn.functional.normalize, so an all-zero map stays zero. */
export const NORMALIZE_EPS = 1e-12;

/** Accepts camelCase and snake_case spellings (tfjs rewrites string values in saved configs). */
export function resolveAttentionForm(form: string | undefined, where = 'attention form'): AttentionForm {
  if (form === undefined) return 'spatial';
  const f = form.replace(/_/g, '').toLowerCase();
  if (f === 'spatial') return 'spatial';
  if (f === 'elementwise') return 'elementwise';
  if (f === 'channel' || f === 'channelwise') return 'channel';
  throw new Error(`${where}: unknown attention form '${form}'; expected one of ${ATTENTION_FORMS.join(', ')}`);
}

/**
 * Row-wise L2 norm of a 2-D tensor with a gradient that is 0 (not NaN) where the row is all zero:
 * d‖x‖/dx = x/‖x‖ is undefined at 0, and identical teacher/student maps (e.g. a student initialized
 * from its teacher) would otherwise poison the step with NaN.
 */
export const safeRowNorm: (x: tf.Tensor2D) => tf.Tensor1D = tf.customGrad(
  (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const n = tf.sqrt(tf.sum(tf.square(x), 1));
    save([x, n]);
    return {
      value: n,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ns] = saved as [tf.Tensor2D, tf.Tensor1D];
        return tf.mul(tf.expandDims(dy, 1), tf.divNoNan(xs, tf.expandDims(ns, 1)));
      },
    };
  },
) as unknown as (x: tf.Tensor2D) => tf.Tensor1D;

/** Divides each row by max(‖row‖₂, eps). */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.expandDims(tf.maximum(safeRowNorm(x), NORMALIZE_EPS), 1)));
}

/**
 * The attention vector of a block output, (N, D) per the chosen form. Works for any rank ≥ 2 with channels
 * last: for a Dense output (N, C) the spatial form degenerates to a constant 1 per sample (no signal), so
 * use `elementwise` there.
 */
export function attention(features: tf.Tensor, form: AttentionForm = 'spatial', where = 'attention'): tf.Tensor2D {
  if (features.rank < 2) {
    throw new Error(`${where}: block output must have a batch axis and a channel axis, got shape [${features.shape}]`);
  }
  const f = resolveAttentionForm(form, where);
  return tf.tidy(() => {
    const n = features.shape[0];
    const sq = tf.square(tf.cast(features, 'float32'));
    if (f === 'channel') return channelAttention(sq, n);
    const q = f === 'spatial' ? tf.mean(sq, -1) : sq;
    return l2NormalizeRows(tf.reshape(q, [n, -1]) as tf.Tensor2D);
  });
}

/** `channel` form of F² (N, ..., C): per (sample, channel) unit maps over the positions, rows of norm 1. */
function channelAttention(sq: tf.Tensor, n: number): tf.Tensor2D {
  const c = sq.shape[sq.rank - 1];
  // (N, P, C) → (N·C, P): one row per channel map, normalized like any other attention row.
  const maps = tf.reshape(tf.transpose(tf.reshape(sq, [n, -1, c]), [0, 2, 1]), [n * c, -1]) as tf.Tensor2D;
  return tf.reshape(tf.div(l2NormalizeRows(maps), Math.sqrt(c)), [n, -1]) as tf.Tensor2D;
}
