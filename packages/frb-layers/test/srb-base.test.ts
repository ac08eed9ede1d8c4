// The SRB base shared by SRBConv2D and SRBDense: what code handling either layer relies on.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { isSRBLayer, srbBinarize, srbConv2d, srbDense } from '@frb/layers';

describe('SRB base', () => {
  it('isSRBLayer tells SRB layers from their stock counterparts', () => {
    expect(isSRBLayer(srbConv2d({ filters: 2, kernelSize: 3 }))).toBe(true);
    expect(isSRBLayer(srbDense({ units: 2 }))).toBe(true);
    expect(isSRBLayer(tfl.layers.conv2d({ filters: 2, kernelSize: 3 }))).toBe(false);
    expect(isSRBLayer(tfl.layers.dense({ units: 2 }))).toBe(false);
    expect(isSRBLayer(null)).toBe(false);
  });

  it('latentKernel, biasWeight and threshold are the stock layer variables, in the saved order', () => {
    const conv = srbConv2d({ filters: 3, kernelSize: 1, useBias: true, name: 'base_conv' });
    const dense = srbDense({ units: 3, name: 'base_dense' });
    expect([conv.latentKernel, conv.biasWeight, conv.threshold, dense.latentKernel]).toEqual([null, null, null, null]);
    conv.build([null, 4, 4, 2]);
    dense.build([null, 5]);
    expect(conv.weights).toEqual([conv.latentKernel, conv.biasWeight, conv.threshold]);
    expect(dense.weights).toEqual([dense.latentKernel, dense.threshold]);
    expect(dense.biasWeight).toBeNull();
    for (const w of [...conv.weights, ...dense.weights]) w.dispose();
  });

  it('both layers compute act(op(sign(x + b), Ŵ) + bias) through the one base', () => {
    const dense = srbDense({ units: 2, useBias: true, activation: 'relu', name: 'base_formula' });
    dense.build([null, 3]);
    const kernel = tf.tensor2d([[0.3, -0.2], [-0.5, 0.1], [0.4, 0.6]]);
    dense.setWeights([kernel, tf.tensor1d([0.05, -0.1]), tf.tensor1d([0.1, -0.2, 0])]);
    const x = tf.tensor2d([[-0.05, 0.3, -0.4], [0.2, 0.1, 0.0]]);
    const y = dense.apply(x) as tf.Tensor;
    // By hand: sign(x + b) with sign(0) = +1, times the order-2 SRB kernel, plus bias, then relu.
    const xb = tf.tensor2d([[1, 1, -1], [1, -1, 1]]);
    const want = tf.relu(tf.add(tf.matMul(xb, srbBinarize(kernel, { order: 2 })), [0.05, -0.1]));
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    expect(y.dataSync().some((v) => v > 0)).toBe(true);
    tf.dispose([kernel, x, y, xb, want]);
    for (const w of dense.weights) w.dispose();
  });
});
