// Shared test helpers for @frb/layers.
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';

/** Element-wise |a − b| ≤ atol + rtol·|b|, reporting the worst element. */
export function expectClose(a: tf.Tensor | ArrayLike<number>, b: tf.Tensor | ArrayLike<number>, rtol = 1e-5, atol = 1e-5): void {
  const av = a instanceof tf.Tensor ? a.dataSync() : a;
  const bv = b instanceof tf.Tensor ? b.dataSync() : b;
  if (a instanceof tf.Tensor && b instanceof tf.Tensor) expect(a.shape).toEqual(b.shape);
  expect(av.length).toBe(bv.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < av.length; i++) {
    const excess = Math.abs(av[i] - bv[i]) - (atol + rtol * Math.abs(bv[i]));
    if (!(excess <= worst)) { worst = excess; at = i; }
  }
  if (at >= 0) expect.fail(`element ${at}: ${av[at]} vs ${bv[at]} (tolerance exceeded by ${worst})`);
}

/** Deterministic pseudo-random tensor (seeded), scaled. */
export function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
}

/** Asserts that a 0/1 mask has both values, so a masked-gradient check is not vacuous. */
export function expectMixedMask(mask: tf.Tensor): void {
  const v = mask.dataSync();
  let ones = 0;
  for (const x of v) ones += x;
  expect(ones).toBeGreaterThan(0);
  expect(ones).toBeLessThan(v.length);
}

/** Seeded xorshift in [0, 1): the same draws in every run (the native tests compare bits). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}
