// The one DBT term, the 'channel' attention form, the gradient-ratio measurement and weight 'auto'.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  DBTCallback, GRAD_RATIO_LOG_KEY, attention, attentionLoss, balancedWeight, dbtTerm, measureGradRatio,
} from '@frb/distill';
import { maxAbsDiff, randomData, tinySR, weightsOf } from './helpers.js';

describe("'channel' attention form (this project's reading)", () => {
  it('each channel map F²[..., c] is unit-norm over the positions, scaled by 1/√C; rows have norm 1', () => {
    const f = tf.sub(randomData([2, 3, 2, 4], 7), 0.5);
    const a = attention(f, 'channel').arraySync() as number[][];
    const v = f.arraySync() as number[][][][];
    const C = 4;
    for (let n = 0; n < 2; n++) {
      expect(a[n]!.length).toBe(3 * 2 * C);
      let rowSq = 0;
      for (let c = 0; c < C; c++) {
        const sq: number[] = [];
        for (let h = 0; h < 3; h++) for (let w = 0; w < 2; w++) sq.push(v[n]![h]![w]![c]! ** 2);
        const norm = Math.hypot(...sq);
        sq.forEach((x, k) => expect(a[n]![c * 6 + k]!).toBeCloseTo(x / norm / Math.sqrt(C), 6));
        rowSq += sq.reduce((s, x) => s + (x / norm / Math.sqrt(C)) ** 2, 0);
      }
      expect(Math.sqrt(rowSq)).toBeCloseTo(1, 6);
    }
    f.dispose();
  });
});

describe('dbtTerm', () => {
  it('is weight · attentionLoss, and rejects a bad weight by name', () => {
    const s = [randomData([2, 4, 4, 3], 1), randomData([2, 4, 4, 3], 2)];
    const t = [randomData([2, 4, 4, 3], 3), randomData([2, 4, 4, 3], 4)];
    const n0 = tf.memory().numTensors;
    for (const form of ['spatial', 'elementwise', 'channel'] as const) {
      const { lDis, term } = dbtTerm(s, t, { form, weight: 0.25 });
      const ref = attentionLoss(s, t, form);
      expect(lDis.dataSync()[0]).toBeCloseTo(ref.dataSync()[0]!, 7);
      expect(term.dataSync()[0]).toBeCloseTo(0.25 * ref.dataSync()[0]!, 7);
      expect(ref.dataSync()[0]).toBeGreaterThan(0.01);
      tf.dispose([lDis, term, ref]);
    }
    expect(tf.memory().numTensors).toBe(n0);
    expect(() => dbtTerm(s, t, { form: 'spatial', weight: -1 })).toThrow(/dbtTerm: DBT `weight` must be a finite number ≥ 0 or 'auto', got -1/);
    tf.dispose([...s, ...t]);
  });
});

describe('measureGradRatio and weight auto', () => {
  it('measures the two gradient norms as hand-written variableGrads do, without changing or leaking anything', () => {
    const student = tinySR({ seed: 1 });
    const teacher = tinySR({ seed: 2, name: 'teacher' });
    const x = randomData([2, 6, 6, 2], 5);
    const y = randomData([2, 6, 6, 2], 6);
    const before = weightsOf(student);
    const n0 = tf.memory().numTensors;
    const g = measureGradRatio({ student, teacher, x, y, form: 'spatial' });
    expect(tf.memory().numTensors).toBe(n0);
    expect(maxAbsDiff(weightsOf(student), before)).toBe(0);
    const vars = student.trainableWeights.map((w) => w.read() as tf.Variable);
    const norm = (f: () => tf.Scalar) => tf.tidy(() => {
      const { grads } = tf.variableGrads(f, vars);
      return Math.sqrt(Object.values(grads).reduce((s, t) => s + tf.sum(tf.square(t)).dataSync()[0]!, 0));
    });
    const task = norm(() => tf.mean(tf.abs(tf.sub(student.apply(x, { training: true }) as tf.Tensor, y))) as tf.Scalar);
    const names = ['body/block_00', 'body/block_01'];
    const tOut = names.map((n) => tfl.model({ inputs: teacher.inputs, outputs: teacher.getLayer(n).output as never }).predict(x) as tf.Tensor);
    const sModel = tfl.model({ inputs: student.inputs, outputs: names.map((n) => student.getLayer(n).output) as never });
    const dis = norm(() => attentionLoss(sModel.apply(x, { training: true }) as tf.Tensor[], tOut, 'spatial'));
    expect(g.taskNorm).toBeCloseTo(task, 5);
    expect(g.distillNorm).toBeCloseTo(dis, 5);
    expect(g.ratio).toBeCloseTo(dis / task, 3);
    expect(balancedWeight(g, 0.5) * g.ratio).toBeCloseTo(0.5, 10);
    expect(() => balancedWeight(g, 0)).toThrow(/gradFraction must be a number > 0/);
    expect(() => balancedWeight({ taskNorm: 1, distillNorm: 0, ratio: 0 }, 1)).toThrow(/distillation gradient is 0/);
    tf.dispose([x, y, ...tOut]);
  });

  it("DBTCallback weight 'auto' needs a calibration batch, sets the weight from it and logs distillGradRatio", async () => {
    const student = tinySR({ seed: 3 });
    const teacher = tinySR({ seed: 4, name: 'teacher' });
    const x = randomData([2, 6, 6, 2], 8);
    const y = randomData([2, 6, 6, 2], 9);
    expect(() => new DBTCallback({ teacher, weight: 'auto' })).toThrow(/weight 'auto' needs `calibration: \{x, y\}`/);
    expect(() => new DBTCallback({ teacher, weight: 'auto', gradFraction: -2, calibration: { x, y } })).toThrow(/gradFraction must be a number > 0/);
    const dbt = new DBTCallback({ teacher, weight: 'auto', gradFraction: 0.3, form: 'channel', calibration: { x, y } });
    student.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanAbsoluteError' });
    const n0 = tf.memory().numTensors;
    const h = await student.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [dbt] });
    const g = dbt.gradRatio!;
    expect(dbt.weight * g.ratio).toBeCloseTo(0.3, 8);
    expect(h.history[GRAD_RATIO_LOG_KEY]).toHaveLength(2);
    for (const v of h.history[GRAD_RATIO_LOG_KEY] as number[]) expect(v).toBeCloseTo(0.3, 6);
    expect((h.history['distill'] as number[])[0]).toBeGreaterThan(0);
    // measured once: a second fit keeps the weight although the student has moved
    const w = dbt.weight;
    await student.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: [dbt] });
    expect(dbt.weight).toBe(w);
    expect(tf.memory().numTensors).toBe(n0);
    student.optimizer.dispose();
    tf.dispose([x, y]);
  });
});
