import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { sign, srbBinarize, srbDecompose } from '@frb/layers';
import { expectClose, expectMixedMask, rand } from './helpers.js';

/** Hand-written reference of the SRB forward in plain JS, per output channel (last axis). */
function srbReference(w: Float32Array | number[], shape: number[], order: number, center: boolean, scale: boolean): number[] {
  const out = shape[shape.length - 1];
  const n = w.length / out;
  const result = new Array<number>(w.length).fill(0);
  for (let o = 0; o < out; o++) {
    const idx = Array.from({ length: n }, (_, i) => i * out + o);
    const mean = center ? idx.reduce((s, i) => s + w[i], 0) / n : 0;
    let r = idx.map((i) => w[i] - mean);
    for (let k = 0; k < order; k++) {
      const alpha = scale ? r.reduce((s, v) => s + Math.abs(v), 0) / n : 1;
      const b = r.map((v) => alpha * (v >= 0 ? 1 : -1));
      idx.forEach((i, j) => { result[i] += b[j]; });
      r = r.map((v, j) => v - b[j]);
    }
  }
  return result;
}

describe('srbBinarize forward', () => {
  it('matches a hand-written reference for orders 1-3, with and without centering', () => {
    const shape = [3, 3, 4, 5];
    const w = rand(shape, 1, 0.7);
    for (const order of [1, 2, 3]) {
      for (const center of [true, false]) {
        expectClose(srbBinarize(w, { order, center }), srbReference(w.dataSync() as Float32Array, shape, order, center, true));
      }
    }
  });

  it('order 1 equals α·sign(W̃) with α = mean|W̃| per output channel', () => {
    const w = rand([2, 2, 3, 4], 2);
    const axes = [0, 1, 2];
    const wt = tf.sub(w, tf.mean(w, axes, true));
    const expected = tf.mul(tf.mean(tf.abs(wt), axes, true), sign(wt));
    expectClose(srbBinarize(w, { order: 1 }), expected);
  });

  it('scale: false is the plain sign (BNN) and requires order 1', () => {
    const w = rand([6, 3], 3);
    expectClose(srbBinarize(w, { order: 1, scale: false, center: false }), sign(w));
    expect(() => srbBinarize(w, { order: 2, scale: false })).toThrow(/requires order 1/);
  });

  it('higher order approximates the centered kernel better (residual error shrinks)', () => {
    const w = rand([3, 3, 8, 4], 4);
    const wt = tf.sub(w, tf.mean(w, [0, 1, 2], true));
    const errs = [1, 2, 3, 4].map((order) => tf.norm(tf.sub(wt, srbBinarize(w, { order }))).dataSync()[0]);
    for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1]);
  });

  it('rejects bad order and low-rank kernels, naming the caller', () => {
    const w = rand([3, 2], 5);
    expect(() => srbBinarize(w, { order: 0 }, 'MyLayer')).toThrow(/MyLayer: order must be an integer >= 1, got 0/);
    expect(() => srbBinarize(w, { order: 1.5 })).toThrow(/order must be an integer/);
    expect(() => srbBinarize(tf.ones([4]))).toThrow(/rank >= 2/);
  });
});

describe('srbDecompose', () => {
  it('returns ±1 bases and per-channel α whose sum reproduces srbBinarize', () => {
    const w = rand([3, 3, 2, 3], 6);
    for (const order of [1, 2, 3]) {
      const d = srbDecompose(w, { order });
      expect(d.signs).toHaveLength(order);
      expect(d.alphas).toHaveLength(order);
      expect(d.mean.shape).toEqual([3]);
      let sum = tf.zerosLike(w);
      d.signs.forEach((s, k) => {
        expect(new Set(s.dataSync())).toEqual(new Set([-1, 1]));
        expect(d.alphas[k].shape).toEqual([3]);
        sum = tf.add(sum, tf.mul(d.alphas[k], s));
      });
      expectClose(sum, srbBinarize(w, { order }));
      expectClose(d.binarized, srbBinarize(w, { order }));
      expectClose(d.mean, tf.mean(w, [0, 1, 2]));
      // α's decrease: each residual is smaller than the one before.
      for (let k = 1; k < order; k++) {
        const a = d.alphas[k].dataSync(), p = d.alphas[k - 1].dataSync();
        a.forEach((v, i) => expect(v).toBeLessThan(p[i]));
      }
    }
  });

  it('is computed in float64 off the backend: bit-identical on cpu and wasm, equal to the plain-JS reference', async () => {
    // A kernel with residuals on 0 after the first base (equal magnitudes) and a wide range of values.
    const shape = [3, 3, 40, 8];
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0.25 : Math.sin(i * 12.9898) * 0.7));
    const read = async () => {
      const w = tf.tensor(vals, shape);
      const d = srbDecompose(w, { order: 2 });
      const out = { signs: d.signs.map((t) => Array.from(t.dataSync())), alphas: d.alphas.map((t) => Array.from(t.dataSync())), bin: Array.from(d.binarized.dataSync()) };
      tf.dispose([w, d.mean, d.binarized, ...d.signs, ...d.alphas]);
      return out;
    };
    const prev = tf.getBackend();
    await tf.setBackend('cpu');
    const onCpu = await read();
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    const onWasm = await read();
    await tf.setBackend(prev);
    expect(onWasm).toEqual(onCpu);
    const ref = srbReference(vals, shape, 2, true, true);
    onCpu.bin.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-6));
  });

  it('leaks no tensors', () => {
    const w = rand([2, 2, 2, 2], 7);
    const before = tf.memory().numTensors;
    const d = srbDecompose(w, { order: 2 });
    const owned = 2 + d.signs.length + d.alphas.length;
    expect(tf.memory().numTensors).toBe(before + owned);
    tf.dispose([d.mean, d.binarized, ...d.signs, ...d.alphas]);
    tf.tidy(() => srbBinarize(w, { order: 3 }).dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('srbBinarize gradient (surrogate)', () => {
  /** dL/dW by the analytic definition: g·Σ_k m_k Π_{j<k}(1−m_j), then minus the channel mean when centering. */
  function analyticGrad(w: tf.Tensor, g: tf.Tensor, order: number, center: boolean): { grad: tf.Tensor; masks: tf.Tensor[] } {
    const axes = Array.from({ length: w.rank - 1 }, (_, i) => i);
    let r = center ? tf.sub(w, tf.mean(w, axes, true)) : w;
    let through = tf.onesLike(w); // Π_{j<k} (1 − m_j)
    let factor = tf.zerosLike(w);
    const masks: tf.Tensor[] = [];
    for (let k = 0; k < order; k++) {
      const m = tf.cast(tf.lessEqual(tf.abs(r), 1), 'float32');
      masks.push(m);
      factor = tf.add(factor, tf.mul(m, through));
      through = tf.mul(through, tf.sub(1, m));
      r = tf.sub(r, tf.mul(tf.mean(tf.abs(r), axes, true), sign(r)));
    }
    const gt = tf.mul(g, factor);
    return { grad: center ? tf.sub(gt, tf.mean(gt, axes, true)) : gt, masks };
  }

  for (const order of [1, 2, 3]) {
    for (const center of [true, false]) {
      it(`order ${order}, center ${center}: tf.grad equals the analytic surrogate element-wise`, () => {
        const w = rand([3, 3, 4, 6], 10 + order, 1.6); // wide enough that some |R| > 1
        const g = rand([3, 3, 4, 6], 20 + order);
        const got = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(srbBinarize(t, { order, center }), g)))(w);
        const { grad, masks } = analyticGrad(w, g, order, center);
        expectMixedMask(masks[0]);
        if (order >= 2) expectMixedMask(masks[1]);
        expectClose(got, grad);
      });
    }
  }
});
