import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LearnableBias, RPReLU, learnableBias, rprelu } from '@frb/layers';
import { expectClose, rand } from './helpers.js';

describe('RPReLU', () => {
  it('computes PReLU(x − γ) + ζ per channel', () => {
    const x = tf.tensor2d([[-1, 0.5, 2], [0.2, -3, 1]]);
    const layer = rprelu({ name: 'act' });
    layer.build(x.shape);
    const gamma = [0.5, -1, 0], alpha = [0.1, 0.2, 0.3], zeta = [1, 0, -1];
    layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(alpha), tf.tensor1d(zeta)]);
    const xv = x.arraySync() as number[][];
    const expected = xv.map((row) => row.map((v, c) => {
      const s = v - gamma[c];
      return (s > 0 ? s : alpha[c] * s) + zeta[c];
    }));
    expectClose(layer.apply(x) as tf.Tensor, expected.flat());
  });

  it('initializes γ = ζ = 0 and slope 0.25 (or alphaInit) on the last axis of rank-4 input', () => {
    const layer = rprelu({ alphaInit: 0.1 });
    layer.build([null, 4, 4, 3]);
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma', 'alpha', 'zeta']);
    expectClose(layer.alpha!.read(), [0.1, 0.1, 0.1]);
    const x = rand([1, 2, 2, 3], 1);
    expectClose(layer.apply(x) as tf.Tensor, tf.prelu(x, tf.fill([3], 0.1)));
  });

  it('gradients w.r.t. γ, slope and ζ match the definition', () => {
    const x = rand([5, 2], 2);
    const layer = rprelu();
    layer.build(x.shape);
    layer.setWeights([tf.tensor1d([0.3, -0.2]), tf.tensor1d([0.25, 0.5]), tf.tensor1d([0, 0])]);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars);
    const s = tf.sub(x, tf.tensor1d([0.3, -0.2]));
    const pos = tf.cast(tf.greater(s, 0), 'float32');
    const slope = tf.add(pos, tf.mul(tf.sub(1, pos), tf.tensor1d([0.25, 0.5])));
    expectClose(grads[vars[0].name], tf.neg(tf.sum(slope, 0)));
    expectClose(grads[vars[1].name], tf.sum(tf.mul(tf.sub(1, pos), s), 0));
    expectClose(grads[vars[2].name], [5, 5]);
  });

  it('errors name the layer; config round-trips', () => {
    expect(() => rprelu({ name: 'r1' }).build([null])).toThrow(/RPReLU 'r1'/);
    expect(() => rprelu({ alphaInit: Number.NaN, name: 'r2' })).toThrow(/RPReLU 'r2': alphaInit/);
    const c = rprelu({ alphaInit: 0.125, name: 'r3' }).getConfig();
    expect((RPReLU.fromConfig(RPReLU, c) as RPReLU).getConfig()).toEqual(c);
  });
});

describe('LearnableBias', () => {
  it('adds a per-channel shift (zero-initialized) and its gradient sums over other axes', () => {
    const x = rand([2, 3, 4], 3);
    const layer = learnableBias({ name: 'move' });
    expectClose(layer.apply(x) as tf.Tensor, x);
    layer.setWeights([tf.tensor1d([1, -1, 0.5, 0])]);
    expectClose(layer.apply(x) as tf.Tensor, tf.add(x, tf.tensor1d([1, -1, 0.5, 0])));
    const v = layer.bias!.read() as tf.Variable;
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, x)) as tf.Scalar, [v]);
    expectClose(grads[v.name], tf.sum(x, [0, 1]));
  });

  it('round-trips through a model JSON', async () => {
    const model = tfl.sequential({ layers: [learnableBias({ inputShape: [3], name: 'lb' }), rprelu({ name: 'rp' })] });
    const loaded = await tfl.models.modelFromJSON(model.toJSON(null, false) as never);
    expect(loaded.getLayer('lb')).toBeInstanceOf(LearnableBias);
    expect(loaded.getLayer('rp')).toBeInstanceOf(RPReLU);
    expect(() => learnableBias({ name: 'lb2' }).build([null])).toThrow(/LearnableBias 'lb2'/);
  });
});
