/**
 * The packed layers' fastest path in Node: the native tier's FrbXnorConv kernel (kernels/native), which packs
 * the activation signs and runs the XNOR-popcount conv on the backend's own memory (no dataSync, no copies into a
 * separate WebAssembly instance), across the native tier's threads. It is registered only when the native tier
 * is on (`initBackend` / `useNativeConvKernels` in Node); browsers and FRB_NATIVE=0 use the wasm or JS kernels.
 *
 * Padded taps are skipped inside the kernel (K counts only the taps that fall inside the image), which is the float
 * simulation's zero padding, so no border correction follows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fastXnorConvKernels, FrbXnorConv, hasFrbKernel, runFrbKernel, type FrbXnorConvAttrs } from '../kernels/contracts.js';
import { rowWords, wordsFor } from './bits.js';
import type { PreparedWeights } from './prepared.js';

/** Whether the native packed kernel is registered for the current backend. */
export function nativeXnorAvailable(): boolean {
  return hasFrbKernel(FrbXnorConv);
}

/**
 * Whether the native kernel for the current backend has its vector-popcount path (AVX-512 VPOPCNTDQ). Without it
 * the native kernel measured slower than the wasm one (scalar popcnt, ~55 vs ~37 ms on a 256×256×64 order-2
 * conv), so 'auto' uses it only with.
 */
export function nativeXnorPreferred(): boolean {
  const k = tf.getKernel(FrbXnorConv, tf.getBackend());
  return k != null && fastXnorConvKernels.has(k.kernelFunc);
}

/** The native kernel's lanes per tap word: (base, output channel) pairs padded to whole 16-lane vectors. */
export function nativeXnorLanes(order: number, cout: number): number {
  return Math.ceil((order * cout) / 16) * 16;
}

/**
 * Re-lays sign rows [order·cout][rowStride words], tap t at words [t·wordsFor(cin), …) of 32 channels each, as
 * the native kernel's words [tap][⌈cin/32⌉][lane], lane = base·cout + o, padded with zero lanes to
 * nativeXnorLanes (so one 512-bit vector holds 16 lanes of one tap word).
 */
export function nativeXnorWeights(kernel: Int32Array, order: number, cout: number, taps: number, cin: number, rowStride: number): Int32Array {
  const wpt = wordsFor(cin);
  const rows = order * cout;
  const lanes = nativeXnorLanes(order, cout);
  const out = new Int32Array(taps * wpt * lanes);
  for (let t = 0; t < taps; t++) {
    for (let j = 0; j < wpt; j++) {
      for (let r = 0; r < rows; r++) out[(t * wpt + j) * lanes + r] = kernel[r * rowStride + t * wpt + j];
    }
  }
  return out;
}

/**
 * The native kernel's weights plus the layer's α and bias as float32 (their stored precision, so exact), built once
 * per weight change and kept on the layer's prepared weights. `prep.kernel` holds rows of rowWords(taps, cin) words.
 */
export function preparedNative(
  prep: PreparedWeights, order: number, cout: number, taps: number, cin: number, useBias: boolean,
): NonNullable<PreparedWeights['native']> {
  prep.native ??= {
    weights: nativeXnorWeights(prep.kernel, order, cout, taps, cin, rowWords(taps, cin)),
    alpha: Float32Array.from(prep.alphas),
    bias: useBias ? Float32Array.from(prep.bias) : null,
  };
  return prep.native;
}

/**
 * Runs FrbXnorConv on x (float32, channels last) with the layer's prepared attributes; `residual` (the output's
 * shape) is added in the kernel's epilogue, after attrs.rprelu.
 */
export function xnorConvNative(x: tf.Tensor, attrs: FrbXnorConvAttrs, residual?: tf.Tensor): tf.Tensor {
  return runFrbKernel(FrbXnorConv, residual ? { x, residual } : { x }, attrs) as tf.Tensor;
}

export type { FrbXnorConvAttrs };
