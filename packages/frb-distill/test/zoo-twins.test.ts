// DBT on the zoo's twins: FRBC (binary student) learns from SRResNet (its FP twin) through `body/block_NN`.
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@frb/models';
import { DBTCallback, autoPairs, DISTILL_LOG_KEY } from '@frb/distill';
import { weightsOf, maxAbsDiff, randomData, referenceStep } from './helpers.js';

const opts = { scale: 2, features: 8, blocks: 2 };

describe('DBT with the zoo twins (frbc ← srresnet)', () => {
  it('pairs every body/block_NN automatically', () => {
    const student = createModel('frbc', opts);
    const teacher = createModel('srresnet', opts);
    expect(autoPairs(student, teacher)).toEqual([
      { student: 'body/block_00', teacher: 'body/block_00' },
      { student: 'body/block_01', teacher: 'body/block_01' },
    ]);
  });

  it('one fit step equals one hand-written L1 + w·L_dis step; teacher frozen; no leak; hooks removed', async () => {
    const a = createModel('frbc', { ...opts, name: 'frbc_a' });
    const b = createModel('frbc', { ...opts, name: 'frbc_b' });
    b.setWeights(a.getWeights());
    const teacher = createModel('srresnet', opts);
    const t0 = weightsOf(teacher);
    const x = randomData([2, 6, 6, 3], 1);
    const y = randomData([2, 12, 12, 3], 2);
    a.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanAbsoluteError' });
    const n0 = tf.memory().numTensors;
    const h = await a.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 1, form: 'spatial' })] });
    // Adam created its slots on the first step (2 per trainable weight); nothing else may remain.
    expect(tf.memory().numTensors - n0).toBe(2 * a.trainableWeights.length);
    const opt = tf.train.adam(1e-3);
    referenceStep(b, teacher, x, y, opt, 1, 'spatial', ['body/block_00', 'body/block_01']);
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(weightsOf(teacher), t0)).toBe(0);
    expect(h.history[DISTILL_LOG_KEY][0] as number).toBeGreaterThan(0);
    expect(a.layers.some((l) => Object.prototype.hasOwnProperty.call(l, 'call') || l.losses.length > 0)).toBe(false);
    tf.dispose([x, y]);
    opt.dispose();
  });
});

describe('DBT with the Transformer twins (frbt ← swinir-s)', () => {
  it('pairs body/rstb_N automatically and trains one step without leaks or hooks left', async () => {
    const o = { scale: 2, features: 8, blocks: 2, depth: 1, numHeads: 2, windowSize: 4 };
    const student = createModel('frbt', o);
    const teacher = createModel('swinir-s', o);
    const pairs = autoPairs(student, teacher);
    expect(pairs.map((p) => p.student)).toEqual(['body/rstb_0', 'body/rstb_1']);
    const x = randomData([1, 8, 8, 3], 3);
    const y = randomData([1, 16, 16, 3], 4);
    student.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanAbsoluteError' });
    const n0 = tf.memory().numTensors;
    const w0 = weightsOf(teacher);
    const h = await student.fit(x, y, { epochs: 1, batchSize: 1, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 1 })] });
    expect(tf.memory().numTensors).toBe(n0);
    expect(Number.isFinite(h.history[DISTILL_LOG_KEY][0] as number)).toBe(true);
    expect(h.history[DISTILL_LOG_KEY][0] as number).toBeGreaterThan(0);
    expect(maxAbsDiff(weightsOf(teacher), w0)).toBe(0);
    expect(student.layers.some((l) => Object.prototype.hasOwnProperty.call(l, 'call') || l.losses.length > 0)).toBe(false);
    tf.dispose([x, y]);
  });
});
