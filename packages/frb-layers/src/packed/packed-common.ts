/**
 * What PackedConv2D and PackedDense share: their serialized options, the choice of XNOR kernel, and the
 * float64 copies of the per-channel multipliers / biases they read on every call (rebuilt when a weight changes,
 * e.g. after loadWeights or setWeights).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { wasmXnorUnavailable, type XnorImpl } from './xnor-gemm.js';

let defaultImpl: XnorImpl | null = null;

/** Selects the kernel every packed layer uses: 'wasm' (default where WebAssembly works) or 'js'. */
export function setPackedKernel(impl: XnorImpl): void {
  if (impl !== 'js' && impl !== 'wasm') throw new Error(`setPackedKernel: impl must be 'js' or 'wasm', got ${JSON.stringify(impl)}`);
  if (impl === 'wasm') {
    const why = wasmXnorUnavailable();
    if (why !== null) throw new Error(`setPackedKernel: ${why}`);
  }
  defaultImpl = impl;
}

/** The kernel packed layers use now. */
export function getPackedKernel(): XnorImpl {
  if (defaultImpl === null) defaultImpl = wasmXnorUnavailable() === null ? 'wasm' : 'js';
  return defaultImpl;
}

/** Binary options a packed layer records (what its SRB layer had, minus the weight binarizer's training options). */
export interface PackedBinaryArgs {
  /** Number of binary bases k (each one bit per weight). */
  order: number;
  /** Whether the layer owns an RSign threshold weight b (sign(x + b)); else sign(x). */
  learnableThreshold?: boolean;
  /** The SRB layer's input quantizer, recorded for reference (its forward is sign(x) with sign(0) = +1). */
  inputQuantizer?: string;
}

export function checkOrder(order: unknown, who: string): number {
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 1) {
    throw new Error(`${who}: order must be an integer >= 1, got ${JSON.stringify(order)}`);
  }
  return order;
}

/** The quantizers whose forward pass is sign(x): a layer with one of them can run on packed bits. */
export const BINARY_INPUT_QUANTIZERS = ['sign', 'steSign', 'approxSign', 'ste_sign', 'approx_sign'];

/** Host copies of a packed layer's weights, in the kernel's formats. */
export interface PreparedWeights {
  kernel: Int32Array;
  alphas: Float64Array;
  bias: Float64Array;
  threshold: Float32Array | null;
  /** Per weight row and tap: Σ_c s (conv only; empty for dense). */
  tapSums: Float64Array;
  /** Conv weight rows with each tap padded to an even word count (the direct wasm conv's layout), built on first use. */
  tapKernel?: Int32Array;
}

/** Caches the host copies, keyed by the variables' current data (a write gives a variable new data). */
export class WeightCache {
  private key: object[] = [];
  private value: PreparedWeights | null = null;

  get(vars: (LayerVariable | null)[], build: () => PreparedWeights): PreparedWeights {
    const key = vars.filter((v): v is LayerVariable => v !== null).map((v) => v.read().dataId as object);
    if (this.value && key.length === this.key.length && key.every((k, i) => k === this.key[i])) return this.value;
    this.value = build();
    this.key = key;
    return this.value;
  }
}

export function readInt32(v: LayerVariable): Int32Array {
  return v.read().dataSync() as Int32Array;
}

export function readFloat(v: LayerVariable): Float32Array {
  return v.read().dataSync() as Float32Array;
}

/** An activation applied after the binary op ('linear' = none), via a stock Activation layer. */
export function makeActivation(name: unknown, who: string): { name: string; apply: ((x: tf.Tensor) => tf.Tensor) | null } {
  const n = name == null ? 'linear' : name;
  if (typeof n !== 'string') throw new Error(`${who}: activation must be a name string, got ${JSON.stringify(name)}`);
  if (n === 'linear') return { name: n, apply: null };
  const layer = tfl.layers.activation({ activation: n as 'relu' });
  return { name: n, apply: (x) => layer.apply(x) as tf.Tensor };
}
