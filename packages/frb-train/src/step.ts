// One optimizer step: L1 (+ the DBT term from @frb/distill, the same function DBTCallback calls inside fit),
// the loss checked before the update so a non-finite step never reaches the weights.
import * as tf from '@tensorflow/tfjs-core';
import { balancedWeight, dbtTerm, measureGradRatio, runBlocks, type GradRatio } from '@frb/distill';
import type { RunModels } from './setup.js';

/** One batch as the patch pipeline yields it: LR inputs (N, p, p, 3) and HR targets (N, p·s, p·s, 3). */
export interface Batch {
  xs: Float32Array;
  ys: Float32Array;
  batchSize: number;
}

export interface StepLosses {
  total: number;
  l1: number;
  /** weight · L_dis (NaN without DBT). */
  distill: number;
}

const tensors = (b: Batch, p: number, scale: number) => {
  const P = p * scale;
  return { x: tf.tensor4d(b.xs, [b.batchSize, p, p, 3]), y: tf.tensor4d(b.ys, [b.batchSize, P, P, 3]) };
};

/** L1 (+ weight · L_dis) on one batch; applies Adam's update only when the total is finite. */
export function trainStep(run: RunModels, b: Batch, p: number, scale: number, dbtWeight: number): StepLosses {
  let l1v = NaN;
  let disv = NaN;
  let totalv = NaN;
  const d = run.distill;
  tf.tidy(() => {
    const { x, y } = tensors(b, p, scale);
    const tBlocks = d ? runBlocks(d.teacherBlocks, x) : null; // outside the tape: frozen
    let l1: tf.Scalar | null = null;
    let dis: tf.Scalar | null = null;
    const { value, grads } = tf.variableGrads(() => {
      if (!d) {
        const out = run.model.apply(x, { training: true }) as tf.Tensor;
        l1 = tf.keep(tf.mean(tf.abs(tf.sub(out, y))) as tf.Scalar);
        return l1;
      }
      const outs = d.studentBlocks.apply(x, { training: true }) as tf.Tensor[];
      l1 = tf.keep(tf.mean(tf.abs(tf.sub(outs[0]!, y))) as tf.Scalar);
      dis = tf.keep(dbtTerm(outs.slice(1), tBlocks!, { form: d.form, weight: dbtWeight }).term);
      return tf.add(l1, dis) as tf.Scalar;
    }, run.vars);
    totalv = value.dataSync()[0]!;
    l1v = l1!.dataSync()[0]!;
    disv = dis ? (dis as tf.Scalar).dataSync()[0]! : NaN;
    tf.dispose([l1!, ...(dis ? [dis] : [])]);
    if (Number.isFinite(totalv)) run.optimizer.applyGradients(grads as tf.NamedTensorMap as unknown as Parameters<typeof run.optimizer.applyGradients>[0]);
  });
  return { total: totalv, l1: l1v, distill: disv };
}

/**
 * The DBT weight of a fresh run: the configured number, or for 'auto' the one that makes the distillation
 * gradient gradFraction times the L1 gradient on the run's first batch. The gradient ratio is measured in
 * both cases (the log shows it); nothing is updated.
 */
export function resolveDbtWeight(run: RunModels, b: Batch, p: number, scale: number): { weight: number; grad: GradRatio } {
  const d = run.distill!;
  const { x, y } = tensors(b, p, scale);
  try {
    const grad = measureGradRatio({ student: run.model, teacher: d.teacher, x, y, form: d.form });
    const weight = d.weight === 'auto' ? balancedWeight(grad, d.gradFraction, 'train.dbt.weight auto') : d.weight;
    return { weight, grad };
  } finally {
    tf.dispose([x, y]);
  }
}
