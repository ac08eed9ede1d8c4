// DBT distillation loss L_dis (paper: block-wise distillation from the full-precision twin; the norm and
// averaging below are inferred): per pair ‖A_s − A_t‖₂ averaged over samples, then averaged over pairs.
import * as tf from '@tensorflow/tfjs-core';
import { attention, safeRowNorm, type AttentionForm } from './attention.js';

/** ‖a − b‖₂ per sample (rows), averaged over samples. Shapes must match. */
export function attentionDistance(a: tf.Tensor2D, b: tf.Tensor2D, where = 'attentionDistance'): tf.Scalar {
  if (a.shape.length !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`${where}: attention shapes differ: [${a.shape}] vs [${b.shape}]`);
  }
  return tf.tidy(() => tf.mean(safeRowNorm(tf.sub(a, b))) as tf.Scalar);
}

/** One student/teacher block pair's loss from raw block outputs, with shapes checked and named. */
export function pairAttentionLoss(
  student: tf.Tensor,
  teacher: tf.Tensor,
  form: AttentionForm = 'spatial',
  names: { student?: string; teacher?: string } = {},
): tf.Scalar {
  const label = `DBT pair student '${names.student ?? '?'}' / teacher '${names.teacher ?? '?'}'`;
  if (!sameShape(student.shape, teacher.shape)) {
    throw new Error(`${label}: block output shapes differ: student [${student.shape}] vs teacher [${teacher.shape}]`);
  }
  return tf.tidy(() => attentionDistance(attention(student, form, label), attention(teacher, form, label), label));
}

/**
 * L_dis = mean over pairs of ‖A_s − A_t‖₂ (mean over samples), from raw block outputs listed pair by pair.
 * `teacher` may also be given as precomputed attention vectors (N, D) with `teacherIsAttention`.
 */
export function attentionLoss(
  students: tf.Tensor[],
  teachers: tf.Tensor[],
  form: AttentionForm = 'spatial',
  opts: { teacherIsAttention?: boolean; names?: Array<{ student: string; teacher: string }> } = {},
): tf.Scalar {
  if (students.length === 0 || students.length !== teachers.length) {
    throw new Error(`attentionLoss: need as many teacher as student block outputs (≥ 1), got ${students.length} ` +
      `student and ${teachers.length} teacher`);
  }
  return tf.tidy(() => {
    const terms = students.map((s, i) => {
      const names = opts.names?.[i] ?? { student: `#${i}`, teacher: `#${i}` };
      if (!opts.teacherIsAttention) return pairAttentionLoss(s, teachers[i], form, names);
      const label = `DBT pair student '${names.student}' / teacher '${names.teacher}'`;
      return attentionDistance(attention(s, form, label), teachers[i] as tf.Tensor2D, label);
    });
    return tf.div(tf.addN(terms), terms.length) as tf.Scalar;
  });
}

export function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
