// The reproduction measures what users run: N steps of @frb/train's loop with DBT leave the student's weights
// where N steps of plain `student.fit(...)` with DBTCallback leave them (same data, Adam, learning rate and DBT
// setting, fixed or 'auto').
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { patchBatches, writePng } from '@frb/datasets';
import { createModel } from '@frb/models';
import { DBTCallback, type AttentionForm } from '@frb/distill';
import { loadModel, saveModel } from '@frb/layers/node';
import { JsonlLogger, createSeededModel, loadTrainingPairs, train, validateConfig } from '@frb/train';
import { smoothImage } from './helpers.js';

let root: string;
const quiet = { write: () => true };
const STEPS = 6;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'frb-fit-eq-'));
  for (let i = 0; i < 4; i++) await writePng(join(root, 'imgs', `im${i}.png`), smoothImage(30 + 2 * i, 34, 3, 20 + i));
  const teacher = createModel('srresnet', { scale: 2, features: 8, blocks: 2 });
  await saveModel(teacher, join(root, 'teacher'));
  teacher.dispose();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function maxAbsDiff(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((t, i) => {
    const x = t.dataSync();
    const y = b[i]!.dataSync();
    expect(x.length).toBe(y.length);
    for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs(x[j]! - y[j]!));
  });
  return m;
}

async function compare(form: AttentionForm, weight: number | 'auto', out: string): Promise<{ diff: number; moved: number; weight: number }> {
  const raw = {
    name: 'eq', seed: 5,
    model: { name: 'frbc', scale: 2, features: 8, blocks: 2 },
    data: { train: 'imgs', patch_size: 8, batch_size: 2, cache_dir: false },
    train: { iterations: STEPS, optimizer: { lr: 2e-3 }, dbt: { teacher: 'teacher', weight, grad_fraction: 0.5, form } },
    checkpoint: { interval: STEPS }, log_interval: 1, output: out,
  };
  const cfg = validateConfig(raw, root, 'eq.yaml');
  const r = await train(cfg, { stderr: quiet });
  expect(r.stopped).toBe('done');
  const viaTrainer = await loadModel(join(r.modelDir!, 'model.json'));

  // The same run as a user writes it: the seeded student, fit one batch at a time with the callback.
  const student = createSeededModel('frbc', 2, { features: 8, blocks: 2 }, 5);
  const initial = student.getWeights().map((w) => w.clone());
  const teacher = await loadModel(join(root, 'teacher', 'model.json'));
  const { lr, betas, eps } = cfg.train.optimizer;
  student.compile({ optimizer: tf.train.adam(lr, betas[0], betas[1], eps), loss: 'meanAbsoluteError' });
  const { pairs } = await loadTrainingPairs(cfg, quiet);
  const batches = patchBatches(pairs, { scale: 2, patchSize: 8, batchSize: 2, seed: 5, augment: true, iterations: STEPS, cacheDir: false });
  let dbt: DBTCallback | null = null;
  const calibration: tf.Tensor[] = [];
  for await (const b of batches) {
    const x = tf.tensor4d(b.xs, [b.batchSize, 8, 8, 3]);
    const y = tf.tensor4d(b.ys, [b.batchSize, 16, 16, 3]);
    if (!dbt) {
      calibration.push(x.clone(), y.clone());
      dbt = new DBTCallback({ teacher, form, weight, gradFraction: 0.5, calibration: { x: calibration[0]!, y: calibration[1]! } });
    }
    await student.fit(x, y, { epochs: 1, batchSize: b.batchSize, shuffle: false, verbose: 0, callbacks: [dbt] });
    tf.dispose([x, y]);
  }
  const diff = maxAbsDiff(student.getWeights(), viaTrainer.getWeights());
  const moved = maxAbsDiff(student.getWeights(), initial);
  const w = dbt!.weight;
  expect(r.dbtWeight).not.toBeNull();
  expect(Math.abs(r.dbtWeight! - w)).toBeLessThanOrEqual(1e-6 * w);
  tf.dispose([...initial, ...calibration]);
  student.optimizer.dispose();
  [student, teacher, viaTrainer].forEach((m) => m.dispose());
  return { diff, moved, weight: w };
}

describe('trainer with DBT == model.fit with DBTCallback', () => {
  it(`fixed weight, spatial form: ${STEPS} steps give the same weights (<= 1e-5)`, async () => {
    const n0 = tf.memory().numTensors;
    const { diff, moved, weight } = await compare('spatial', 0.05, 'runs/fixed');
    expect(weight).toBe(0.05);
    expect(moved).toBeGreaterThan(1e-3); // the steps did move the weights
    expect(diff).toBeLessThanOrEqual(1e-5);
    expect(tf.memory().numTensors).toBe(n0);
  });

  it(`weight 'auto', channel form: the same measured weight and the same ${STEPS} steps`, async () => {
    const { diff, moved, weight } = await compare('channel', 'auto', 'runs/auto');
    expect(weight).toBeGreaterThan(0);
    expect(moved).toBeGreaterThan(1e-3);
    expect(diff).toBeLessThanOrEqual(1e-5);
    const dbtEvent = (await new JsonlLogger(join(root, 'runs/auto/log.jsonl')).read()).find((e) => e.event === 'dbt')!;
    expect(dbtEvent.configured).toBe('auto');
    // 'auto' makes the distillation gradient grad_fraction times the L1 gradient on the first batch
    expect(dbtEvent.distill_grad_ratio as number).toBeCloseTo(0.5, 6);
    expect((dbtEvent.weight as number) * (dbtEvent.distill_grad_norm as number) / (dbtEvent.task_grad_norm as number)).toBeCloseTo(0.5, 6);
  });
});
