// binarizeModel: turn the Conv2D / Dense layers of an existing tfjs LayersModel (functional or sequential) into
// SRBConv2D / SRBDense, copying their latent weights, so a third-party FP model becomes a trainable FRB model.
// It rewrites the model's own JSON topology (class names + SRB options) and rebuilds it with tfjs' deserializer,
// so any topology tfjs can save (branches, merges, shared inputs) converts the same way.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SRBConv2D, SRBDense, type BinaryLayerArgs } from '@frb/layers';

/** Layer names, patterns or a predicate. */
export type LayerMatcher = string | RegExp | Array<string | RegExp> | ((layer: tfl.layers.Layer) => boolean);

export interface BinarizeModelOptions extends BinaryLayerArgs {
  /**
   * Only these layers are converted (overrides the default first/last exclusion). A layer named explicitly must be
   * a Conv2D/Dense; patterns and predicates skip layers that cannot be converted.
   */
  include?: LayerMatcher;
  /** These layers stay full precision. */
  exclude?: LayerMatcher;
  /**
   * Keep the first and last convertible layers full precision (default true, as binary SR/classification
   * networks do). Ignored when `include` is given.
   */
  keepFirstAndLast?: boolean;
  /** Convert Dense layers too (default true). */
  dense?: boolean;
  /** Name of the new model (default: the old name + '_binary'). */
  name?: string;
}

export interface BinarizationPlan {
  /** Layers that become SRB layers, in model order. */
  convert: string[];
  /** Convertible (Conv2D/Dense) layers that stay full precision. */
  keep: string[];
}

const CONVERTIBLE: Record<string, string> = { Conv2D: SRBConv2D.className, Dense: SRBDense.className };

function matcherFn(m: LayerMatcher, what: string, names: Set<string>): (l: tfl.layers.Layer) => boolean {
  if (typeof m === 'function') return m;
  const items = Array.isArray(m) ? m : [m];
  for (const it of items) {
    if (typeof it === 'string' && !names.has(it)) {
      throw new Error(`binarizeModel: ${what} names layer '${it}', which is not in the model`);
    }
    if (typeof it !== 'string' && !(it instanceof RegExp)) {
      throw new Error(`binarizeModel: ${what} entries must be layer names or RegExps, got ${String(it)}`);
    }
  }
  return (l) => items.some((it) => (typeof it === 'string' ? it === l.name : it.test(l.name)));
}

function isNestedModel(l: tfl.layers.Layer): boolean {
  return l instanceof tfl.LayersModel;
}

/** Which layers binarizeModel would convert, without building anything. */
export function planBinarization(model: tfl.LayersModel, opts: BinarizeModelOptions = {}): BinarizationPlan {
  if (!(model instanceof tfl.LayersModel)) throw new Error('binarizeModel: model must be a tfjs LayersModel');
  const names = new Set(model.layers.map((l) => l.name));
  const dense = opts.dense ?? true;
  const isConvertible = (l: tfl.layers.Layer) => l.getClassName() === 'Conv2D' || (dense && l.getClassName() === 'Dense');
  const convertible = model.layers.filter(isConvertible);
  const include = opts.include !== undefined ? matcherFn(opts.include, 'include', names) : undefined;
  const exclude = opts.exclude !== undefined ? matcherFn(opts.exclude, 'exclude', names) : () => false;

  for (const l of model.layers) {
    if (isNestedModel(l) && !exclude(l)) {
      const inner = (l as tfl.LayersModel).layers.filter((x) => ['Conv2D', 'Dense'].includes(x.getClassName()));
      if (inner.length > 0) {
        throw new Error(`binarizeModel: layer '${l.name}' is a nested model with Conv2D/Dense layers; binarize it on its own or list it in exclude`);
      }
    }
  }
  // A layer named explicitly must be convertible; patterns and predicates simply skip what cannot convert.
  const explicit = opts.include === undefined || typeof opts.include === 'function' ? [] : (Array.isArray(opts.include) ? opts.include : [opts.include]);
  for (const it of explicit) {
    if (typeof it !== 'string') continue;
    const l = model.getLayer(it);
    if (!isConvertible(l)) {
      throw new Error(`binarizeModel: include names layer '${it}' of class ${l.getClassName()}; only Conv2D${dense ? ' and Dense' : ''} layers can be binarized`);
    }
  }

  const firstLast = new Set<string>();
  if (!include && (opts.keepFirstAndLast ?? true) && convertible.length > 0) {
    firstLast.add(convertible[0].name);
    firstLast.add(convertible[convertible.length - 1].name);
  }
  const plan: BinarizationPlan = { convert: [], keep: [] };
  for (const l of convertible) {
    const yes = (include ? include(l) : !firstLast.has(l.name)) && !exclude(l);
    (yes ? plan.convert : plan.keep).push(l.name);
  }
  return plan;
}

type PyDict = { [k: string]: unknown };

/**
 * Convert the Conv2D/Dense layers of `model` into SRBConv2D/SRBDense (options as in @frb/layers: order,
 * centerWeights, scaleWeights, inputQuantizer, learnableThreshold), copying kernels and biases as the latent
 * weights; every other weight is copied unchanged. The input model is left untouched.
 */
export async function binarizeModel(model: tfl.LayersModel, opts: BinarizeModelOptions = {}): Promise<tfl.LayersModel> {
  const plan = planBinarization(model, opts);
  const convert = new Set(plan.convert);
  const binaryArgs: PyDict = {};
  for (const k of ['order', 'centerWeights', 'scaleWeights', 'inputQuantizer', 'learnableThreshold'] as const) {
    if (opts[k] !== undefined) binaryArgs[k] = opts[k];
  }

  const topology = model.toJSON(null, false) as PyDict;
  const config = topology.config as PyDict;
  const layers = config.layers as PyDict[] | undefined;
  if (!Array.isArray(layers)) throw new Error(`binarizeModel: model '${model.name}' has no layer list in its topology`);
  const seen = new Set<string>();
  for (const entry of layers) {
    const cfg = entry.config as PyDict;
    const name = (entry.name ?? cfg?.name) as string;
    if (!convert.has(name)) continue;
    const target = CONVERTIBLE[entry.class_name as string];
    if (!target) throw new Error(`binarizeModel: layer '${name}' has class ${String(entry.class_name)}, not Conv2D/Dense`);
    entry.class_name = target;
    entry.config = { ...cfg, ...binaryArgs };
    seen.add(name);
  }
  for (const n of convert) {
    if (!seen.has(n)) throw new Error(`binarizeModel: layer '${n}' was not found in the saved topology of '${model.name}'`);
  }
  config.name = opts.name ?? `${model.name}_binary`;

  const out = await tfl.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);

  // Copy weights layer by layer: stock layers 1:1, converted ones by weight role (kernel, bias), leaving the new
  // SRB-only weights (threshold) at their initial values.
  for (const newLayer of out.layers) {
    let old: tfl.layers.Layer;
    try {
      old = model.getLayer(newLayer.name);
    } catch {
      throw new Error(`binarizeModel: rebuilt layer '${newLayer.name}' has no counterpart in '${model.name}'`);
    }
    if (!convert.has(newLayer.name)) {
      if (old.weights.length) newLayer.setWeights(old.getWeights());
      continue;
    }
    const role = (w: { originalName: string }) => w.originalName.split('/').pop()!;
    const oldByRole = new Map(old.weights.map((w, i) => [role(w), old.getWeights()[i]]));
    const values = newLayer.weights.map((w) => {
      const v = oldByRole.get(role(w));
      if (v) {
        if (!tf.util.arraysEqual(v.shape, w.shape as number[])) {
          throw new Error(`binarizeModel: weight '${w.originalName}' of layer '${newLayer.name}' has shape [${w.shape}], the original has [${v.shape}]`);
        }
        oldByRole.delete(role(w));
        return v;
      }
      return w.read();
    });
    if (oldByRole.size) {
      throw new Error(`binarizeModel: weights ${[...oldByRole.keys()].join(', ')} of layer '${old.name}' have no place in ${newLayer.getClassName()}`);
    }
    newLayer.setWeights(values);
  }
  return out;
}
