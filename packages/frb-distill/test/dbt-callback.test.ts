import { describe, it, expect, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DBTCallback, attentionLoss, DISTILL_LOG_KEY, type AttentionForm } from '@frb/distill';
import { tinySR, weightsOf, maxAbsDiff, randomData, referenceStep } from './helpers.js';

const BLOCKS = ['body/block_00', 'body/block_01'];

function twins(seedStudent = 1, seedTeacher = 2) {
  const a = tinySR({ seed: seedStudent, name: 'student_a' });
  const b = tinySR({ seed: seedStudent, name: 'student_b' });
  b.setWeights(a.getWeights());
  const teacher = tinySR({ seed: seedTeacher, name: 'teacher' });
  return { a, b, teacher };
}

function hookState(m: tfl.LayersModel) {
  return m.layers.map((l) => ({ name: l.name, ownCall: Object.prototype.hasOwnProperty.call(l, 'call'),
    losses: l.losses.length }));
}

describe('DBTCallback with model.fit (cpu)', () => {
  const x = randomData([3, 6, 6, 2], 11);
  const y = randomData([3, 6, 6, 2], 12);

  for (const [form, optName] of [['spatial', 'sgd'], ['elementwise', 'sgd'], ['spatial', 'adam']] as const) {
    it(`one fit step equals one hand-written L1 + w·L_dis step (${form}, ${optName})`, async () => {
      const { a, b, teacher } = twins();
      const mk = () => (optName === 'sgd' ? tf.train.sgd(0.5) : tf.train.adam(0.01));
      a.compile({ optimizer: mk(), loss: 'meanAbsoluteError' });
      const before = weightsOf(a);
      await a.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false, verbose: 0,
        callbacks: [new DBTCallback({ teacher, weight: 2, form })] });
      referenceStep(b, teacher, x, y, mk(), 2, form, BLOCKS);
      expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBeLessThanOrEqual(1e-5);
      // The distillation term really moved the weights: a plain L1 step lands elsewhere.
      const c = tinySR({ seed: 1, name: 'student_c' });
      c.setWeights(b.getWeights().map((w, i) => tf.tensor(before[i], w.shape)));
      c.compile({ optimizer: mk(), loss: 'meanAbsoluteError' });
      await c.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false, verbose: 0 });
      expect(maxAbsDiff(weightsOf(a), weightsOf(c))).toBeGreaterThan(1e-4);
    });
  }

  it('with weight 0 equals plain fit, and still reports the distillation loss', async () => {
    const { a, b, teacher } = twins(3, 4);
    a.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanAbsoluteError' });
    b.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanAbsoluteError' });
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 0 })] });
    const hb = await b.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBe(0);
    expect(ha.history.loss).toEqual(hb.history.loss);
    expect(ha.history[DISTILL_LOG_KEY]).toHaveLength(2);
    expect(ha.history[DISTILL_LOG_KEY][0]).toBeGreaterThan(0);
  });

  it('reports logs.distill per batch (before the step) and its epoch mean in history', async () => {
    const { a, teacher } = twins(5, 6);
    a.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    // Expected per-batch L_dis on the weights at the start of each batch (batches of 2 then 1, no shuffle).
    const expected: number[] = [];
    const batchLogs: number[] = [];
    const sizes: number[] = [];
    const sFeat = tfl.model({ inputs: a.inputs, outputs: BLOCKS.map((p) => a.getLayer(p).output as tfl.SymbolicTensor) });
    const tFeat = tfl.model({ inputs: teacher.inputs, outputs: BLOCKS.map((p) => teacher.getLayer(p).output as tfl.SymbolicTensor) });
    const probe = new tfl.CustomCallback({
      onBatchBegin: async (batch) => {
        const xb = tf.slice(x, [batch * 2], [batch === 0 ? 2 : 1]);
        expected.push(tf.tidy(() => attentionLoss(sFeat.predict(xb) as tf.Tensor[], tFeat.predict(xb) as tf.Tensor[])
          .dataSync()[0]));
        xb.dispose();
      },
      onBatchEnd: async (_b, logs) => {
        batchLogs.push(logs![DISTILL_LOG_KEY] as number);
        sizes.push(logs!.size as number);
      },
    });
    const h = await a.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 1, form: 'spatial' }), probe] });
    expect(batchLogs).toHaveLength(2);
    batchLogs.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    const mean = (batchLogs[0] * sizes[0] + batchLogs[1] * sizes[1]) / (sizes[0] + sizes[1]);
    expect(h.history[DISTILL_LOG_KEY][0] as number).toBeCloseTo(mean, 5);
  });

  it('never changes the teacher', async () => {
    const { a, teacher } = twins(7, 8);
    const t0 = weightsOf(teacher);
    a.compile({ optimizer: tf.train.adam(0.05), loss: 'meanAbsoluteError' });
    await a.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, callbacks: [new DBTCallback({ teacher, weight: 5 })] });
    expect(maxAbsDiff(weightsOf(teacher), t0)).toBe(0);
  });

  it('keeps tf.memory().numTensors flat over 50 steps and leaves nothing behind', async () => {
    const { a, teacher } = twins(9, 10);
    a.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanAbsoluteError' });
    const cb = new DBTCallback({ teacher, weight: 1 });
    const counts: number[] = [];
    const probe = new tfl.CustomCallback({ onBatchEnd: async () => { counts.push(tf.memory().numTensors); } });
    const x50 = randomData([50, 6, 6, 2], 13);
    const y50 = randomData([50, 6, 6, 2], 14);
    const start = tf.memory().numTensors;
    await a.fit(x50, y50, { epochs: 1, batchSize: 1, verbose: 0, callbacks: [cb, probe] });
    expect(counts).toHaveLength(50);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[counts.length - 1] - counts[0]).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
    expect(Number.isFinite(a.history.history[DISTILL_LOG_KEY][0] as number)).toBe(true);
    tf.dispose([x50, y50]);
  });

  it('removes its hooks and closure at onTrainEnd, leaving the student as it was', async () => {
    const { a, b, teacher } = twins(11, 12);
    const before = hookState(a);
    a.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const cb = new DBTCallback({ teacher, weight: 1 });
    let during: ReturnType<typeof hookState> = [];
    const probe = new tfl.CustomCallback({ onBatchEnd: async () => { during = hookState(a); } });
    await a.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, callbacks: [cb, probe] });
    expect(during.some((l) => l.ownCall)).toBe(true);
    expect(during.reduce((s, l) => s + l.losses, 0)).toBe(1);
    expect(hookState(a)).toEqual(before);
    expect(cb.attached).toBe(false);
    // Same weights → same predictions as an untouched twin.
    b.setWeights(a.getWeights());
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0]);
    expect(d).toBe(0);
  });

  it('leaves inference calls during training unaffected', async () => {
    const { a, b, teacher } = twins(13, 14);
    a.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const diffs: number[] = [];
    const probe = new tfl.CustomCallback({
      onBatchEnd: async () => {
        b.setWeights(a.getWeights());
        diffs.push(tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0]));
      },
    });
    const n0 = tf.memory().numTensors;
    await a.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0, callbacks: [new DBTCallback({ teacher }), probe] });
    expect(diffs).toEqual([0, 0]);
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('can be reused for a second fit', async () => {
    const { a, teacher } = twins(15, 16);
    a.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const cb = new DBTCallback({ teacher, weight: 1 });
    const h1 = await a.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, callbacks: [cb] });
    const h2 = await a.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, callbacks: [cb] });
    expect(h1.history[DISTILL_LOG_KEY]).toHaveLength(1);
    expect(h2.history[DISTILL_LOG_KEY]).toHaveLength(1);
    expect(cb.attached).toBe(false);
  });

  it('works with a Sequential student and explicit pairs', async () => {
    const seq = (seed: number) => tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [4], units: 5, name: 'feat_a', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dense({ units: 3, name: 'feat_b', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ] });
    const s1 = seq(1);
    const s2 = seq(1);
    s2.setWeights(s1.getWeights());
    const teacher = seq(5);
    const xs = randomData([4, 4], 21);
    const ys = randomData([4, 3], 22);
    s1.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanAbsoluteError' });
    await s1.fit(xs, ys, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 3, form: 'elementwise', pairs: [['feat_a', 'feat_a']] })] });
    referenceStep(s2, teacher, xs, ys, tf.train.sgd(0.3), 3, 'elementwise', ['feat_a']);
    expect(maxAbsDiff(weightsOf(s1), weightsOf(s2))).toBeLessThanOrEqual(1e-5);
  });

  it('handles a paired layer that returns its input unchanged (linear activation)', async () => {
    const make = (seed: number, name: string) => {
      const xi = tfl.input({ shape: [4, 4, 2] });
      const c = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'conv',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }) }).apply(xi) as tfl.SymbolicTensor;
      const blk = tfl.layers.activation({ activation: 'linear', name: 'body/block_00' }).apply(c) as tfl.SymbolicTensor;
      const out = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'tail',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }).apply(blk) as tfl.SymbolicTensor;
      return tfl.model({ inputs: xi, outputs: out, name });
    };
    const a = make(1, 'lin_a');
    const b = make(1, 'lin_b');
    b.setWeights(a.getWeights());
    const teacher = make(7, 'lin_t');
    const xs = randomData([2, 4, 4, 2], 51);
    const ys = randomData([2, 4, 4, 2], 52);
    a.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanAbsoluteError' });
    const n0 = tf.memory().numTensors;
    await a.fit(xs, ys, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 3, form: 'spatial' })] });
    expect(tf.memory().numTensors).toBe(n0);
    referenceStep(b, teacher, xs, ys, tf.train.sgd(0.5), 3, 'spatial', ['body/block_00']);
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBeLessThanOrEqual(1e-5);
    tf.dispose([xs, ys]);
  });

  it('distills into a block inside a nested student sub-model', async () => {
    // Student: input → [nested model: dense 'inner/block_00'] → dense; teacher is flat with 'inner/block_00'.
    const xi = tfl.input({ shape: [4] });
    const inner = tfl.model({ inputs: xi, outputs: tfl.layers.dense({ units: 5, name: 'inner/block_00',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(xi) as tfl.SymbolicTensor, name: 'innernet' });
    const xo = tfl.input({ shape: [4] });
    const h = inner.apply(xo) as tfl.SymbolicTensor;
    const student = tfl.model({ inputs: xo, outputs: tfl.layers.dense({ units: 2, name: 'out',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(h) as tfl.SymbolicTensor });
    const xt = tfl.input({ shape: [4] });
    const ht = tfl.layers.dense({ units: 5, name: 'inner/block_00', kernelInitializer: tfl.initializers.glorotUniform({ seed: 8 }) })
      .apply(xt) as tfl.SymbolicTensor;
    const teacher = tfl.model({ inputs: xt, outputs: tfl.layers.dense({ units: 2, name: 'out' }).apply(ht) as tfl.SymbolicTensor });
    const xs = randomData([4, 4], 31);
    const ys = randomData([4, 2], 32);
    student.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const w0 = weightsOf(student);
    const n0 = tf.memory().numTensors;
    const hist = await student.fit(xs, ys, { epochs: 3, batchSize: 2, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 1, form: 'elementwise' })] });
    expect(tf.memory().numTensors).toBe(n0);
    expect((hist.history[DISTILL_LOG_KEY] as number[]).every((v) => v > 0)).toBe(true);
    expect(maxAbsDiff(weightsOf(student), w0)).toBeGreaterThan(0);
    expect(Object.prototype.hasOwnProperty.call(inner.getLayer('inner/block_00'), 'call')).toBe(false);
  });
});

describe('DBTCallback errors', () => {
  it('names both layers when a pair\'s shapes differ (known shapes: at fit start)', async () => {
    const student = tinySR({ seed: 1, features: 4 });
    const teacher = tinySR({ seed: 2, features: 6 });
    student.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const x = randomData([2, 6, 6, 2], 1);
    await expect(student.fit(x, x, { epochs: 1, verbose: 0, callbacks: [new DBTCallback({ teacher })] }))
      .rejects.toThrow(/student layer 'body\/block_00' \[N, 6, 6, 4\] and teacher layer 'body\/block_00' \[N, 6, 6, 6\]/);
    x.dispose();
  });

  it('names both layers when spatial sizes differ at run time, and leaves the student clean', async () => {
    // Fully convolutional student; the teacher downsamples once, so its block is half the size.
    const student = tinySR({ seed: 1, size: null });
    const xt = tfl.input({ shape: [null, null, 2] });
    const d = tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, name: 'down' }).apply(xt) as tfl.SymbolicTensor;
    const tb = tfl.layers.activation({ activation: 'relu', name: 'body/block_00' }).apply(d) as tfl.SymbolicTensor;
    const teacher = tfl.model({ inputs: xt, outputs: tb });
    student.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const before = hookState(student);
    const x = randomData([2, 6, 6, 2], 1);
    await expect(student.fit(x, x, { epochs: 1, verbose: 0, callbacks: [new DBTCallback({ teacher })] }))
      .rejects.toThrow(/student layer 'body\/block_00' \[2,6,6,4\] and teacher layer 'body\/block_00' \[2,3,3,4\]/);
    expect(hookState(student)).toEqual(before);
    x.dispose();
  });

  it('refuses a paired layer that is not on the training path (tfjs leaves it out of the model)', async () => {
    const xi = tfl.input({ shape: [3] });
    const h = tfl.layers.dense({ units: 4, name: 'trunk' }).apply(xi) as tfl.SymbolicTensor;
    tfl.layers.dense({ units: 4, name: 'side/block_00' }).apply(xi); // a branch no output depends on
    const out = tfl.layers.dense({ units: 2, name: 'out' }).apply(h) as tfl.SymbolicTensor;
    const student = tfl.model({ inputs: xi, outputs: out });
    const xt = tfl.input({ shape: [3] });
    const teacher = tfl.model({ inputs: xt, outputs: tfl.layers.dense({ units: 4, name: 'fp' }).apply(xt) as tfl.SymbolicTensor });
    student.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const x = randomData([2, 3], 1);
    const y = randomData([2, 2], 2);
    await expect(student.fit(x, y, { epochs: 1, verbose: 0,
      callbacks: [new DBTCallback({ teacher, pairs: [['side/block_00', 'fp']] })] }))
      .rejects.toThrow(/student '.*' has no layer named 'side\/block_00'/);
    expect(student.layers.some((l) => Object.prototype.hasOwnProperty.call(l, 'call') || l.losses.length > 0)).toBe(false);
    tf.dispose([x, y]);
  });

  it('rejects a missing layer, no shared blocks, a shared weight and a bad weight', async () => {
    const student = tinySR({ seed: 1 });
    const teacher = tinySR({ seed: 2, blockName: (i) => `trunk_${i}` });
    const x = randomData([2, 6, 6, 2], 1);
    student.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    await expect(student.fit(x, x, { epochs: 1, verbose: 0, callbacks: [new DBTCallback({ teacher })] }))
      .rejects.toThrow(/no block names matching .* shared by student/);
    await expect(student.fit(x, x, { epochs: 1, verbose: 0,
      callbacks: [new DBTCallback({ teacher, pairs: [{ student: 'body/block_00', teacher: 'body/block_00' }] })] }))
      .rejects.toThrow(/teacher '.*' has no layer named 'body\/block_00'/);
    await expect(student.fit(x, x, { epochs: 1, verbose: 0, callbacks: [new DBTCallback({ teacher: student })] }))
      .rejects.toThrow(/different model/);
    const shared = tfl.model({ inputs: student.inputs, outputs: student.getLayer('body/block_01').output as tfl.SymbolicTensor });
    await expect(student.fit(x, x, { epochs: 1, verbose: 0, callbacks: [new DBTCallback({ teacher: shared })] }))
      .rejects.toThrow(/share the weight/);
    expect(() => new DBTCallback({ teacher, weight: -1 })).toThrow(/weight/);
    expect(() => new DBTCallback({ teacher, form: 'pixel' as AttentionForm })).toThrow(/unknown attention form 'pixel'/);
    expect(hookState(student).some((l) => l.ownCall || l.losses > 0)).toBe(false);
    x.dispose();
  });
});

describe('DBTCallback with fitDataset', () => {
  afterEach(() => undefined);
  it('gives the same step as fit and logs distill', async () => {
    const tfd = await import('@tensorflow/tfjs-data');
    const { a, b, teacher } = twins(21, 22);
    const x = randomData([4, 6, 6, 2], 41);
    const y = randomData([4, 6, 6, 2], 42);
    a.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanAbsoluteError' });
    b.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanAbsoluteError' });
    const ds = tfd.zip({ xs: tfd.array(tf.unstack(x)), ys: tfd.array(tf.unstack(y)) }).batch(2);
    const hd = await a.fitDataset(ds as never, { epochs: 1, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 2 })] });
    const hf = await b.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0,
      callbacks: [new DBTCallback({ teacher, weight: 2 })] });
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBeLessThanOrEqual(1e-6);
    expect(hd.history[DISTILL_LOG_KEY][0] as number).toBeCloseTo(hf.history[DISTILL_LOG_KEY][0] as number, 5);
  });
});
