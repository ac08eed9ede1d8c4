/**
 * What PackedConv2D and PackedDense share: their serialized options and the choice of XNOR kernel. Their host
 * copies of the weights are in prepared.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
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

/** An activation applied after the binary op ('linear' = none), via a stock Activation layer. */
export function makeActivation(name: unknown, who: string): { name: string; apply: ((x: tf.Tensor) => tf.Tensor) | null } {
  const n = name == null ? 'linear' : name;
  if (typeof n !== 'string') throw new Error(`${who}: activation must be a name string, got ${JSON.stringify(name)}`);
  if (n === 'linear') return { name: n, apply: null };
  const layer = tfl.layers.activation({ activation: n as 'relu' });
  return { name: n, apply: (x) => layer.apply(x) as tf.Tensor };
}

/** A config without its undefined entries (tfjs' config conversion cannot take nested undefined values: PackedChain's parts). */
export function definedOnly(c: tf.serialization.ConfigDict): tf.serialization.ConfigDict {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}
