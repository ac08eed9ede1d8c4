// Thin wrappers that run another kernel of the *current* backend from inside a kernelFunc.
// Nested engine.runKernel calls are not recorded on the gradient tape (the engine only records at
// kernel depth 0), so they are safe to use inside gradient kernels; every intermediate they return
// must be disposed by the caller.
import * as tf from '@tensorflow/tfjs-core';

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

export const transpose = (x: tf.Tensor, perm: number[]): tf.Tensor => run(tf.Transpose, { x }, { perm });

/** Pads (or, for negative amounts, crops) the two spatial dims of an NHWC tensor. */
export function padCropHW(x: tf.Tensor, top: number, bottom: number, left: number, right: number): tf.Tensor {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  let cur = x;
  const cropT = Math.max(0, -top), cropB = Math.max(0, -bottom), cropL = Math.max(0, -left), cropR = Math.max(0, -right);
  if (cropT || cropB || cropL || cropR) {
    const [n, h, w, c] = cur.shape;
    cur = run(tf.Slice, { x: cur }, { begin: [0, cropT, cropL, 0], size: [n, h - cropT - cropB, w - cropL - cropR, c] });
  }
  const pt = Math.max(0, top), pb = Math.max(0, bottom), pl = Math.max(0, left), pr = Math.max(0, right);
  if (pt || pb || pl || pr) {
    const prev = cur;
    cur = run(tf.PadV2, { x: cur }, { paddings: [[0, 0], [pt, pb], [pl, pr], [0, 0]], constantValue: 0 });
    if (prev !== x) prev.dispose();
  }
  return cur;
}

export const slice = (x: tf.Tensor, begin: number[], size: number[]): tf.Tensor =>
  run(tf.Slice, { x }, { begin, size });

export const reshape = (x: tf.Tensor, shape: number[]): tf.Tensor => run(tf.Reshape, { x }, { shape });

export const reverse = (x: tf.Tensor, dims: number[]): tf.Tensor => run(tf.Reverse, { x }, { dims });

/** Forward NHWC conv with 'valid' padding on the current backend's own (fast) Conv2D kernel. */
export const conv2dValid = (
  x: tf.Tensor,
  filter: tf.Tensor,
  strides: [number, number],
  dilations: [number, number],
): tf.Tensor =>
  run(tf.Conv2D, { x, filter }, { strides, pad: 'valid', dataFormat: 'NHWC', dilations, dimRoundingMode: undefined });
