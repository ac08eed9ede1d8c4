/**
 * From a trained SRB layer to its packed form: the SRB decomposition Ŵ = Σ_k α_k s_k (srbDecompose; the
 * centering mean is not part of Ŵ, so it needs no storage) is turned into one-bit sign rows per base and output
 * channel plus the α's; the RSign threshold and the bias are copied. Everything the float simulation computes is
 * folded into those per-channel multipliers and biases.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { isSRBLayer, type SRBLayer } from '../layers/srb-base.js';
import { SRBConv2D } from '../layers/srb-conv2d.js';
import { packWeightSigns, restrideRows, wordsFor } from './bits.js';
import { BINARY_INPUT_QUANTIZERS, definedOnly } from './packed-common.js';
import { PackedConv2D } from './packed-conv2d.js';
import { PackedDense } from './packed-dense.js';
import { PackedBinaryUnit } from './packed-unit.js';
import { PackedUpsampleUnit } from './packed-upsample-unit.js';
import { chainLastFits, PackedChain } from './packed-chain.js';
import { RPReLU } from '../layers/rprelu.js';

export interface PackedLayerSpec {
  /** 'PackedConv2D' or 'PackedDense'. */
  className: string;
  /** The packed layer's config (camelCase keys, as getConfig returns). */
  config: tf.serialization.ConfigDict;
  /** Its weights in layer order: packed_kernel (int32), alpha, [threshold], [bias]. Caller disposes. */
  weights: tf.Tensor[];
}

function who(layer: tfl.layers.Layer): string {
  return `${layer.getClassName()} '${layer.name}'`;
}

/** Whether `layer` is an SRB layer that can be packed (binary inputs and weights). */
export function isPackable(layer: tfl.layers.Layer): boolean {
  if (!isSRBLayer(layer)) return false;
  const q = layer.binary.inputQuantizer;
  return q !== null && BINARY_INPUT_QUANTIZERS.includes(q);
}

/** The packed config and weights of a built SRBConv2D / SRBDense (read through the SRB base's members). */
export function packSRBLayer(layer: SRBLayer): PackedLayerSpec {
  if (!isSRBLayer(layer)) {
    throw new Error(`packSRBLayer: expected an SRBConv2D or SRBDense layer, got ${(layer as tfl.layers.Layer)?.getClassName?.() ?? typeof layer}`);
  }
  const q = layer.binary.inputQuantizer;
  if (q === null || !BINARY_INPUT_QUANTIZERS.includes(q)) {
    throw new Error(`${who(layer)}: inputQuantizer ${JSON.stringify(q)} keeps activations full precision, so the layer cannot run on packed bits`);
  }
  if (!layer.built) throw new Error(`${who(layer)}: packing needs a built layer (with weights)`);
  const cfg = layer.getConfig();
  const order = layer.binary.order;
  const kernel = layer.latentKernel!;
  const shape = kernel.shape as number[];
  const cout = shape[shape.length - 1];
  const cin = shape[shape.length - 2];
  const taps = shape.length === 4 ? shape[0] * shape[1] : 1;
  const dec = layer.decompose();
  try {
    // Stored compactly: taps × ⌈cin/32⌉ words per row (the kernels' even row padding is added at load).
    const words = taps * wordsFor(cin);
    const rows = dec.signs.map((s) => {
      const padded = packWeightSigns(s.dataSync(), taps, cin, cout);
      return restrideRows(padded, cout, padded.length / cout, words);
    });
    const packed = new Int32Array(order * cout * words);
    rows.forEach((r, k) => packed.set(r, k * cout * words));
    const weights: tf.Tensor[] = [tf.tensor2d(packed, [order * cout, words], 'int32'), tf.stack(dec.alphas)];
    if (layer.threshold) weights.push(layer.threshold.read().clone());
    const bias = layer.biasWeight;
    if (bias) weights.push(bias.read().clone());
    const common = {
      name: cfg.name, dtype: cfg.dtype, useBias: bias != null, activation: cfg.activation ?? 'linear', order,
      learnableThreshold: layer.threshold != null, inputQuantizer: q,
    };
    const config: tf.serialization.ConfigDict = layer instanceof SRBConv2D
      ? {
        ...common, filters: cfg.filters, kernelSize: cfg.kernelSize, strides: cfg.strides, padding: cfg.padding,
        dilationRate: cfg.dilationRate,
      }
      : { ...common, units: cfg.units };
    return { className: layer instanceof SRBConv2D ? PackedConv2D.className : PackedDense.className, config, weights };
  } finally {
    tf.dispose([dec.mean, ...dec.signs, ...dec.alphas, dec.binarized]);
  }
}

/** A built packed layer equivalent to `layer` (for use outside a model; deployModel swaps whole models). */
export function packLayer(layer: SRBLayer): PackedConv2D | PackedDense {
  const spec = packSRBLayer(layer);
  const packed = spec.className === PackedConv2D.className
    ? new PackedConv2D(spec.config as unknown as ConstructorParameters<typeof PackedConv2D>[0])
    : new PackedDense(spec.config as unknown as ConstructorParameters<typeof PackedDense>[0]);
  const shape = layer.latentKernel!.shape as number[];
  const cin = shape[shape.length - 2];
  packed.build(spec.className === PackedConv2D.className ? [null, null, null, cin] : [null, cin]);
  packed.setWeights(spec.weights);
  tf.dispose(spec.weights);
  return packed;
}

/**
 * Why `conv` → `act` → add(·, conv's input) cannot be one PackedBinaryUnit, or null when it can: the conv must be
 * a packable SRBConv2D with strides 1, padding 'same', no activation and filters = input channels, and `act` an
 * RPReLU over those channels.
 */
export function unitFusionProblem(conv: tfl.layers.Layer, act: tfl.layers.Layer): string | null {
  return stageProblem(conv, act, 1);
}

/**
 * Why conv → act → PixelShuffle(r) plus nearest_r(conv's input) cannot be one PackedUpsampleUnit, or null when it
 * can: as unitFusionProblem, except that the conv maps C channels to C·r².
 */
export function upsampleFusionProblem(conv: tfl.layers.Layer, act: tfl.layers.Layer, scale: number): string | null {
  if (!Number.isInteger(scale) || scale < 2) return `scale must be an integer >= 2, got ${scale}`;
  return stageProblem(conv, act, scale);
}

/** The checks both fusions share; the conv maps C channels to C·r² (r = 1: a unit with its residual add). */
function stageProblem(conv: tfl.layers.Layer, act: tfl.layers.Layer, r: number): string | null {
  if (!(conv instanceof SRBConv2D)) return `${who(conv)} is not an SRBConv2D`;
  if (!isPackable(conv)) return `${who(conv)} has full-precision activations`;
  if (!(act instanceof RPReLU)) return `${who(act)} is not an RPReLU`;
  if (!conv.built || !act.built) return `${who(conv)} and ${who(act)} must be built`;
  const cfg = conv.getConfig();
  const one = (v: unknown) => [v].flat().every((s) => s === 1);
  if (!one(cfg.strides) || cfg.padding !== 'same') return `${who(conv)} needs strides 1 and padding 'same'`;
  if ((cfg.activation ?? 'linear') !== 'linear') return `${who(conv)} has activation '${String(cfg.activation)}'`;
  const shape = conv.latentKernel!.shape as number[];
  if (shape[3] !== shape[2] * r * r) {
    return `${who(conv)} maps ${shape[2]} channels to ${shape[3]}, ${r === 1 ? 'so its input cannot be added' : `not to ${shape[2]}·${r}²`}`;
  }
  if (act.gamma!.shape[0] !== shape[3] || act.gamma!.shape.length !== 1) return `${who(act)} is not per channel of ${who(conv)}'s ${shape[3]} outputs`;
  return null;
}

/** The packed conv's spec plus the RPReLU's three weights, as a fused layer of class `className`. */
function fusedSpec(conv: SRBConv2D, act: RPReLU, className: string, config: tf.serialization.ConfigDict): PackedLayerSpec {
  const spec = packSRBLayer(conv);
  spec.weights.push(act.gamma!.read().clone(), act.alpha!.read().clone(), act.zeta!.read().clone());
  return { className, config: { ...spec.config, ...config }, weights: spec.weights };
}

/**
 * The PackedBinaryUnit config and weights of the unit conv → act → add(·, x) (see unitFusionProblem), named `name`
 * (deployModel gives it the add's name, so the graph downstream is unchanged), followed by LeakyReLU(leakyAlpha)
 * when given (deployModel then names it after the LeakyReLU). Caller disposes the weights.
 */
export function packUnitSpec(conv: SRBConv2D, act: RPReLU, name: string, leakyAlpha?: number): PackedLayerSpec {
  const problem = unitFusionProblem(conv, act);
  if (problem !== null) throw new Error(`packUnitSpec: ${problem}`);
  if (leakyAlpha !== undefined && !Number.isFinite(leakyAlpha)) throw new Error(`packUnitSpec: leakyAlpha must be a finite number, got ${leakyAlpha}`);
  return fusedSpec(conv, act, PackedBinaryUnit.className, leakyAlpha === undefined ? { name } : { name, leakyAlpha });
}

/** The PackedUpsampleUnit config and weights of the stage conv → act → shuffle + nearest (see upsampleFusionProblem). */
export function packUpsampleUnitSpec(conv: SRBConv2D, act: RPReLU, scale: number, name: string): PackedLayerSpec {
  const problem = upsampleFusionProblem(conv, act, scale);
  if (problem !== null) throw new Error(`packUpsampleUnitSpec: ${problem}`);
  return fusedSpec(conv, act, PackedUpsampleUnit.className, { name, scale });
}

/**
 * Why the float conv `last` on `channels` channels cannot end a PackedChain whose native pass runs, or null when it
 * can: `last` must be a built tfjs Conv2D, 3×3, strides and dilations 1, padding 'same', channels last, no
 * activation, with at most 4 filters, and the channels a multiple of 16 (the narrow conv the pass uses).
 */
export function chainLastProblem(last: tfl.layers.Layer, channels: number): string | null {
  if (last.getClassName() !== 'Conv2D' || !last.built) return `${who(last)} is not a built Conv2D`;
  const cfg = last.getConfig();
  const all = (v: unknown, n: number) => [v].flat().every((s) => s === n);
  if (!all(cfg.kernelSize, 3) || !all(cfg.strides, 1) || !all(cfg.dilationRate, 1) || cfg.padding !== 'same') {
    return `${who(last)} is not a 3x3 'same' conv with strides and dilations 1`;
  }
  if ((cfg.activation ?? 'linear') !== 'linear' || (cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') return `${who(last)} has an activation or is channels first`;
  if (!chainLastFits(channels, cfg.filters as number)) return `${who(last)} has ${String(cfg.filters)} filters on ${channels} channels (the native pass needs <= 4 on a multiple of 16)`;
  return null;
}

/**
 * The PackedChain config and weights of consecutive fused parts (packUnitSpec / packUpsampleUnitSpec specs, each
 * reading the previous one's output) and, optionally, the float conv to RGB `last` after them (see
 * chainLastProblem), named `name` (deployModel gives it the name of the layer it ends with, so the graph downstream
 * is unchanged). Takes over the parts' weights; caller disposes the result's.
 */
export function packChainSpec(parts: PackedLayerSpec[], last: tfl.layers.Layer | null, name: string): PackedLayerSpec {
  if (parts.length === 0) throw new Error('packChainSpec: a chain needs at least one part');
  const channels = parts[parts.length - 1].config.filters as number / ((parts[parts.length - 1].config.scale as number | undefined) ?? 1) ** 2;
  const problem = last ? chainLastProblem(last, channels) : null;
  if (problem !== null) throw new Error(`packChainSpec: ${problem}`);
  const cfg = last?.getConfig();
  return {
    className: PackedChain.className,
    config: { name, parts: parts.map((p) => definedOnly(p.config)), last: cfg ? { filters: cfg.filters, useBias: cfg.useBias } : null },
    weights: [...parts.flatMap((p) => p.weights), ...(last ? last.getWeights().map((w) => w.clone()) : [])],
  };
}

/**
 * A built PackedBinaryUnit equal to conv → act → add(·, conv's input), then LeakyReLU(leakyAlpha) when given (for
 * use outside a model).
 */
export function packUnit(conv: SRBConv2D, act: RPReLU, name = `${conv.name}_unit`, leakyAlpha?: number): PackedBinaryUnit {
  return buildFused(packUnitSpec(conv, act, name, leakyAlpha), PackedBinaryUnit, conv);
}

/** A built PackedUpsampleUnit equal to the stage conv → act → PixelShuffle(scale) + nearest_scale(input). */
export function packUpsampleUnit(conv: SRBConv2D, act: RPReLU, scale: number, name = `${conv.name}_stage`): PackedUpsampleUnit {
  return buildFused(packUpsampleUnitSpec(conv, act, scale, name), PackedUpsampleUnit, conv);
}

function buildFused<T extends PackedConv2D>(spec: PackedLayerSpec, Layer: new (args: never) => T, conv: SRBConv2D): T {
  const layer = new Layer(spec.config as never);
  layer.build([null, null, null, conv.latentKernel!.shape[2]]);
  layer.setWeights(spec.weights);
  tf.dispose(spec.weights);
  return layer;
}
