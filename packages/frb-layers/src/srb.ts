/**
 * SRB: the (second-order) residual weight binarizer of FRB (paper), generalized to order k.
 *
 * Per output channel o (the kernel's LAST axis; means run over every other axis, i.e. kernel
 * height, width and input channels for a conv, input units for a dense kernel):
 *
 *   W̃   = W − mean(W)                       (centering; optional)
 *   R_0 = W̃
 *   α_k = mean|R_{k−1}|                      (treated as a constant: no gradient)
 *   B_k = α_k · sign(R_{k−1})                (sign(0) = +1)
 *   R_k = R_{k−1} − B_k
 *   Ŵ   = B_1 + … + B_order
 *
 * Gradient (inferred from the authors' group code, BBCU-style `detach` trick): each B_k is
 * differentiated as if it were clip(R_{k−1}, −1, 1), i.e. dB_k/dR_{k−1} = 1{|R_{k−1}| ≤ 1};
 * the subtractions R_k = R_{k−1} − B_k and the centering are differentiated normally. Hence,
 * element-wise, with m_k = 1{|R_{k−1}| ≤ 1}:
 *   dŴ/dW̃ = Σ_k m_k · Π_{j<k} (1 − m_j)       (order 2: m_1 + m_2·(1 − m_1))
 *   dL/dW  = g − mean(g) per output channel when centering (g = dL/dW̃), else g.
 *
 * order 1 with scaling is the XNOR-Net-style baseline α·sign(W̃); `scale: false` (order 1 only)
 * is the plain BNN baseline sign(W̃) with the same straight-through clip gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sign, withSurrogateGrad } from './quantizers.js';
import { FrbSRB, hasFrbKernel, runFrbKernel } from './kernels/contracts.js';

export interface SRBOptions {
  /** Number of binary bases k (≥ 1). Default 2 (FRB's SRB). */
  order?: number;
  /** Subtract the per-output-channel mean before binarizing. Default true. */
  center?: boolean;
  /** Multiply each base by its per-channel α_k. Default true; false requires order 1 (BNN). */
  scale?: boolean;
}

interface ResolvedSRBOptions {
  order: number;
  center: boolean;
  scale: boolean;
}

/** Validates SRB options; `context` names the caller (layer / argument) in errors. */
export function resolveSRBOptions(opts: SRBOptions = {}, context = 'srbBinarize'): ResolvedSRBOptions {
  const order = opts.order ?? 2;
  const center = opts.center ?? true;
  const scale = opts.scale ?? true;
  if (!Number.isInteger(order) || order < 1) {
    throw new Error(`${context}: order must be an integer >= 1, got ${order}`);
  }
  if (!scale && order !== 1) {
    throw new Error(
      `${context}: scaleWeights=false (plain sign, the BNN baseline) requires order 1, got order ${order}`,
    );
  }
  return { order, center, scale };
}

/** Axes reduced for the per-output-channel statistics: all but the last. */
function channelAxes(w: tf.Tensor, context: string): number[] {
  if (w.rank < 2) {
    throw new Error(`${context}: kernel must have rank >= 2 (output channels last), got shape [${w.shape}]`);
  }
  return Array.from({ length: w.rank - 1 }, (_, i) => i);
}

/**
 * One residual base α·sign(r) (or sign(r) when `scale` is false) whose gradient is that of
 * clip(r, −1, 1). α = mean|r| per output channel is computed inside the forward pass, so no
 * gradient flows through it.
 */
function binaryBase(r: tf.Tensor, axes: number[], scale: boolean): tf.Tensor {
  return withSurrogateGrad(
    r,
    (x) => (scale ? tf.mul(tf.mean(tf.abs(x), axes, true), sign(x)) : sign(x)),
    (dy, x) => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(x), 1), dy.dtype)),
  );
}

/**
 * Differentiable SRB binarization Ŵ of a latent full-precision kernel (output channels on the
 * last axis). Use inside a layer's `call`; gradients follow the surrogate described above.
 */
export function srbBinarize(w: tf.Tensor, opts: SRBOptions = {}, context = 'srbBinarize'): tf.Tensor {
  const { order, center, scale } = resolveSRBOptions(opts, context);
  const axes = channelAxes(w, context);
  if (w.dtype === 'float32' && w.size > 0 && hasFrbKernel(FrbSRB)) {
    // Native tier: the whole binarizer is one kernel each way instead of ~20 small tfjs ops each way.
    const attrs = { order, center, scale };
    return withSurrogateGrad(
      w,
      (wi) => runFrbKernel(FrbSRB, { w: wi }, attrs) as tf.Tensor,
      (dy, wi) => runFrbKernel(FrbSRB, { w: wi, dy }, attrs) as tf.Tensor,
    );
  }
  return tf.tidy(() => {
    let r = center ? tf.sub(w, tf.mean(w, axes, true)) : w;
    let out: tf.Tensor | null = null;
    for (let k = 0; k < order; k++) {
      const b = binaryBase(r, axes, scale);
      out = out === null ? b : tf.add(out, b);
      if (k + 1 < order) r = tf.sub(r, b);
    }
    return out as tf.Tensor;
  });
}

/** The explicit SRB decomposition, for inspection and bit-packed inference. */
export interface SRBDecomposition {
  /** Per-output-channel mean removed by centering, shape [outChannels] (zeros when not centering). */
  mean: tf.Tensor1D;
  /** Sign tensors s_k ∈ {−1, +1}, each the kernel's shape; k = 0 … order−1. */
  signs: tf.Tensor[];
  /** Per-output-channel scales α_k, each shape [outChannels] (ones when scale is false). */
  alphas: tf.Tensor1D[];
  /** Ŵ = Σ_k α_k · s_k, the kernel the layer actually convolves with. */
  binarized: tf.Tensor;
}

/**
 * Computes the SRB bases and α's explicitly (no gradient). Ŵ = Σ_k alphas[k] ⊙ signs[k]
 * (α broadcast along the last axis) equals {@link srbBinarize}'s forward value within float rounding.
 * The caller owns (and must dispose) the returned tensors.
 *
 * Computed in float64 on the CPU (the kernel is read once), not with backend ops: a deployed model's sign bits and
 * α's then do not depend on the backend that packed it. With float32 backend reductions, cpu and wasm gave α's a few
 * ulps apart and, for a weight whose residual was within rounding of 0, a different second-base sign, so the same
 * latent weights packed to two different 1-bit models.
 */
export function srbDecompose(w: tf.Tensor, opts: SRBOptions = {}, context = 'srbDecompose'): SRBDecomposition {
  const { order, center, scale } = resolveSRBOptions(opts, context);
  channelAxes(w, context);
  const cout = w.shape[w.rank - 1]!;
  const values = w.dataSync();
  const n = values.length;
  const perChannel = n / cout;
  const mean = new Float64Array(cout);
  if (center) {
    for (let i = 0; i < n; i++) mean[i % cout]! += values[i]!;
    for (let c = 0; c < cout; c++) mean[c]! /= perChannel;
  }
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = values[i]! - mean[i % cout]!;
  const binarized = new Float64Array(n);
  const signs: tf.Tensor[] = [];
  const alphas: tf.Tensor1D[] = [];
  for (let k = 0; k < order; k++) {
    const s = new Float32Array(n);
    const a = new Float64Array(cout);
    for (let i = 0; i < n; i++) {
      s[i] = r[i]! >= 0 ? 1 : -1; // sign(0) = +1, as the quantizers' sign
      a[i % cout]! += Math.abs(r[i]!);
    }
    for (let c = 0; c < cout; c++) a[c] = scale ? Math.fround(a[c]! / perChannel) : 1;
    for (let i = 0; i < n; i++) {
      const b = a[i % cout]! * s[i]!;
      binarized[i]! += b;
      r[i]! -= b;
    }
    signs.push(tf.tensor(s, w.shape));
    alphas.push(tf.tensor1d(Float32Array.from(a)));
  }
  return { mean: tf.tensor1d(Float32Array.from(mean)), signs, alphas, binarized: tf.tensor(Float32Array.from(binarized), w.shape) };
}
