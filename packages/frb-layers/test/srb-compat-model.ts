// The model the SRB compatibility record is made from: every SRB option that changes the config, the weights or the
// computation, with explicit names (tfjs' automatic names depend on what the process built before).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { packSRBLayer, rprelu, srbConv2d, srbDense, type SRBConv2D, type SRBDense } from '@frb/layers';

export const COMPAT_INPUT_SHAPE = [2, 5, 5, 3];
/** Layers whose packed form (the deploy hook) is recorded too. */
export const COMPAT_PACKED = ['c_default', 'c_order3', 'd_tokens'];

/** A smooth, backend-independent input (no RNG). */
export function compatInput(shape = COMPAT_INPUT_SHAPE): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + 0.2) * 0.8), shape);
}

export function compatModel(): tfl.LayersModel {
  const x = tfl.input({ shape: COMPAT_INPUT_SHAPE.slice(1) });
  const chain = (h: tfl.SymbolicTensor, layer: tfl.layers.Layer) => layer.apply(h) as tfl.SymbolicTensor;
  let h = chain(x, srbConv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c_default' }));
  h = chain(h, rprelu({ name: 'act' }));
  h = chain(h, srbConv2d({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2, order: 3, inputQuantizer: 'ste_sign', name: 'c_order3' }));
  h = chain(h, srbConv2d({
    filters: 4, kernelSize: 3, padding: 'same', order: 1, scaleWeights: false, centerWeights: false, useBias: true,
    activation: 'tanh', name: 'c_bnn',
  }));
  h = chain(h, srbConv2d({ filters: 4, kernelSize: [1, 3], strides: [1, 2], inputQuantizer: 'sign', learnableThreshold: false, name: 'c_nothr' }));
  h = chain(h, srbConv2d({ filters: 3, kernelSize: 1, inputQuantizer: null, useBias: true, name: 'c_fp_act' }));
  h = chain(h, tfl.layers.reshape({ targetShape: [10, 3], name: 'to_tokens' }));
  const tokens = chain(h, srbDense({ units: 5, useBias: true, order: 2, name: 'd_tokens' }));
  h = chain(tokens, tfl.layers.flatten({ name: 'flat' }));
  const y = chain(h, srbDense({ units: 2, order: 1, inputQuantizer: 'identity', activation: 'tanh', name: 'd_vec' }));
  // Two outputs, so the record checks the token layer's values too, not only the last two numbers per sample.
  const model = tfl.model({ inputs: x, outputs: [tokens, y], name: 'srb_compat' });
  // Deterministic, non-trivial weights (thresholds and biases nonzero so they matter).
  model.setWeights(model.getWeights().map((w, i) => tf.tidy(() => {
    const n = w.size;
    return tf.tensor(Array.from({ length: n }, (_, j) => Math.cos(1.3 * j + 0.7 * i) * 0.4 + 0.05), w.shape);
  })));
  return model;
}

export interface LayerRecord { name: string; className: string; config: unknown; weights: [string, number[]][] }

/** Config (as JSON) and weight names/shapes, in order, of every layer. */
export function layerRecords(model: tfl.LayersModel): LayerRecord[] {
  return model.layers.map((l) => ({
    name: l.name,
    className: l.getClassName(),
    config: JSON.parse(JSON.stringify(l.getConfig())),
    weights: l.weights.map((w) => [w.originalName, [...w.shape] as number[]] as [string, number[]]),
  }));
}

export interface PackedRecord { layer: string; className: string; config: unknown; weights: { shape: number[]; dtype: string; values: number[] }[] }

export function packedRecords(model: tfl.LayersModel): PackedRecord[] {
  return COMPAT_PACKED.map((name) => {
    const spec = packSRBLayer(model.getLayer(name) as SRBConv2D | SRBDense);
    const weights = spec.weights.map((w) => ({ shape: [...w.shape], dtype: w.dtype, values: Array.from(w.dataSync()) }));
    tf.dispose(spec.weights);
    return { layer: name, className: spec.className, config: JSON.parse(JSON.stringify(spec.config)), weights };
  });
}
