/**
 * What PackedConv2D and PackedDense share: their serialized options, the choice of XNOR kernel, and the
 * float64 copies of the per-channel multipliers / biases they read on every call (rebuilt when a weight changes,
 * e.g. after loadWeights or setWeights).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { wasmXnorUnavailable, type XnorImpl } from './xnor-gemm.js';
import { nativeXnorAvailable, nativeXnorPreferred } from './xnor-native.js';

let setting: XnorImpl | 'auto' = 'auto';

/**
 * Selects the kernel every packed layer uses: 'native' (Node with the native tier on: FrbXnorConv on the
 * backend's memory), 'wasm' (runtime-built WebAssembly), 'js', or 'auto' (the default: native where the current
 * backend has it with its vector-popcount path, else wasm where WebAssembly works, else js).
 */
export function setPackedKernel(impl: XnorImpl | 'auto'): void {
  if (impl !== 'js' && impl !== 'wasm' && impl !== 'native' && impl !== 'auto') {
    throw new Error(`setPackedKernel: impl must be 'auto', 'native', 'wasm' or 'js', got ${JSON.stringify(impl)}`);
  }
  if (impl === 'wasm') {
    const why = wasmXnorUnavailable();
    if (why !== null) throw new Error(`setPackedKernel: ${why}`);
  }
  if (impl === 'native' && !nativeXnorAvailable()) {
    throw new Error(`setPackedKernel: no native packed kernel for the '${tf.getBackend()}' backend (Node only: initBackend() or useNativeConvKernels() from '@frb/layers/node' turns it on; FRB_NATIVE=0 turns it off)`);
  }
  setting = impl;
}

/** The kernel packed layers use now on the current backend ('native' falls back when the backend lacks it). */
export function getPackedKernel(): XnorImpl {
  if (setting === 'native' && nativeXnorAvailable()) return 'native';
  if (setting === 'auto' && nativeXnorPreferred()) return 'native';
  if (setting === 'native' || setting === 'auto') return hostPackedKernel('wasm');
  return setting;
}

/** The host-memory kernel to use for `impl` (native runs on tensors, so host paths use wasm or js). */
export function hostPackedKernel(impl: XnorImpl): 'wasm' | 'js' {
  if (impl === 'js') return 'js';
  return wasmXnorUnavailable() === null ? 'wasm' : 'js';
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
  /** The native kernel's weights and float32 scalars, built on first use. */
  native?: { weights: Int32Array; alpha: Float32Array; bias: Float32Array | null };
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
