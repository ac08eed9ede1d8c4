// The named steps before the loop: the training pairs, the student (seeded) with its Adam, the frozen DBT
// teacher, and where the run starts (fresh or from its newest checkpoint).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import '@frb/layers';
import { layoutPairs, splitBySize, type ImagePair } from '@frb/datasets';
import { blockOutputModel, resolvePairs, studentWithBlocks, type AttentionForm } from '@frb/distill';
import { loadModel } from '@frb/layers/node';
import type { TrainConfig } from './config.js';
import { digestOf, findCheckpoint, restoreCheckpoint } from './checkpoint.js';
import type { JsonlLogger } from './logger.js';
import { createSeededModel } from './seeded.js';

export interface TextStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Training images that hold an LR patch, and the names of those left out for being smaller. */
export async function loadTrainingPairs(cfg: TrainConfig, err: TextStream): Promise<{ pairs: ImagePair[]; leftOut: string[] }> {
  let pairs: ImagePair[];
  try {
    pairs = await layoutPairs(cfg.data.layout ?? 'folder', cfg.data.train, cfg.model.scale);
  } catch (e) {
    throw new Error(`data.train (layout ${cfg.data.layout ?? 'folder'}): ${(e as Error).message}`, { cause: e });
  }
  const leftOut: string[] = [];
  if (cfg.data.skipSmall) {
    const { fit, tooSmall } = await splitBySize(pairs, cfg.data.patchSize);
    for (const t of tooSmall) leftOut.push(t.pair.name);
    pairs = fit;
    if (tooSmall.length) err.write(`train: left out ${tooSmall.length} image(s) smaller than an LR patch of ${cfg.data.patchSize} (x${cfg.model.scale}): ${leftOut.slice(0, 8).join(' ')}${leftOut.length > 8 ? ' …' : ''}\n`);
  }
  if (pairs.length === 0) throw new Error(`data.train: no image can hold an LR patch of ${cfg.data.patchSize} at x${cfg.model.scale}`);
  return { pairs, leftOut };
}

/** The DBT parts of a run: the student's block outputs next to its prediction, and the frozen teacher's. */
export interface DistillSetup {
  teacher: tfl.LayersModel;
  /** Student model → [prediction, ...paired block outputs], sharing the student's layers. */
  studentBlocks: tfl.LayersModel;
  teacherBlocks: tfl.LayersModel;
  form: AttentionForm;
  /** The weight as configured ('auto' until measured). */
  weight: number | 'auto';
  gradFraction: number;
}

export interface RunModels {
  model: tfl.LayersModel;
  /** The student's trainable variables, in the order the optimizer steps them (read once, not per step). */
  vars: tf.Variable[];
  optimizer: tf.AdamOptimizer;
  distill: DistillSetup | null;
  dispose(): void;
}

/** The seeded student, its Adam, and the teacher when DBT is on. */
export async function buildModels(cfg: TrainConfig): Promise<RunModels> {
  const model = createSeededModel(cfg.model.name, cfg.model.scale, cfg.model.options, cfg.seed);
  const { lr, betas, eps } = cfg.train.optimizer;
  const optimizer = tf.train.adam(lr, betas[0], betas[1], eps);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let teacher: tfl.LayersModel | null = null;
  // studentBlocks and teacherBlocks share their layers with model and teacher: disposing those frees all.
  const dispose = () => {
    optimizer.dispose();
    model.dispose();
    teacher?.dispose();
  };
  const dbt = cfg.train.dbt;
  if (!dbt) return { model, vars, optimizer, distill: null, dispose };
  try {
    try {
      teacher = await loadModel(dbt.teacher);
    } catch (e) {
      throw new Error(`train.dbt.teacher: ${(e as Error).message}`, { cause: e });
    }
    teacher.trainable = false;
    const pairs = resolvePairs(model, teacher);
    return {
      model, vars, optimizer, dispose,
      distill: {
        teacher,
        studentBlocks: studentWithBlocks(model, pairs.map((p) => p.student)),
        teacherBlocks: blockOutputModel(teacher, pairs.map((p) => p.teacher), 'teacher'),
        form: dbt.form, weight: dbt.weight, gradFraction: dbt.gradFraction,
      },
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** The config parts a resume must not change, by section (so a mismatch names the section). */
export function resumeDigests(cfg: TrainConfig): Record<string, string> {
  const { train, patchSize, batchSize, augment, skipSmall, layout } = cfg.data;
  // The plain-folder layout is left out of the digest, so checkpoints from before `layout` existed still resume.
  const data = layout && layout !== 'folder' ? { train, patchSize, batchSize, augment, skipSmall, layout } : { train, patchSize, batchSize, augment, skipSmall };
  return {
    model: digestOf(cfg.model),
    data: digestOf(data),
    'train.optimizer': digestOf(cfg.train.optimizer),
    'train.dbt': digestOf(cfg.train.dbt),
    seed: digestOf(cfg.seed),
  };
}

export interface StartPoint {
  /** Iterations already done (0 for a fresh run). */
  start: number;
  lastCheckpoint: string | null;
  /** Metrics saved with the checkpoint resumed from (the measured DBT weight among them). */
  metrics: Record<string, number>;
}

/**
 * A fresh start (refused when the folder already holds checkpoints and `resume` is off), or the newest
 * checkpoint restored into model and optimizer after checking that the config sections it depends on match.
 */
export async function startOrResume(a: {
  cfg: TrainConfig; run: RunModels; resume: boolean; checkpoints: string; logger: JsonlLogger; err: TextStream;
  startRecord: Record<string, unknown>;
}): Promise<StartPoint> {
  const total = a.cfg.train.iterations;
  const existing = await findCheckpoint(a.checkpoints);
  if (existing && !a.resume) {
    throw new Error(`output "${a.cfg.output}" already holds checkpoints (newest: iteration ${existing.state.iteration}); pass --resume to continue, or choose another output`);
  }
  if (a.resume && existing) {
    const saved = existing.state.digests ?? {};
    for (const [k, v] of Object.entries(resumeDigests(a.cfg))) {
      if (saved[k] !== undefined && saved[k] !== v) {
        throw new Error(`--resume: config section '${k}' differs from the one checkpoint "${existing.dir}" was trained with; resume needs the same ${k}`);
      }
    }
    if (existing.state.iteration > total) throw new Error(`--resume: checkpoint is at iteration ${existing.state.iteration}, past train.iterations (${total})`);
    await restoreCheckpoint(existing, a.run.model, a.run.optimizer);
    const start = existing.state.iteration;
    await a.logger.truncateAfter(start);
    await a.logger.write({ kind: 'event', iter: start, event: 'resume', checkpoint: existing.dir });
    a.err.write(`train: resumed from "${existing.dir}" (iteration ${start})\n`);
    return { start, lastCheckpoint: existing.dir, metrics: existing.state.metrics ?? {} };
  }
  if (a.resume) a.err.write(`train: --resume: no checkpoint in "${a.checkpoints}"; starting from iteration 0\n`);
  await a.logger.reset();
  await a.logger.write({ kind: 'event', iter: 0, event: 'start', ...a.startRecord });
  return { start: 0, lastCheckpoint: null, metrics: {} };
}
