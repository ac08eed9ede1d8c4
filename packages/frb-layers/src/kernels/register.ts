// Registers this project's conv kernels for the 'cpu' and 'wasm' backends, replacing the stock ones
// (wasm has no Conv2DBackpropFilter at all; cpu's takes ~74 s for a 128x128 64→64 conv).
// Two tiers: the portable kernels (forward-conv formulations, always on) and, in Node when
// enableNativeConvKernels() was given a compiled module (see ../backend.ts), native Conv2D / FusedConv2D /
// Conv2DBackpropFilter that work on the backends' memory directly.
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterKernel } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputKernel } from './conv2d_backprop_input.js';
import { FrbLeakyReluGrad, FrbXnorConv } from './contracts.js';
import { nativeKernels, type NativeConv } from './native/native_kernels.js';
import { FUSED_KERNEL_NAMES } from './native/fused_kernels.js';

export type ConvGradBackend = 'cpu' | 'wasm';
const BACKENDS: ConvGradBackend[] = ['cpu', 'wasm'];

// Stock configs we replaced, so unregisterConvGradKernels() can put them back (benchmarks compare both).
const stock = new Map<string, tf.KernelConfig>();
const ours = new Set<tf.KernelFunc>([conv2DBackpropFilterKernel, conv2DBackpropInputKernel]);
let nativeSets: Partial<Record<ConvGradBackend, Record<string, tf.KernelFunc>>> = {};

const key = (kernelName: string, backendName: string) => `${backendName}_${kernelName}`;
const REPLACEABLE = [
  tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.Sum, tf.LeakyRelu, FrbLeakyReluGrad,
  FrbXnorConv, ...FUSED_KERNEL_NAMES,
];

/** The kernels this project wants registered per backend, given whether native kernels are enabled. */
function desired(backendName: ConvGradBackend): Record<string, tf.KernelFunc> {
  const native = nativeSets[backendName];
  if (native) return native;
  return backendName === 'wasm'
    ? { [tf.Conv2DBackpropFilter]: conv2DBackpropFilterKernel, [tf.Conv2DBackpropInput]: conv2DBackpropInputKernel }
    : // cpu's stock Conv2DBackpropInput measured faster than the conv formulation on its slow JS Conv2D, so it stays.
      { [tf.Conv2DBackpropFilter]: conv2DBackpropFilterKernel };
}

/** True when the kernel registered for (kernelName, backendName) is one of this project's. */
export function isFrbKernel(kernelName: string, backendName: string): boolean {
  const k = tf.getKernel(kernelName, backendName);
  return k != null && ours.has(k.kernelFunc);
}

/**
 * Registers the project's kernels for cpu and wasm. Idempotent; a stock kernel registered earlier (or by a
 * backend package imported later) is unregistered first, so tfjs prints no "already registered" warning.
 * Runs on import of `@frb/layers`; call again after importing a backend package loaded after `@frb/layers`.
 */
export function registerConvGradKernels(): void {
  for (const backendName of BACKENDS) {
    const want = desired(backendName);
    for (const [kernelName, kernelFunc] of Object.entries(want)) {
      const existing = tf.getKernel(kernelName, backendName);
      if (existing?.kernelFunc === kernelFunc) continue;
      if (existing != null) {
        if (!ours.has(existing.kernelFunc)) stock.set(key(kernelName, backendName), existing);
        tf.unregisterKernel(kernelName, backendName);
      }
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
    // Kernels we registered before but no longer want (native switched off): put the stock one back.
    for (const kernelName of REPLACEABLE) {
      if (!(kernelName in want) && isFrbKernel(kernelName, backendName)) restoreStock(kernelName, backendName);
    }
  }
}

function restoreStock(kernelName: string, backendName: string): void {
  tf.unregisterKernel(kernelName, backendName);
  const s = stock.get(key(kernelName, backendName));
  if (s == null) return;
  tf.registerKernel(s);
  // setupFunc normally runs at backend init; a backend already initialised needs it now (wasm binds its C function there).
  const backend = tf.engine().registry[backendName];
  if (backend != null && s.setupFunc != null) s.setupFunc(backend);
}

/**
 * Unregisters this project's kernels for one backend without restoring anything — call before a backend
 * package is first imported (it registers its stock kernels), then registerConvGradKernels(); tfjs then
 * prints no "already registered" warning.
 */
export function releaseConvGradKernels(backendName: ConvGradBackend): void {
  for (const kernelName of REPLACEABLE) {
    if (isFrbKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  }
}

/** Restores the stock kernels (where the backend had one) — for benchmarks and reference tests. */
export function unregisterConvGradKernels(): void {
  for (const backendName of BACKENDS) {
    for (const kernelName of REPLACEABLE) {
      if (isFrbKernel(kernelName, backendName)) restoreStock(kernelName, backendName);
    }
  }
}

/**
 * Turns the native tier on (with a module from the Node-only loader) or off (null), then re-registers.
 * `threads` is how many threads each native call splits its work across. `fused: false` leaves out the fused
 * per-step kernels (FUSED_KERNEL_NAMES in fused_kernels.ts: RSign, RPReLU, SRB, Transpose, Add, wasm's Identity
 * and Cast), so benchmarks can measure what they gain (bench:train's tier 'native-convs').
 */
export function enableNativeConvKernels(native: NativeConv | null, threads = 1, options: { fused?: boolean } = {}): void {
  nativeSets = {};
  useFusedLeakyReluGrad(native != null);
  if (native) {
    for (const b of BACKENDS) {
      const set = nativeKernels(native, b, Math.max(1, Math.floor(threads)), (k) => stock.get(key(k, b)) ?? nonOursKernel(k, b));
      if (options.fused === false) for (const k of FUSED_KERNEL_NAMES) delete set[k];
      for (const f of Object.values(set)) ours.add(f);
      nativeSets[b] = set;
    }
  }
  registerConvGradKernels();
}

function nonOursKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const k = tf.getKernel(kernelName, backendName);
  return k != null && !ours.has(k.kernelFunc) ? k : undefined;
}

/** Whether the native tier is registered for `backendName`. */
export function nativeConvKernelsActive(backendName: ConvGradBackend): boolean {
  return nativeSets[backendName] != null && isFrbKernel(tf.Conv2D, backendName);
}

// LeakyRelu's stock gradient is three full-size kernels (Greater, Multiply, Select); with the native tier it is
// one. The override defers to the stock formula on backends without the fused kernel.
let stockLeakyReluGrad: tf.GradConfig | undefined;
function useFusedLeakyReluGrad(on: boolean): void {
  const current = tf.getGradient(tf.LeakyRelu);
  if (!on) {
    if (stockLeakyReluGrad && current !== stockLeakyReluGrad) tf.registerGradient(stockLeakyReluGrad);
    return;
  }
  if (stockLeakyReluGrad && current !== stockLeakyReluGrad) return; // already ours
  stockLeakyReluGrad = current;
  tf.registerGradient({
    kernelName: tf.LeakyRelu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { alpha } = attrs as unknown as { alpha: number };
      return {
        x: () =>
          tf.getKernel(FrbLeakyReluGrad, tf.getBackend()) != null
            ? (tf.engine().runKernel(FrbLeakyReluGrad, { dy: dy as tf.Tensor, x }, { alpha }) as tf.Tensor)
            : tf.where(tf.greater(x, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, alpha)),
      };
    },
  });
}
