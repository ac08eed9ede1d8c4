import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SRBDense, sign, srbBinarize, srbDense } from '@frb/layers';
import { expectClose, expectMixedMask, rand } from './helpers.js';

describe('SRBDense forward = matMul(sign(x + b), Ŵ)', () => {
  for (const order of [1, 2, 3]) {
    it(`rank 2, order ${order}`, () => {
      const x = rand([4, 7], 1);
      const kernel = rand([7, 5], 2, 0.5);
      const b = rand([7], 3, 0.3);
      const layer = srbDense({ units: 5, order });
      layer.build(x.shape);
      layer.setWeights([kernel, b]);
      const expected = tf.matMul(sign(tf.add(x, b)) as tf.Tensor2D, srbBinarize(kernel, { order }) as tf.Tensor2D);
      expectClose(layer.apply(x) as tf.Tensor, expected);
    });
  }

  it('rank 3 (tokens) with bias and activation', () => {
    const x = rand([2, 5, 6], 4);
    const kernel = rand([6, 3], 5);
    const bias = rand([3], 6);
    const b = rand([6], 7, 0.3);
    const layer = srbDense({ units: 3, useBias: true, activation: 'tanh' });
    layer.build(x.shape);
    layer.setWeights([kernel, bias, b]);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 5, 3]);
    const flat = tf.matMul(tf.reshape(sign(tf.add(x, b)), [10, 6]) as tf.Tensor2D, srbBinarize(kernel) as tf.Tensor2D);
    expectClose(y, tf.tanh(tf.add(tf.reshape(flat, [2, 5, 3]), bias)));
    expect(layer.computeOutputShape([null, 5, 6])).toEqual([null, 5, 3]);
  });

  it('order 1 = α·sign(W̃) per output unit', () => {
    const x = rand([3, 4], 8);
    const kernel = rand([4, 2], 9);
    const layer = srbDense({ units: 2, order: 1, learnableThreshold: false });
    layer.build(x.shape);
    expect(layer.threshold).toBeNull();
    layer.setWeights([kernel]);
    const wt = tf.sub(kernel, tf.mean(kernel, 0, true));
    const what = tf.mul(tf.mean(tf.abs(wt), 0, true), sign(wt));
    expectClose(layer.apply(x) as tf.Tensor, tf.matMul(sign(x) as tf.Tensor2D, what as tf.Tensor2D));
  });
});

describe('SRBDense gradients equal the analytic surrogate', () => {
  it('w.r.t. input, latent kernel and threshold, rank 3 (element-wise)', () => {
    const x = rand([2, 3, 6], 11);
    const kernel = rand([6, 5], 12, 1.6);
    const b = rand([6], 13, 0.3);
    const g = rand([2, 3, 5], 14);
    const layer = srbDense({ units: 5, inputQuantizer: 'steSign' });
    layer.build(x.shape);
    layer.setWeights([kernel, b]);
    const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, g)))(x);
    const kernelVar = layer.latentKernel!.read() as tf.Variable;
    const thresholdVar = layer.threshold!.read() as tf.Variable;
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, g)) as tf.Scalar, [kernelVar, thresholdVar]);

    const xs = tf.add(x, b);
    const xb2 = tf.reshape(sign(xs), [6, 6]) as tf.Tensor2D;
    const g2 = tf.reshape(g, [6, 5]) as tf.Tensor2D;
    const what = srbBinarize(kernel) as tf.Tensor2D;
    // d(sum(g ⊙ xb·Ŵ))/dxb = g·Ŵᵀ, /dŴ = xbᵀ·g; steSign passes where |x + b| ≤ 1.
    const expectedGx = tf.mul(tf.reshape(tf.matMul(g2, what, false, true), [2, 3, 6]), tf.cast(tf.lessEqual(tf.abs(xs), 1), 'float32'));
    expectClose(gx, expectedGx);
    expectClose(grads[thresholdVar.name], tf.sum(expectedGx, [0, 1]));

    const dW = tf.matMul(xb2, g2, true, false);
    const wt = tf.sub(kernel, tf.mean(kernel, 0, true));
    const m1 = tf.cast(tf.lessEqual(tf.abs(wt), 1), 'float32');
    const m2 = tf.cast(tf.lessEqual(tf.abs(tf.sub(wt, tf.mul(tf.mean(tf.abs(wt), 0, true), sign(wt)))), 1), 'float32');
    expectMixedMask(m1);
    expectMixedMask(m2);
    const gt = tf.mul(dW, tf.add(m1, tf.mul(m2, tf.sub(1, m1))));
    expectClose(grads[kernelVar.name], tf.sub(gt, tf.mean(gt, 0, true)));
  });
});

describe('SRBDense bad input and config', () => {
  it('names the layer on wrong rank, order < 1 and unknown quantizer', () => {
    const layer = srbDense({ units: 2, name: 'proj' });
    expect(() => layer.apply(tf.ones([1, 2, 3, 4]))).toThrow(/SRBDense 'proj'.*rank-2.*rank-3/);
    expect(() => srbDense({ units: 2, order: 0, name: 'd0' })).toThrow(/SRBDense 'd0': order must be an integer >= 1/);
    expect(() => srbDense({ units: 2, inputQuantizer: 'sgn' as never, name: 'd1' })).toThrow(/SRBDense 'd1' \(inputQuantizer\): unknown quantizer 'sgn'/);
    expect(() => srbDense({ units: 0, name: 'd2' })).toThrow(/SRBDense 'd2': units must be a positive integer/);
    const built = srbDense({ units: 3, order: 3, centerWeights: false });
    built.build([null, 4]);
    const d = built.decompose();
    expect(d.alphas).toHaveLength(3);
    expectClose(d.binarized, srbBinarize(built.latentKernel!.read(), { order: 3, center: false }));
  });

  it('getConfig round-trips, including snake_case quantizer names', async () => {
    const layer = srbDense({ units: 4, order: 1, scaleWeights: false, inputQuantizer: 'identity', useBias: true, name: 'dense_rt' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ units: 4, order: 1, scaleWeights: false, centerWeights: true, inputQuantizer: 'identity', useBias: true });
    expect((SRBDense.fromConfig(SRBDense, structuredClone(config)) as SRBDense).getConfig()).toEqual(config);
    expect((SRBDense.fromConfig(SRBDense, { ...structuredClone(config), inputQuantizer: 'ste_sign' }) as SRBDense).binary.inputQuantizer).toBe('steSign');
    const model = tfl.sequential({ layers: [srbDense({ inputShape: [3, 5], units: 2, inputQuantizer: 'approxSign', name: 'tok' })] });
    const loaded = await tfl.models.modelFromJSON(model.toJSON(null, false) as never);
    expect(loaded.getLayer('tok')).toBeInstanceOf(SRBDense);
    expect(loaded.getLayer('tok').getConfig()).toEqual(model.getLayer('tok').getConfig());
  });
});
