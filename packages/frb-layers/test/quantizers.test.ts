import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  approxSign, getQuantizer, identityQuantize, normalizeQuantizerName, QUANTIZER_NAMES, sign, signQuantize, steSign,
} from '@frb/layers';
import { expectClose } from './helpers.js';

const xs = [-2, -1, -0.75, -0.25, 0, 0.25, 0.5, 1, 1.5];

describe('sign', () => {
  it('maps 0 to +1 and keeps only two states', () => {
    expect(Array.from(sign(tf.tensor1d(xs)).dataSync())).toEqual([-1, -1, -1, -1, 1, 1, 1, 1, 1]);
    expect(Array.from(sign(tf.tensor1d([-0])).dataSync())).toEqual([1]);
  });
});

describe('quantizer forward values and pseudo-gradients', () => {
  const x = tf.tensor1d(xs);
  const dy = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const grad = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((t: tf.Tensor) => f(t))(x, dy);

  it('signQuantize: sign forward, zero gradient', () => {
    expect(Array.from(signQuantize(x).dataSync())).toEqual([-1, -1, -1, -1, 1, 1, 1, 1, 1]);
    expectClose(grad(signQuantize), xs.map(() => 0));
  });
  it('steSign: gradient passes where |x| <= clip (default 1, inclusive)', () => {
    expect(Array.from(steSign(x).dataSync())).toEqual([-1, -1, -1, -1, 1, 1, 1, 1, 1]);
    expectClose(grad((t) => steSign(t)), [0, 2, 3, 4, 5, 6, 7, 8, 0]);
    expectClose(grad((t) => steSign(t, 0.5)), [0, 0, 0, 4, 5, 6, 7, 0, 0]);
    expect(() => steSign(x, 0)).toThrow(/clip must be > 0/);
  });
  it('approxSign: gradient dy·(2 − 2|x|) on |x| <= 1, else 0', () => {
    expect(Array.from(approxSign(x).dataSync())).toEqual([-1, -1, -1, -1, 1, 1, 1, 1, 1]);
    const expected = xs.map((v, i) => (Math.abs(v) <= 1 ? (i + 1) * (2 - 2 * Math.abs(v)) : 0));
    expectClose(grad(approxSign), expected);
  });
  it('identity: passes values and gradients', () => {
    expectClose(identityQuantize(x), xs);
    expectClose(grad(identityQuantize), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('getQuantizer', () => {
  it('accepts camelCase and snake_case names', () => {
    expect(getQuantizer('approxSign').name).toBe('approxSign');
    expect(getQuantizer('approx_sign').name).toBe('approxSign');
    expect(getQuantizer('ste_sign').name).toBe('steSign');
    expect(getQuantizer('identity').name).toBe('identity');
    expect(normalizeQuantizerName('sign')).toBe('sign');
    expect([...QUANTIZER_NAMES].sort()).toEqual(['approxSign', 'identity', 'sign', 'steSign']);
  });
  it('applies the looked-up quantizer', () => {
    const q = getQuantizer('ste_sign');
    const g = tf.grad((t: tf.Tensor) => q.apply(t))(tf.tensor1d([0.5, 2]));
    expectClose(g, [1, 0]);
  });
  it('rejects unknown names, listing the known ones', () => {
    expect(() => getQuantizer('tanhSign')).toThrow(/unknown quantizer 'tanhSign'.*approxSign/);
    expect(() => getQuantizer('magic', 'MyLayer (inputQuantizer)')).toThrow(/MyLayer \(inputQuantizer\)/);
  });
});
