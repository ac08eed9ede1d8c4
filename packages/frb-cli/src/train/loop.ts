// The training loop of `frb train`: L1 (+ DBT) on seeded random patches, Adam with a BasicSR schedule,
// JSONL log, progress bar, periodic validation, atomic checkpoints, exact resume, NaN/Inf stop.
//
// A plain loop (tf.variableGrads + optimizer.applyGradients) rather than model.fit: it lets the loss be
// checked before the weights move (a non-finite step is never applied), sets the learning rate per
// iteration, and checkpoints between any two iterations. DBT is computed here from @frb/distill's parts
// (block-output models + attentionLoss): the same L1 + weight · L_dis that DBTCallback adds inside fit.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@frb/layers';
import { imageFolder, patchBatches, splitBySize, type ImagePair } from '@frb/datasets';
import { attentionLoss, blockOutputModel, findLayer, resolvePairs, runBlocks } from '@frb/distill';
import { loadModel, saveModel } from '@frb/layers/node';
import { Progress, formatDuration } from '@frb/bench';
import type { TrainConfig } from './config.js';
import { learningRateAt } from './schedule.js';
import { digestOf, findCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint.js';
import { JsonlLogger, type LogRecord } from './logger.js';
import { writeCurve } from './curve.js';
import { createSeededModel } from './seeded.js';
import { validate, resolveValidation, type ValidationTarget } from './validate.js';

export interface TextStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface TrainOptions {
  /** Continue from the newest checkpoint in the run folder (starts fresh when there is none). */
  resume?: boolean;
  /** Stop after this iteration (a checkpoint is written there); `--resume` continues later. */
  until?: number;
  /** Aborting stops the run between two iterations with a checkpoint of the last one (Ctrl-C loses nothing). */
  signal?: AbortSignal;
  /** Where the progress bar and messages go (default process.stderr). */
  stderr?: TextStream;
  /** Force the progress bar on/off (default: only on a TTY; otherwise a plain line per log interval). */
  progressBar?: boolean;
}

export type StopReason = 'done' | 'until' | 'interrupted' | 'non-finite';

export interface TrainResult {
  /** Iterations completed (the last good one when stopped for a non-finite loss). */
  iteration: number;
  stopped: StopReason;
  /** Message for a non-finite stop (names the iteration, the value and the checkpoint kept). */
  message?: string;
  /** Newest checkpoint folder, if any. */
  checkpoint: string | null;
  /** Final model folder (model.json + weights.bin), written when the run completed. */
  modelDir: string | null;
  /** Last validation PSNR, if validation ran. */
  valPsnr: number | null;
  /** Iterations per second over this invocation (excluding validation and checkpoints). */
  itPerSec: number;
  /** Images left out for being smaller than a patch. */
  leftOut: string[];
  startIteration: number;
}

/** Run folder layout. */
export const runPaths = (out: string) => ({
  checkpoints: join(out, 'checkpoints'),
  log: join(out, 'log.jsonl'),
  curve: join(out, 'curve.png'),
  model: join(out, 'model'),
});

/** The config parts a resume must not change, by section (so a mismatch names the section). */
function resumeDigests(cfg: TrainConfig): Record<string, string> {
  const { train, patchSize, batchSize, augment, skipSmall } = cfg.data;
  return {
    model: digestOf(cfg.model),
    data: digestOf({ train, patchSize, batchSize, augment, skipSmall }),
    'train.optimizer': digestOf(cfg.train.optimizer),
    'train.dbt': digestOf(cfg.train.dbt),
    seed: digestOf(cfg.seed),
  };
}

const fmt = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

export async function train(cfg: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const err = opts.stderr ?? process.stderr;
  const paths = runPaths(cfg.output);
  const logger = new JsonlLogger(paths.log);
  const total = cfg.train.iterations;
  const until = Math.min(opts.until ?? total, total);
  if (!Number.isInteger(until) || until < 1) throw new Error(`train: --until must be an integer >= 1, got ${opts.until}`);

  // Data first: a bad folder fails before any model is built.
  let pairs: ImagePair[];
  try {
    pairs = await imageFolder(cfg.data.train, cfg.model.scale);
  } catch (e) {
    throw new Error(`data.train: ${(e as Error).message}`, { cause: e });
  }
  const leftOut: string[] = [];
  if (cfg.data.skipSmall) {
    const { fit, tooSmall } = await splitBySize(pairs, cfg.data.patchSize);
    for (const t of tooSmall) leftOut.push(t.pair.name);
    pairs = fit;
    if (tooSmall.length) err.write(`train: left out ${tooSmall.length} image(s) smaller than an LR patch of ${cfg.data.patchSize} (x${cfg.model.scale}): ${leftOut.slice(0, 8).join(' ')}${leftOut.length > 8 ? ' …' : ''}\n`);
  }
  if (pairs.length === 0) throw new Error(`data.train: no image can hold an LR patch of ${cfg.data.patchSize} at x${cfg.model.scale}`);

  const model = createSeededModel(cfg.model.name, cfg.model.scale, cfg.model.options, cfg.seed);
  const { lr: baseLr, betas, eps } = cfg.train.optimizer;
  const optimizer = tf.train.adam(baseLr, betas[0], betas[1], eps);
  const digests = resumeDigests(cfg);
  let teacher: tfl.LayersModel | null = null;
  let studentMulti: tfl.LayersModel | null = null;
  let teacherBlocks: tfl.LayersModel | null = null;
  const dbt = cfg.train.dbt;
  let valTarget: ValidationTarget | null = null;

  try {
    if (dbt) {
      try {
        teacher = await loadModel(dbt.teacher);
      } catch (e) {
        throw new Error(`train.dbt.teacher: ${(e as Error).message}`, { cause: e });
      }
      teacher.trainable = false;
      const blockPairs = resolvePairs(model, teacher);
      // One forward pass of the student gives its output and the paired block outputs (shared layers).
      const outs = [model.outputs[0]!, ...blockPairs.map((p) => findLayer(model, p.student, 'student').output as tfl.SymbolicTensor)];
      studentMulti = tfl.model({ inputs: model.inputs, outputs: outs, name: `${model.name}_with_blocks` });
      teacherBlocks = blockOutputModel(teacher, blockPairs.map((p) => p.teacher), 'teacher');
    }
    valTarget = cfg.val ? await resolveValidation(cfg.val, cfg.model.scale) : null;
    if (cfg.val && !valTarget) err.write(`train: validation skipped: no ${cfg.val.set} x${cfg.model.scale} under "${cfg.val.data}"\n`);

    // Start or resume.
    let start = 0;
    let lastCheckpoint: string | null = null;
    const existing = await findCheckpoint(paths.checkpoints);
    if (existing && !opts.resume) {
      throw new Error(`output "${cfg.output}" already holds checkpoints (newest: iteration ${existing.state.iteration}); pass --resume to continue, or choose another output`);
    }
    if (opts.resume && existing) {
      const saved = existing.state.digests ?? {};
      for (const [k, v] of Object.entries(digests)) {
        if (saved[k] !== undefined && saved[k] !== v) {
          throw new Error(`--resume: config section '${k}' differs from the one checkpoint "${existing.dir}" was trained with; resume needs the same ${k}`);
        }
      }
      if (existing.state.iteration > total) throw new Error(`--resume: checkpoint is at iteration ${existing.state.iteration}, past train.iterations (${total})`);
      await restoreCheckpoint(existing, model, optimizer);
      start = existing.state.iteration;
      lastCheckpoint = existing.dir;
      await logger.truncateAfter(start);
      await logger.write({ kind: 'event', iter: start, event: 'resume', checkpoint: existing.dir });
      err.write(`train: resumed from "${existing.dir}" (iteration ${start})\n`);
    } else {
      if (opts.resume) err.write(`train: --resume: no checkpoint in "${paths.checkpoints}"; starting from iteration 0\n`);
      await logger.reset();
      await logger.write({ kind: 'event', iter: 0, event: 'start', config: cfg as unknown as Record<string, unknown>, backend: tf.getBackend(), images: pairs.length, leftOut });
    }

    const records: LogRecord[] = await logger.read();
    const log = async (r: LogRecord) => {
      records.push({ ...r });
      await logger.write(r);
    };
    const curve = () => writeCurve(paths.curve, records, `${cfg.name}: ${cfg.model.name} x${cfg.model.scale}`).catch((e: Error) => {
      err.write(`train: curve not written: ${e.message}\n`);
    });
    let valPsnr: number | null = null;
    const runValidation = async (iter: number) => {
      if (!valTarget) return;
      const r = await validate(model, valTarget);
      valPsnr = r.psnr;
      await log({ kind: 'val', iter, set: r.set, psnr: r.psnr, ssim: r.ssim, images: r.count });
      if (!bar.enabled) err.write(`train: iteration ${iter}: ${r.set} x${cfg.model.scale} PSNR ${r.psnr.toFixed(3)} dB / SSIM ${r.ssim.toFixed(4)}\n`);
    };
    const checkpoint = async (iter: number, lr: number, metrics: Record<string, number>) => {
      lastCheckpoint = await saveCheckpoint({
        root: paths.checkpoints, iteration: iter, model, optimizer, seed: cfg.seed, lr, metrics, digests, keep: cfg.checkpoint.keep,
      });
      await log({ kind: 'event', iter, event: 'checkpoint', dir: lastCheckpoint });
      await curve();
    };

    const { patchSize: p, batchSize } = cfg.data;
    const P = p * cfg.model.scale;
    const batches = patchBatches(pairs, {
      scale: cfg.model.scale, patchSize: p, batchSize, seed: cfg.seed, augment: cfg.data.augment,
      iterations: Math.max(1, total - start), startIteration: start,
      cacheDir: cfg.data.cacheDir, cacheSize: cfg.data.cacheSize,
    });
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const bar = new Progress(Math.max(0, until - start), cfg.name, {
      stream: err as NodeJS.WritableStream & { isTTY?: boolean },
      ...(opts.progressBar !== undefined ? { enabled: opts.progressBar } : {}),
    });

    let window = { t: performance.now(), n: 0 };
    let stepSeconds = 0;
    let stepCount = 0;
    let completed = start;
    let lastLr = learningRateAt(cfg.train.scheduler, baseLr, Math.max(1, start));
    let stopped: StopReason = until < total ? 'until' : 'done';
    let message: string | undefined;
    let last: Record<string, number> = {};
    let lastSaved = start;
    for (let it = start + 1; it <= until; it++) {
      if (opts.signal?.aborted) {
        stopped = 'interrupted';
        if (completed > lastSaved) await checkpoint(completed, lastLr, last);
        await log({ kind: 'event', iter: completed, event: 'interrupted' });
        break;
      }
      const lr = learningRateAt(cfg.train.scheduler, baseLr, it);
      // Adam reads its rate at every step; tfjs exposes no setter.
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const next = await batches.next();
      if (next.done) throw new Error(`train: the data pipeline ended early at iteration ${it}`);
      const b = next.value;
      const t0 = performance.now();
      let l1v = NaN;
      let disv = NaN;
      let totalv = NaN;
      tf.tidy(() => {
        const x = tf.tensor4d(b.xs, [b.batchSize, p, p, 3]);
        const y = tf.tensor4d(b.ys, [b.batchSize, P, P, 3]);
        const tBlocks = teacherBlocks ? runBlocks(teacherBlocks, x) : null; // outside the tape: frozen
        let l1: tf.Scalar | null = null;
        let dis: tf.Scalar | null = null;
        const { value, grads } = tf.variableGrads(() => {
          if (!studentMulti) {
            const out = model.apply(x, { training: true }) as tf.Tensor;
            l1 = tf.keep(tf.mean(tf.abs(tf.sub(out, y))) as tf.Scalar);
            return l1;
          }
          const outs = studentMulti.apply(x, { training: true }) as tf.Tensor[];
          l1 = tf.keep(tf.mean(tf.abs(tf.sub(outs[0]!, y))) as tf.Scalar);
          dis = tf.keep(tf.mul(attentionLoss(outs.slice(1), tBlocks!, dbt!.form), dbt!.weight) as tf.Scalar);
          return tf.add(l1, dis) as tf.Scalar;
        }, vars);
        totalv = value.dataSync()[0]!;
        l1v = l1!.dataSync()[0]!;
        disv = dis ? (dis as tf.Scalar).dataSync()[0]! : NaN;
        tf.dispose([l1!, ...(dis ? [dis] : [])]);
        // The loss is checked before the step: a non-finite step never reaches the weights.
        if (Number.isFinite(totalv)) optimizer.applyGradients(grads as tf.NamedTensorMap as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      });
      stepSeconds += (performance.now() - t0) / 1000;
      stepCount++;
      if (!Number.isFinite(totalv)) {
        stopped = 'non-finite';
        message = `loss is ${totalv} at iteration ${it} (L1 ${l1v}${dbt ? `, DBT term ${disv}` : ''}); stopped before applying that step. ` +
          (lastCheckpoint ? `Last good checkpoint: "${lastCheckpoint}" — lower train.optimizer.lr and run again with --resume.` : 'No checkpoint was written yet.');
        await log({ kind: 'event', iter: it, event: 'non-finite', loss: String(totalv), l1: String(l1v), ...(dbt ? { distill: String(disv) } : {}) });
        break;
      }
      completed = it;
      lastLr = lr;
      window.n++;
      bar.tick(1);
      last = { loss: totalv, l1: l1v, ...(dbt ? { distill: disv } : {}), lr };
      if (it % cfg.logInterval === 0 || it === until) {
        const now = performance.now();
        const ips = window.n / ((now - window.t) / 1000);
        window = { t: now, n: 0 };
        await log({ kind: 'train', iter: it, loss: totalv, l1: l1v, ...(dbt ? { distill: disv } : {}), lr, it_s: ips });
        const info = `loss ${fmt(totalv)}${dbt ? ` dis ${fmt(disv)}` : ''} ${ips.toFixed(2)} it/s lr ${lr.toExponential(1)}`;
        if (bar.enabled) bar.tick(0, info);
        else err.write(`${bar.line(info)}\n`);
      }
      if (valTarget && cfg.val!.interval > 0 && it % cfg.val!.interval === 0 && it !== total) await runValidation(it);
      if (it % cfg.checkpoint.interval === 0 || it === until) {
        await checkpoint(it, lr, last);
        lastSaved = it;
      }
    }
    bar.finish();
    let modelDir: string | null = null;
    if (stopped === 'done') {
      await runValidation(total);
      await saveModel(model, paths.model);
      modelDir = paths.model;
      await log({ kind: 'event', iter: total, event: 'done', model: modelDir, val_psnr: valPsnr });
    } else if (stopped === 'until') {
      await log({ kind: 'event', iter: until, event: 'paused' });
    }
    await curve();
    const itPerSec = stepCount / (stepSeconds || 1);
    err.write(`train: ${stopped === 'done' || stopped === 'until' ? 'finished' : 'stopped'} at iteration ${completed}/${total} ` +
      `(${itPerSec.toFixed(2)} it/s, ${formatDuration(stepSeconds)} in steps)${modelDir ? `; model: ${modelDir}` : ''}\n`);
    return {
      iteration: completed,
      stopped, message, checkpoint: lastCheckpoint, modelDir, valPsnr, itPerSec, leftOut, startIteration: start,
    };
  } finally {
    // studentMulti and teacherBlocks share their layers with model and teacher: disposing those frees all.
    optimizer.dispose();
    model.dispose();
    teacher?.dispose();
  }
}
