/**
 * The host copies of a packed layer's weights in its kernels' formats, including the float64 copies of the
 * per-channel multipliers and biases read on every call, rebuilt when a weight changes (after loadWeights or
 * setWeights). Kept apart from packed-common.ts so the kernel files can use the type without importing the layers'
 * shared code.
 */
import type { LayerVariable } from '@tensorflow/tfjs-layers';

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
export class WeightCache<T = PreparedWeights> {
  private key: object[] = [];
  private value: T | null = null;

  get(vars: (LayerVariable | null)[], build: () => T): T {
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

