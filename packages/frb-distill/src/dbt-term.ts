// The DBT term (paper: the binary student follows its full-precision twin block by block): weight · L_dis from
// paired block outputs, and the gradient measurement that sets the weight. The one implementation: DBTCallback
// (inside model.fit) and @frb/train's loop both call it, so the reproduction measures what users run.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resolveAttentionForm, type AttentionForm } from './attention.js';
import { attentionLoss } from './attention-loss.js';
import { blockOutputModel, runBlocks, studentWithBlocks } from './block-outputs.js';
import { resolvePairs, type PairSpec } from './pairing.js';

export interface DBTTerm {
  /** L_dis, unweighted. */
  lDis: tf.Scalar;
  /** weight · L_dis, the part added to the task loss. */
  term: tf.Scalar;
}

export interface DBTTermOptions {
  form: AttentionForm;
  weight: number;
  /** `teachers` holds the teacher's attention rows (N, D) instead of its raw block outputs. */
  teacherIsAttention?: boolean;
  /** Layer names per pair, for error messages. */
  names?: Array<{ student: string; teacher: string }>;
}

/**
 * weight · L_dis, L_dis = mean over pairs of ‖A_s − A_t‖₂ averaged over samples (inferred; attention-loss.ts).
 * `students` are on the gradient tape; `teachers` must have been computed off it (the teacher is frozen).
 */
export function dbtTerm(students: tf.Tensor[], teachers: tf.Tensor[], o: DBTTermOptions): DBTTerm {
  checkWeight(o.weight, 'dbtTerm');
  const lDis = attentionLoss(students, teachers, o.form, { teacherIsAttention: o.teacherIsAttention, names: o.names });
  return { lDis, term: tf.mul(lDis, o.weight) as tf.Scalar };
}

export function checkWeight(w: unknown, where: string): number {
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
    throw new Error(`${where}: DBT \`weight\` must be a finite number ≥ 0 or 'auto', got ${JSON.stringify(w)}`);
  }
  return w;
}

/** The two gradients' global L2 norms over the student's trainable weights, on one batch. */
export interface GradRatio {
  /** ‖∇ task loss‖₂. */
  taskNorm: number;
  /** ‖∇ L_dis‖₂ (unweighted). */
  distillNorm: number;
  /** distillNorm / taskNorm: the weight w makes the distillation gradient w · ratio times the task gradient. */
  ratio: number;
}

export type TaskLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Mean absolute error over every element: the SR task loss (L1) of the paper and of `frb train`. */
export const l1Loss: TaskLoss = (yTrue, yPred) => tf.mean(tf.abs(tf.sub(yPred, yTrue)));

/**
 * Measures ‖∇L_task‖ and ‖∇L_dis‖ for `student` on the batch (x, y), in training mode, as a DBT step would
 * see them. Nothing is updated; no tensor is left behind.
 */
export function measureGradRatio(args: {
  student: tfl.LayersModel;
  teacher: tfl.LayersModel;
  x: tf.Tensor;
  y: tf.Tensor;
  form?: AttentionForm | 'element_wise';
  pairs?: readonly PairSpec[];
  taskLoss?: TaskLoss;
}): GradRatio {
  const form = resolveAttentionForm(args.form, 'measureGradRatio');
  const pairs = resolvePairs(args.student, args.teacher, args.pairs);
  const withBlocks = studentWithBlocks(args.student, pairs.map((p) => p.student));
  const teacherBlocks = blockOutputModel(args.teacher, pairs.map((p) => p.teacher), 'teacher');
  const taskLoss = args.taskLoss ?? l1Loss;
  const vars = args.student.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.tidy(() => {
    const tOut = runBlocks(teacherBlocks, args.x);
    const norm = (f: () => tf.Scalar) => {
      const { grads } = tf.variableGrads(f, vars);
      const g = Object.values(grads);
      return g.length === 0 ? 0 : Math.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t)))).dataSync()[0]!);
    };
    const forward = () => withBlocks.apply(args.x, { training: true }) as tf.Tensor[];
    const taskNorm = norm(() => tf.mean(taskLoss(args.y, forward()[0]!)) as tf.Scalar);
    const distillNorm = norm(() => attentionLoss(forward().slice(1), tOut, form, { names: pairs }));
    if (!(taskNorm > 0) || !Number.isFinite(distillNorm)) {
      throw new Error(`measureGradRatio: student '${args.student.name}': task gradient norm ${taskNorm}, distillation ` +
        `gradient norm ${distillNorm}; the ratio is undefined on this batch`);
    }
    return { taskNorm, distillNorm, ratio: distillNorm / taskNorm };
  });
}

/**
 * The weight that makes the distillation gradient `fraction` times the task gradient on the measured batch
 * (weight: 'auto'). Errors when L_dis has no gradient (e.g. a student identical to its teacher).
 */
export function balancedWeight(g: GradRatio, fraction: number, where = 'DBT weight auto'): number {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction <= 0) {
    throw new Error(`${where}: gradFraction must be a number > 0, got ${JSON.stringify(fraction)}`);
  }
  if (!(g.distillNorm > 0)) {
    throw new Error(`${where}: the distillation gradient is 0 on the calibration batch (student already matches ` +
      'its teacher?); give a fixed weight instead');
  }
  return fraction / g.ratio;
}
