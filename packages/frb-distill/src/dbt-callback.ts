// Distillation-guided Binarization Training (DBT, paper) as a `model.fit` / `model.fitDataset` callback.
//
// How the distillation term enters fit's own optimizer step: tfjs-layers' train function evaluates the
// model's layer losses (`layer.addLoss` closures) inside `optimizer.minimize`'s gradient tape, right after
// the forward pass. So at onTrainBegin this callback
//   1. wraps `call` of the paired student layers (and of the layer consuming the model input) so that the
//      training forward pass hands over the batch and the block outputs it computes, and
//   2. adds one loss closure returning weight · L_dis, computed from those captured student outputs and the
//      frozen teacher's block outputs on the same batch.
// The teacher runs with the tape paused (inside a customGrad forward), so it is neither differentiated nor
// updated. onTrainEnd removes every hook and the closure, leaving the student exactly as it was.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { attention, resolveAttentionForm, type AttentionForm } from './attention.js';
import { sameShape } from './attention-loss.js';
import { blockOutputModel, runBlocks } from './block-outputs.js';
import { balancedWeight, checkWeight, dbtTerm, l1Loss, measureGradRatio, type GradRatio, type TaskLoss } from './dbt-term.js';
import { allLayers, findLayer, resolvePairs, type BlockPair, type PairSpec } from './pairing.js';

type Layer = tfl.layers.Layer;
type Kwargs = { [key: string]: unknown } | undefined;
type Logs = { [key: string]: number | tf.Scalar };

/**
 * Default λ, from docs/distill.md: elementwise at 1e-4 (a distillation gradient about as large as the L1 gradient
 * at the start) tied with no DBT over seeds and was the steadiest setting; larger weights lost. DBT stays opt-in.
 */
export const DEFAULT_DBT_WEIGHT = 1e-4;
/** Default attention form (see DEFAULT_DBT_WEIGHT). */
export const DEFAULT_DBT_FORM: AttentionForm = 'elementwise';
/**
 * Default of `gradFraction` for weight 'auto': the distillation gradient as a fraction of the task gradient at
 * the start of training. 1 is what the default elementwise 1e-4 gave in docs/distill.md (measured 0.95).
 */
export const DEFAULT_DBT_GRAD_FRACTION = 1;
/** Key of the distillation loss in fit's batch/epoch logs and history. */
export const DISTILL_LOG_KEY = 'distill';
/** Key of weight · ‖∇L_dis‖ / ‖∇L_task‖ on the calibration batch, in fit's logs (when it was measured). */
export const GRAD_RATIO_LOG_KEY = 'distillGradRatio';

export interface DBTCallbackArgs {
  /** The frozen full-precision teacher (e.g. the trained FP twin). Never updated. */
  teacher: tfl.LayersModel;
  /**
   * λ in total = L1 + λ·L_dis. Default DEFAULT_DBT_WEIGHT (provisional). May be changed between batches.
   * 'auto': λ = gradFraction · ‖∇L_task‖ / ‖∇L_dis‖, measured on `calibration` when training begins.
   */
  weight?: number | 'auto';
  /** With weight 'auto': the distillation gradient's target size as a fraction of the task gradient's. */
  gradFraction?: number;
  /**
   * A batch (LR inputs, HR targets) to measure the two gradients on at the start of fit; required by 'auto'.
   * With a fixed weight it is optional and only makes `logs.distillGradRatio` available.
   */
  calibration?: { x: tf.Tensor; y: tf.Tensor };
  /** Explicit (student layer, teacher layer) pairs; default: shared `block_NN` / `rstb_NN` names. */
  pairs?: readonly PairSpec[];
  /** Attention form (inferred); default DEFAULT_DBT_FORM (provisional). */
  form?: AttentionForm | 'element_wise';
}

interface CallHook {
  layer: Layer;
  previous: PropertyDescriptor | undefined;
}

interface Attachment {
  student: tfl.LayersModel;
  pairs: BlockPair[];
  hooks: CallHook[];
  lossHost: Layer;
  lossFn: () => tf.Scalar;
  teacherBlocks: tfl.LayersModel;
  /** Block outputs of the current training forward pass, kept (we dispose them after the step). */
  captured: Array<tf.Tensor | null>;
  /** The model inputs of the current training forward pass (owned by fit, alive through the step). */
  inputs: Array<tf.Tensor | null>;
  consumed: boolean;
}

function isTraining(kwargs: Kwargs): boolean {
  return kwargs != null && kwargs['training'] === true;
}

/** Wraps `layer.call` so `after` sees each call's inputs, kwargs and output; undone by `unhookCall`. */
function hookCall(layer: Layer, after: (inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs, out: tf.Tensor | tf.Tensor[]) => void): CallHook {
  const previous = Object.getOwnPropertyDescriptor(layer, 'call');
  const inner = layer.call;
  const wrapped = function (this: Layer, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
    const out = inner.call(this, inputs, kwargs ?? {});
    after(inputs, kwargs, out);
    return out;
  };
  Object.defineProperty(layer, 'call', { value: wrapped, configurable: true, writable: true, enumerable: false });
  return { layer, previous };
}

function unhookCall(h: CallHook): void {
  if (h.previous) Object.defineProperty(h.layer, 'call', h.previous);
  else delete (h.layer as unknown as { call?: unknown }).call;
}

/**
 * `student.fit(x, y, {callbacks: [new DBTCallback({teacher, weight})]})` adds weight · L_dis (attention
 * distillation from the teacher's blocks, see attention-loss.ts) to the loss that fit minimizes, and
 * reports L_dis as `logs.distill` per batch and per epoch (so it appears in `history.history.distill`).
 */
export class DBTCallback extends tfl.Callback {
  readonly teacher: tfl.LayersModel;
  readonly form: AttentionForm;
  readonly pairSpecs: readonly PairSpec[] | undefined;
  readonly autoWeight: boolean;
  readonly gradFraction: number;
  private readonly calibration: { x: tf.Tensor; y: tf.Tensor } | undefined;
  private weight_: number;
  private gradRatio_: GradRatio | null = null;
  private att: Attachment | null = null;
  private batchLogs: Logs | null = null;

  constructor(args: DBTCallbackArgs) {
    super();
    if (args == null || args.teacher == null || !Array.isArray((args.teacher as tfl.LayersModel).layers)) {
      throw new Error('DBTCallback: `teacher` must be a tfjs-layers model');
    }
    this.teacher = args.teacher;
    this.weight_ = DEFAULT_DBT_WEIGHT;
    this.autoWeight = args.weight === 'auto';
    if (!this.autoWeight) this.weight = (args.weight ?? DEFAULT_DBT_WEIGHT) as number;
    this.gradFraction = args.gradFraction ?? DEFAULT_DBT_GRAD_FRACTION;
    if (this.autoWeight) balancedWeight({ taskNorm: 1, distillNorm: 1, ratio: 1 }, this.gradFraction, 'DBTCallback');
    if (args.calibration !== undefined && !(args.calibration?.x instanceof tf.Tensor && args.calibration?.y instanceof tf.Tensor)) {
      throw new Error('DBTCallback: `calibration` must be {x, y} with two tensors (a batch of inputs and targets)');
    }
    if (this.autoWeight && args.calibration === undefined) {
      throw new Error("DBTCallback: weight 'auto' needs `calibration: {x, y}` (one batch of inputs and targets) to " +
        'measure the task and distillation gradients on');
    }
    this.calibration = args.calibration;
    this.form = resolveAttentionForm(args.form ?? DEFAULT_DBT_FORM, 'DBTCallback');
    this.pairSpecs = args.pairs;
  }

  get weight(): number {
    return this.weight_;
  }

  set weight(w: number) {
    this.weight_ = checkWeight(w, 'DBTCallback');
  }

  /** The gradient norms measured on the calibration batch (null before fit, or without calibration). */
  get gradRatio(): GradRatio | null {
    return this.gradRatio_ ? { ...this.gradRatio_ } : null;
  }

  /** The resolved pairs while attached (during fit), else []. */
  get pairs(): BlockPair[] {
    return this.att ? this.att.pairs.map((p) => ({ ...p })) : [];
  }

  get attached(): boolean {
    return this.att !== null;
  }

  override async onTrainBegin(): Promise<void> {
    if (this.calibration) this.calibrate(this.model);
    this.attach(this.model);
  }

  /**
   * Measures the gradient ratio on the calibration batch with the student's compiled loss (L1 when it has
   * none) and, with weight 'auto', sets the weight from it. fit calls this once per fit() call, before the first
   * step; an 'auto' weight is measured once and then kept, so a second fit() continues with the same λ.
   */
  calibrate(student: tfl.LayersModel): GradRatio {
    if (!this.calibration) throw new Error('DBTCallback: calibrate() needs `calibration: {x, y}`');
    if (this.gradRatio_ && this.autoWeight) return this.gradRatio_;
    const compiled = (student as unknown as { lossFunctions?: TaskLoss[] }).lossFunctions?.[0];
    this.gradRatio_ = measureGradRatio({
      student, teacher: this.teacher, x: this.calibration.x, y: this.calibration.y, form: this.form,
      pairs: this.pairSpecs, taskLoss: compiled ?? l1Loss,
    });
    if (this.autoWeight) this.weight_ = balancedWeight(this.gradRatio_, this.gradFraction, 'DBTCallback');
    return this.gradRatio_;
  }

  override async onBatchBegin(_batch: number, logs?: unknown): Promise<void> {
    this.releaseCaptures();
    this.batchLogs = (logs as Logs | undefined) ?? null;
    // Set now: fit fills this same object during the step and hands it to every onBatchEnd (the epoch
    // averaging one may come before ours).
    if (this.gradRatio_ && this.batchLogs) this.batchLogs[GRAD_RATIO_LOG_KEY] = this.weight_ * this.gradRatio_.ratio;
  }

  override async onBatchEnd(): Promise<void> {
    this.releaseCaptures();
    this.batchLogs = null;
  }

  override async onTrainEnd(): Promise<void> {
    this.detach();
  }

  /**
   * Installs the hooks and the loss closure on `student` (fit does this through onTrainBegin). Exposed for
   * custom loops; pair with `detach()`.
   */
  attach(student: tfl.LayersModel): void {
    if (this.att) this.detach();
    checkStudent(student, this.teacher);
    const pairs = resolvePairs(student, this.teacher, this.pairSpecs);
    const teacherBlocks = blockOutputModel(this.teacher, pairs.map((p) => p.teacher), 'teacher');

    const att: Attachment = {
      student, pairs, hooks: [], lossHost: null as unknown as Layer, lossFn: null as unknown as () => tf.Scalar,
      teacherBlocks, captured: pairs.map(() => null), inputs: student.inputs.map(() => null), consumed: false,
    };
    try {
      hookInputs(student, att);
      // The student's block outputs from the same forward pass (they stay on fit's gradient tape).
      pairs.forEach((p, k) => {
        const layer = findLayer(student, p.student, 'student');
        att.hooks.push(hookCall(layer, (_inputs, kwargs, out) => {
          if (!isTraining(kwargs)) return;
          const o = Array.isArray(out) ? out[0] : out;
          att.captured[k]?.dispose();
          // Our own clone (an identity on the tape, so gradients flow) kept past the tidy a nested model's call
          // runs in; owning it means releasing it never touches a tensor the model or fit still uses.
          att.captured[k] = tf.keep(tf.clone(o));
        }));
      });
    } catch (e) {
      att.hooks.reverse().forEach(unhookCall);
      throw e;
    }
    // The closure's host must be a plain layer: a nested model's calculateLosses only visits its own layers.
    const host = allLayers(student).find((l) => !Array.isArray((l as unknown as { layers?: unknown }).layers) &&
      l.getClassName() !== 'InputLayer');
    if (host === undefined) {
      att.hooks.reverse().forEach(unhookCall);
      throw new Error(`DBTCallback: student '${student.name}' has no layer to attach the distillation loss to`);
    }
    att.lossHost = host;
    att.lossFn = () => this.distillLoss(att);
    att.lossHost.addLoss(att.lossFn);
    this.att = att;

    // fit's BaseLogger averages per epoch only the keys listed in params.metrics; listing `distill` puts the
    // epoch mean into the epoch logs and history.
    const metrics = this.params?.['metrics'];
    if (Array.isArray(metrics)) {
      for (const key of [DISTILL_LOG_KEY, ...(this.gradRatio_ ? [GRAD_RATIO_LOG_KEY] : [])]) {
        if (!(metrics as string[]).includes(key)) (metrics as string[]).push(key);
      }
    }
  }

  /** Removes every hook and the loss closure; the student is left as before attach. Idempotent. */
  detach(): void {
    const att = this.att;
    if (!att) return;
    this.releaseCaptures();
    for (const h of [...att.hooks].reverse()) unhookCall(h);
    const losses = att.lossHost.losses as unknown[];
    const at = losses.indexOf(att.lossFn);
    if (at >= 0) losses.splice(at, 1);
    this.att = null;
    this.batchLogs = null;
  }

  /** weight · L_dis for the batch of the current training forward pass (0 when there is none). */
  private distillLoss(att: Attachment): tf.Scalar {
    // No training forward pass since the last step (e.g. calculateLosses called outside fit), or this step's
    // term already added (the host layer sits in the graph more than once): nothing to add.
    if (att.consumed || !att.inputs.every((t) => t !== null && !t.isDisposed)) return tf.scalar(0);
    att.consumed = true;
    try {
      const missing = att.pairs.find((_p, k) => att.captured[k] === null);
      if (missing) {
        throw new Error(`DBT: student layer '${missing.student}' did not run in the training forward pass; pair ` +
          `only layers on the path from the model's input to its output`);
      }
      const { lDis, term } = this.computeDistill(att);
      if (this.batchLogs) {
        const old = this.batchLogs[DISTILL_LOG_KEY];
        if (old instanceof tf.Tensor) old.dispose();
        this.batchLogs[DISTILL_LOG_KEY] = tf.keep(lDis);
      }
      return term;
    } catch (e) {
      // fit will not reach onTrainEnd: leave the student clean before the error propagates.
      this.detach();
      throw e;
    }
  }

  private computeDistill(att: Attachment): { lDis: tf.Scalar; term: tf.Scalar } {
    const x = att.inputs as tf.Tensor[];
    const shapes: number[][] = [];
    // The teacher runs inside a customGrad forward, where tfjs does not record onto the tape: no gradient
    // flows into (or is computed through) the teacher.
    const teacherAttention = tf.customGrad((...args: unknown[]) => {
      const xs = args.slice(0, x.length) as tf.Tensor[];
      const value = tf.tidy(() => {
        const outs = runBlocks(att.teacherBlocks, xs);
        outs.forEach((o) => shapes.push(o.shape));
        const maps = outs.map((o, k) => attention(o, this.form, pairLabel(att.pairs[k])));
        return maps.length === 1 ? maps[0] : tf.concat(maps, 1);
      });
      return { value, gradFunc: () => xs.map((t) => tf.zerosLike(t)) };
    }) as unknown as (...t: tf.Tensor[]) => tf.Tensor2D;
    const tAll = teacherAttention(...x);
    att.pairs.forEach((p, k) => {
      const s = (att.captured[k] as tf.Tensor).shape;
      if (!sameShape(s, shapes[k])) {
        throw new Error(`DBT: output shapes differ for student layer '${p.student}' [${s}] and teacher layer ` +
          `'${p.teacher}' [${shapes[k]}]`);
      }
    });
    const sizes = att.captured.map((t) => (t as tf.Tensor).size / (t as tf.Tensor).shape[0]);
    const dims = this.form === 'spatial'
      ? att.captured.map((t) => (t as tf.Tensor).size / (t as tf.Tensor).shape[0] / lastDim(t as tf.Tensor))
      : sizes;
    const tMaps = dims.length === 1 ? [tAll] : tf.split(tAll, dims, 1);
    return dbtTerm(att.captured as tf.Tensor[], tMaps, { form: this.form, weight: this.weight_, teacherIsAttention: true, names: att.pairs });
  }

  private releaseCaptures(): void {
    const att = this.att;
    if (!att) return;
    att.captured.forEach((t, k) => {
      if (t && !t.isDisposed) t.dispose();
      att.captured[k] = null;
    });
    att.inputs.fill(null);
    att.consumed = false;
  }
}

function lastDim(t: tf.Tensor): number {
  return t.shape[t.rank - 1];
}

function pairLabel(p: BlockPair): string {
  return `DBT pair student '${p.student}' / teacher '${p.teacher}'`;
}

/** Factory in the tfjs style. */
export function dbtCallback(args: DBTCallbackArgs): DBTCallback {
  return new DBTCallback(args);
}

/** A student fit to distill into from `teacher`: a model, not the teacher, with its own weights and as many inputs. */
function checkStudent(student: tfl.LayersModel, teacher: tfl.LayersModel): void {
  if (student == null || !Array.isArray(student.layers)) {
    throw new Error('DBTCallback: no student model (the callback must be passed to fit/fitDataset)');
  }
  if (student === teacher) throw new Error('DBTCallback: the teacher must be a different model than the student');
  const teacherWeights = new Set<unknown>(teacher.weights);
  const shared = student.trainableWeights.find((w) => teacherWeights.has(w));
  if (shared) {
    throw new Error(`DBTCallback: student and teacher share the weight '${shared.name}'; the teacher must stay ` +
      'frozen, so give the student its own copy');
  }
  if (student.inputs.length !== teacher.inputs.length) {
    throw new Error(`DBTCallback: student '${student.name}' has ${student.inputs.length} inputs but teacher ` +
      `'${teacher.name}' has ${teacher.inputs.length}`);
  }
}

/** The batch: captured where each model input enters its first consumer layer (fit feeds inputs there). */
function hookInputs(student: tfl.LayersModel, att: Attachment): void {
  student.inputs.forEach((input, i) => {
    let slot = -1;
    const consumer = student.layers.find((l) => {
      if (l.getClassName() === 'InputLayer') return false;
      for (const node of l.inboundNodes) {
        const k = node.inputTensors.indexOf(input);
        if (k >= 0) {
          slot = k;
          return true;
        }
      }
      return false;
    });
    if (consumer === undefined) {
      throw new Error(`DBTCallback: no layer of student '${student.name}' consumes input '${input.name}'`);
    }
    att.hooks.push(hookCall(consumer, (inputs, kwargs) => {
      if (!isTraining(kwargs)) return;
      const list = Array.isArray(inputs) ? inputs : [inputs];
      att.inputs[i] = list[slot] ?? null;
    }));
  });
}
