// Registers this project's conv-gradient kernels for the 'cpu' and 'wasm' backends, replacing the
// stock ones (wasm has no Conv2DBackpropFilter at all; cpu's takes ~74 s for a 128x128 64→64 conv).
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterKernel } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputKernel } from './conv2d_backprop_input.js';

export type ConvGradBackend = 'cpu' | 'wasm';

/** Which of our kernels replace stock ones, per backend (chosen by `npm run bench:kernels`; see docs/performance.md). */
export const CONV_GRAD_KERNELS: Record<ConvGradBackend, Record<string, tf.KernelFunc>> = {
  // cpu's stock Conv2DBackpropInput measured faster than the conv formulation (its Conv2D loop is slow), so it stays.
  cpu: {
    [tf.Conv2DBackpropFilter]: conv2DBackpropFilterKernel,
  },
  wasm: {
    [tf.Conv2DBackpropFilter]: conv2DBackpropFilterKernel,
    [tf.Conv2DBackpropInput]: conv2DBackpropInputKernel,
  },
};

// Stock configs we replaced, so unregisterConvGradKernels() can put them back (benchmarks compare both).
const stock = new Map<string, tf.KernelConfig>();
const ours = new Set<tf.KernelFunc>([conv2DBackpropFilterKernel, conv2DBackpropInputKernel]);

const key = (kernelName: string, backendName: string) => `${backendName}_${kernelName}`;

/** True when the kernel registered for (kernelName, backendName) is one of this project's. */
export function isFrbKernel(kernelName: string, backendName: string): boolean {
  const k = tf.getKernel(kernelName, backendName);
  return k != null && ours.has(k.kernelFunc);
}

/**
 * Registers the project's Conv2DBackpropFilter / Conv2DBackpropInput for cpu and wasm. Idempotent; a stock
 * kernel registered earlier (or by a backend package imported later) is unregistered first, so tfjs
 * prints no "already registered" warning. Runs on import of `@frb/layers`; call again after importing a
 * backend package that was loaded after `@frb/layers`.
 */
export function registerConvGradKernels(): void {
  for (const [backendName, kernels] of Object.entries(CONV_GRAD_KERNELS)) {
    for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
      const existing = tf.getKernel(kernelName, backendName);
      if (existing != null && ours.has(existing.kernelFunc)) continue;
      if (existing != null) {
        stock.set(key(kernelName, backendName), existing);
        tf.unregisterKernel(kernelName, backendName);
      }
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
}

/** Restores the stock kernels (where the backend had one) — for benchmarks and reference tests. */
export function unregisterConvGradKernels(): void {
  for (const [backendName, kernels] of Object.entries(CONV_GRAD_KERNELS)) {
    for (const kernelName of Object.keys(kernels)) {
      if (!isFrbKernel(kernelName, backendName)) continue;
      tf.unregisterKernel(kernelName, backendName);
      const s = stock.get(key(kernelName, backendName));
      if (s == null) continue;
      tf.registerKernel(s);
      // setupFunc normally runs at backend init; a backend already initialised needs it now (wasm binds its C function there).
      const backend = tf.engine().registry[backendName];
      if (backend != null && s.setupFunc != null) s.setupFunc(backend);
    }
  }
}
