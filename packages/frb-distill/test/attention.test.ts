import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { attention, attentionLoss, attentionDistance, pairAttentionLoss, resolveAttentionForm, safeRowNorm } from '@frb/distill';

/** Plain-JS reference: F (N,H,W,C) as nested index → attention rows. */
function refAttention(data: Float32Array, [n, h, w, c]: number[], form: 'spatial' | 'elementwise'): number[][] {
  const rows: number[][] = [];
  for (let s = 0; s < n; s++) {
    const row: number[] = [];
    for (let i = 0; i < h * w; i++) {
      if (form === 'spatial') {
        let acc = 0;
        for (let k = 0; k < c; k++) acc += data[(s * h * w + i) * c + k] ** 2;
        row.push(acc / c);
      } else {
        for (let k = 0; k < c; k++) row.push(data[(s * h * w + i) * c + k] ** 2);
      }
    }
    const norm = Math.max(Math.sqrt(row.reduce((a, v) => a + v * v, 0)), 1e-12);
    rows.push(row.map((v) => v / norm));
  }
  return rows;
}

const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

describe('attention forms (inferred)', () => {
  const shape = [2, 3, 2, 4];
  const f = tf.randomNormal(shape, 0, 1, 'float32', 3);
  const data = f.dataSync() as Float32Array;

  for (const form of ['spatial', 'elementwise'] as const) {
    it(`${form}: matches a plain-JS computation and has unit rows`, () => {
      const a = attention(f, form);
      expect(a.shape).toEqual([2, form === 'spatial' ? 6 : 24]);
      const got = a.arraySync();
      const want = refAttention(data, shape, form);
      got.forEach((row, s) => row.forEach((v, i) => expect(v).toBeCloseTo(want[s][i], 6)));
      got.forEach((row) => expect(Math.hypot(...row)).toBeCloseTo(1, 6));
      a.dispose();
    });
  }

  it('is invariant to the scale of the features (normalized), but not to their pattern', () => {
    const a = attention(f, 'spatial');
    const b = tf.tidy(() => attention(tf.mul(f, 7), 'spatial'));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBeLessThan(1e-6);
    tf.dispose([a, b]);
  });

  it('keeps an all-zero block at 0 with finite (zero) gradients', () => {
    const z = tf.zeros([1, 2, 2, 3]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(attention(x, 'elementwise')))(z);
    expect(Array.from(attention(z, 'spatial').dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([z, g]);
  });

  it('safeRowNorm: value is the L2 norm, gradient x/‖x‖, and 0 (not NaN) at a zero row', () => {
    const x = tf.tensor2d([[3, 4], [0, 0]]);
    expect(Array.from(safeRowNorm(x).dataSync())).toEqual([5, 0]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(safeRowNorm(t as tf.Tensor2D)))(x);
    const gv = Array.from(g.dataSync());
    [0.6, 0.8, 0, 0].forEach((v, i) => expect(gv[i]).toBeCloseTo(v, 6));
    tf.dispose([x, g]);
  });

  it('accepts snake_case and rejects unknown forms by name', () => {
    expect(resolveAttentionForm('element_wise')).toBe('elementwise');
    expect(resolveAttentionForm('Spatial')).toBe('spatial');
    expect(() => resolveAttentionForm('pixel', 'MyCallback')).toThrow(/MyCallback: unknown attention form 'pixel'/);
    expect(() => attention(tf.scalar(1), 'spatial', 'here')).toThrow(/here: block output must have/);
  });
});

describe('attention loss L_dis', () => {
  const s1 = tf.randomNormal([3, 2, 2, 4], 0, 1, 'float32', 1);
  const t1 = tf.randomNormal([3, 2, 2, 4], 0, 1, 'float32', 2);
  const s2 = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 3);
  const t2 = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 4);

  it('is the mean over pairs of the per-sample ‖A_s − A_t‖₂ averaged over samples', () => {
    for (const form of ['spatial', 'elementwise'] as const) {
      const pairLoss = (s: tf.Tensor, t: tf.Tensor) => {
        const a = refAttention(s.dataSync() as Float32Array, s.shape, form);
        const b = refAttention(t.dataSync() as Float32Array, t.shape, form);
        return a.reduce((acc, row, i) => acc + dist(row, b[i]), 0) / a.length;
      };
      const want = (pairLoss(s1, t1) + pairLoss(s2, t2)) / 2;
      const got = attentionLoss([s1, s2], [t1, t2], form);
      expect(got.dataSync()[0]).toBeCloseTo(want, 6);
      got.dispose();
    }
  });

  it('is 0 with zero gradient when student equals teacher (no NaN)', () => {
    const g = tf.grad((x: tf.Tensor) => attentionLoss([x], [s1]))(s1);
    expect(attentionLoss([s1], [s1]).dataSync()[0]).toBe(0);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    g.dispose();
  });

  it('pulls the student towards the teacher: a gradient step lowers L_dis', () => {
    const loss = (x: tf.Tensor) => attentionLoss([x], [t1]);
    const g = tf.grad(loss)(s1);
    const l0 = loss(s1).dataSync()[0];
    const l1 = tf.tidy(() => loss(tf.sub(s1, tf.mul(g, 0.5))).dataSync()[0]);
    expect(l1).toBeLessThan(l0);
    g.dispose();
  });

  it('names both layers when shapes differ', () => {
    expect(() => pairAttentionLoss(s1, s2, 'spatial', { student: 'body/block_03', teacher: 'fp/block_03' }))
      .toThrow(/student 'body\/block_03' \/ teacher 'fp\/block_03'.*student \[3,2,2,4\] vs teacher \[3,4,4,2\]/);
    expect(() => attentionDistance(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D, 'pair x'))
      .toThrow(/pair x: attention shapes differ/);
    expect(() => attentionLoss([s1], [])).toThrow(/as many teacher as student/);
  });

  it('does not leak tensors', () => {
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) attentionLoss([s1, s2], [t1, t2], 'elementwise').dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });
});
