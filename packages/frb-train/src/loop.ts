// The training loop of `frb train`, as a library: L1 (+ DBT) on seeded random patches, Adam with a BasicSR
// schedule, JSONL log, progress, periodic validation, atomic checkpoints, exact resume, NaN/Inf stop.
//
// A plain loop (tf.variableGrads + optimizer.applyGradients) rather than model.fit: it lets the loss be
// checked before the weights move (a non-finite step is never applied), sets the learning rate per
// iteration, and checkpoints between any two iterations. The DBT term is @frb/distill's dbtTerm, the function
// DBTCallback calls inside fit (test/fit-equivalence.test.ts holds the two to the same weights).
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { patchBatches } from '@frb/datasets';
import { saveModel } from '@frb/layers/node';
import { Progress, formatDuration } from '@frb/bench';
import type { TrainConfig } from './config.js';
import { learningRateAt } from './schedule.js';
import { saveCheckpoint } from './checkpoint.js';
import { JsonlLogger, type LogRecord } from './logger.js';
import { writeCurve } from './curve.js';
import { validate, resolveValidation, type ValidationTarget } from './validate.js';
import { buildModels, loadTrainingPairs, resumeDigests, startOrResume, type RunModels, type TextStream } from './setup.js';
import { resolveDbtWeight, trainStep, type Batch } from './step.js';

export type { TextStream } from './setup.js';

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
  /** Without a terminal: a progress line (done/total, ETA, it/s) at least this often, in ms (default 30 s). */
  progressEveryMs?: number;
  /** Called after every completed iteration (e.g. a GUI's progress; the CLI uses the bar). */
  onProgress?: (p: { iteration: number; total: number; losses: Record<string, number> }) => void;
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
  /** The DBT weight used (measured for 'auto'); null without DBT. */
  dbtWeight: number | null;
}

/** Run folder layout. */
export const runPaths = (out: string) => ({
  checkpoints: join(out, 'checkpoints'),
  log: join(out, 'log.jsonl'),
  curve: join(out, 'curve.png'),
  model: join(out, 'model'),
});

/** Without a terminal, Progress appends a done/total/ETA line at least this often (ms) between log intervals. */
const QUIET_LINE_MS = 30_000;

/** model/ appears whole or not at all: written beside it, then renamed into place (a kill leaves no half model). */
async function saveModelAtomic(model: RunModels['model'], dir: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await saveModel(model, tmp);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

const fmt = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

/** Log records, the training curve, validation and checkpoints of one run. */
class RunRecorder {
  records: LogRecord[] = [];
  valPsnr: number | null = null;
  lastCheckpoint: string | null = null;
  constructor(private cfg: TrainConfig, private run: RunModels, private logger: JsonlLogger, readonly err: TextStream,
    private val: ValidationTarget | null, private quiet: () => boolean) {}

  async log(r: LogRecord): Promise<void> {
    this.records.push({ ...r });
    await this.logger.write(r);
  }

  curve(): Promise<void> {
    const { cfg } = this;
    return writeCurve(runPaths(cfg.output).curve, this.records, `${cfg.name}: ${cfg.model.name} x${cfg.model.scale}`)
      .catch((e: Error) => void this.err.write(`train: curve not written: ${e.message}\n`));
  }

  async validate(iter: number): Promise<void> {
    if (!this.val) return;
    const r = await validate(this.run.model, this.val);
    this.valPsnr = r.psnr;
    await this.log({ kind: 'val', iter, set: r.set, psnr: r.psnr, ssim: r.ssim, images: r.count });
    if (this.quiet()) this.err.write(`train: iteration ${iter}: ${r.set} x${this.cfg.model.scale} PSNR ${r.psnr.toFixed(3)} dB / SSIM ${r.ssim.toFixed(4)}\n`);
  }

  async checkpoint(iter: number, lr: number, metrics: Record<string, number>): Promise<void> {
    const { cfg, run } = this;
    this.lastCheckpoint = await saveCheckpoint({
      root: runPaths(cfg.output).checkpoints, iteration: iter, model: run.model, optimizer: run.optimizer, seed: cfg.seed,
      lr, metrics, digests: resumeDigests(cfg), keep: cfg.checkpoint.keep,
    });
    await this.log({ kind: 'event', iter, event: 'checkpoint', dir: this.lastCheckpoint });
    await this.curve();
  }
}

/** Runs (or resumes) the training described by `cfg`; see TrainOptions for stopping and progress. */
export async function train(cfg: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const err = opts.stderr ?? process.stderr;
  const paths = runPaths(cfg.output);
  const total = cfg.train.iterations;
  const until = Math.min(opts.until ?? total, total);
  if (!Number.isInteger(until) || until < 1) throw new Error(`train: --until must be an integer >= 1, got ${opts.until}`);

  const { pairs, leftOut } = await loadTrainingPairs(cfg, err); // a bad folder fails before any model is built
  const run = await buildModels(cfg);
  try {
    const val = cfg.val ? await resolveValidation(cfg.val, cfg.model.scale) : null;
    if (cfg.val && !val) err.write(`train: validation skipped: no ${cfg.val.set} x${cfg.model.scale} under "${cfg.val.data}"\n`);
    const logger = new JsonlLogger(paths.log);
    const from = await startOrResume({
      cfg, run, resume: opts.resume ?? false, checkpoints: paths.checkpoints, logger, err,
      startRecord: { config: cfg as unknown as Record<string, unknown>, backend: tf.getBackend(), images: pairs.length, leftOut },
    });
    const bar = new Progress(Math.max(0, until - from.start), cfg.name, {
      stream: err as NodeJS.WritableStream & { isTTY?: boolean },
      ...(opts.progressBar !== undefined ? { enabled: opts.progressBar } : {}),
      logEveryMs: opts.progressEveryMs ?? QUIET_LINE_MS,
    });
    const rec = new RunRecorder(cfg, run, logger, err, val, () => !bar.enabled);
    rec.records = await logger.read();
    rec.lastCheckpoint = from.lastCheckpoint;
    const batches = patchBatches(pairs, {
      scale: cfg.model.scale, patchSize: cfg.data.patchSize, batchSize: cfg.data.batchSize, seed: cfg.seed, augment: cfg.data.augment,
      iterations: Math.max(1, total - from.start), startIteration: from.start,
      cacheDir: cfg.data.cacheDir, cacheSize: cfg.data.cacheSize,
    });
    const nextBatch = async (it: number): Promise<Batch> => {
      const next = await batches.next();
      if (next.done) throw new Error(`train: the data pipeline ended early at iteration ${it}`);
      return next.value;
    };
    let first: Batch | null = null;
    let dbtWeight: number | null = null;
    if (run.distill) {
      if (from.start === 0) {
        first = await nextBatch(1);
        const r = resolveDbtWeight(run, first, cfg.data.patchSize, cfg.model.scale);
        dbtWeight = r.weight;
        await rec.log({ kind: 'event', iter: 0, event: 'dbt', weight: r.weight, configured: String(run.distill.weight),
          task_grad_norm: r.grad.taskNorm, distill_grad_norm: r.grad.distillNorm, distill_grad_ratio: r.weight * r.grad.ratio });
        err.write(`train: DBT weight ${fmt(r.weight)}${run.distill.weight === 'auto' ? ' (auto)' : ''}: the distillation gradient is ` +
          `${fmt(r.weight * r.grad.ratio)}x the L1 gradient on the first batch\n`);
      } else {
        dbtWeight = from.metrics['dbt_weight'] ?? (typeof run.distill.weight === 'number' ? run.distill.weight : null);
        if (dbtWeight === null) throw new Error(`--resume: checkpoint "${from.lastCheckpoint}" has no measured DBT weight (train.dbt.weight 'auto')`);
      }
    }
    const loop = await runIterations({ cfg, run, rec, bar, opts, from: from.start, until, dbtWeight,
      batch: async (it) => (it === from.start + 1 && first ? first : nextBatch(it)) });
    bar.finish();
    let modelDir: string | null = null;
    if (loop.stopped === 'done') {
      await rec.validate(total);
      await saveModelAtomic(run.model, paths.model);
      modelDir = paths.model;
      await rec.log({ kind: 'event', iter: total, event: 'done', model: modelDir, val_psnr: rec.valPsnr });
    } else if (loop.stopped === 'until') {
      await rec.log({ kind: 'event', iter: until, event: 'paused' });
    }
    await rec.curve();
    const itPerSec = loop.steps / (loop.stepSeconds || 1);
    err.write(`train: ${loop.stopped === 'done' || loop.stopped === 'until' ? 'finished' : 'stopped'} at iteration ${loop.completed}/${total} ` +
      `(${itPerSec.toFixed(2)} it/s, ${formatDuration(loop.stepSeconds)} in steps)${modelDir ? `; model: ${modelDir}` : ''}\n`);
    return {
      iteration: loop.completed, stopped: loop.stopped, message: loop.message, checkpoint: rec.lastCheckpoint, modelDir,
      valPsnr: rec.valPsnr, itPerSec, leftOut, startIteration: from.start, dbtWeight,
    };
  } finally {
    run.dispose();
  }
}

interface LoopState {
  completed: number;
  stopped: StopReason;
  message?: string;
  steps: number;
  stepSeconds: number;
}

/** Iterations from+1 … until: learning rate, step, log, validation and checkpoint at their intervals. */
async function runIterations(a: {
  cfg: TrainConfig; run: RunModels; rec: RunRecorder; bar: Progress; opts: TrainOptions; from: number; until: number;
  dbtWeight: number | null; batch: (it: number) => Promise<Batch>;
}): Promise<LoopState> {
  const { cfg, run, rec, bar, opts } = a;
  const total = cfg.train.iterations;
  const dbt = a.dbtWeight !== null;
  const extra: Record<string, number> = dbt ? { dbt_weight: a.dbtWeight! } : {};
  const s: LoopState = { completed: a.from, stopped: a.until < total ? 'until' : 'done', steps: 0, stepSeconds: 0 };
  let window = { t: performance.now(), n: 0 };
  let lastLr = learningRateAt(cfg.train.scheduler, cfg.train.optimizer.lr, Math.max(1, a.from));
  let last: Record<string, number> = {};
  let lastSaved = a.from;
  for (let it = a.from + 1; it <= a.until; it++) {
    if (opts.signal?.aborted) {
      s.stopped = 'interrupted';
      if (s.completed > lastSaved) await rec.checkpoint(s.completed, lastLr, { ...last, ...extra });
      await rec.log({ kind: 'event', iter: s.completed, event: 'interrupted' });
      break;
    }
    const lr = learningRateAt(cfg.train.scheduler, cfg.train.optimizer.lr, it);
    // Adam reads its rate at every step; tfjs exposes no setter.
    (run.optimizer as unknown as { learningRate: number }).learningRate = lr;
    const b = await a.batch(it);
    const t0 = performance.now();
    const l = trainStep(run, b, cfg.data.patchSize, cfg.model.scale, a.dbtWeight ?? 0);
    s.stepSeconds += (performance.now() - t0) / 1000;
    s.steps++;
    if (!Number.isFinite(l.total)) {
      s.stopped = 'non-finite';
      s.message = `loss is ${l.total} at iteration ${it} (L1 ${l.l1}${dbt ? `, DBT term ${l.distill}` : ''}); stopped before applying that step. ` +
        (rec.lastCheckpoint ? `Last good checkpoint: "${rec.lastCheckpoint}" — lower train.optimizer.lr and run again with --resume.` : 'No checkpoint was written yet.');
      await rec.log({ kind: 'event', iter: it, event: 'non-finite', loss: String(l.total), l1: String(l.l1), ...(dbt ? { distill: String(l.distill) } : {}) });
      break;
    }
    s.completed = it;
    lastLr = lr;
    window.n++;
    bar.tick(1);
    last = { loss: l.total, l1: l.l1, ...(dbt ? { distill: l.distill } : {}), lr };
    opts.onProgress?.({ iteration: it, total, losses: last });
    if (it % cfg.logInterval === 0 || it === a.until) {
      const now = performance.now();
      const ips = window.n / ((now - window.t) / 1000);
      window = { t: now, n: 0 };
      await rec.log({ kind: 'train', iter: it, ...last, it_s: ips });
      const info = `loss ${fmt(l.total)}${dbt ? ` dis ${fmt(l.distill)}` : ''} ${ips.toFixed(2)} it/s lr ${lr.toExponential(1)}`;
      if (bar.enabled) bar.tick(0, info);
      else rec.err.write(`${bar.line(info)}\n`);
    }
    if (cfg.val && cfg.val.interval > 0 && it % cfg.val.interval === 0 && it !== total) await rec.validate(it);
    if (it % cfg.checkpoint.interval === 0 || it === a.until) {
      await rec.checkpoint(it, lr, { ...last, ...extra });
      lastSaved = it;
    }
  }
  return s;
}
