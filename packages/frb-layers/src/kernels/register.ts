// Which of this package's kernels are registered for the 'cpu' and 'wasm' backends, in three tiers:
//  - 'stock' (what importing @frb/layers does): stock tfjs untouched, plus only the kernels it lacks for training to
//    work at all: wasm's Conv2DBackpropFilter (tfjs-backend-wasm 4.22 has none). Nothing stock is replaced.
//  - 'portable' (registerFrbKernels({tier: 'portable'}), browser-safe): also replaces the slow stock conv
//    gradients with forward-conv formulations (cpu's filter gradient, ~74 s for a 128x128 64→64 conv; wasm's input
//    gradient, a naive loop).
//  - 'native' (Node: initBackend() / useNativeConvKernels() from '@frb/layers/node', which compile the module and
//    pass it here): C++ kernels on the backends' memory for the convs, the fused per-step kernels and more.
// Every change unregisters before it registers, and remembers the stock kernel it replaced, so tfjs never prints
// "already registered" and a lower tier puts the stock kernels back.
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterKernel } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputKernel } from './conv2d_backprop_input.js';
import { FrbLeakyReluGrad, FrbXnorConv, FrbXnorChain } from './contracts.js';
import { nativeKernels, type NativeConv } from './native/native_kernels.js';
import { FUSED_KERNEL_NAMES } from './native/fused_kernels.js';

export type ConvGradBackend = 'cpu' | 'wasm';
export type KernelTier = 'stock' | 'portable' | 'native';
const BACKENDS: ConvGradBackend[] = ['cpu', 'wasm'];
const TIERS: readonly KernelTier[] = ['stock', 'portable', 'native'];

export interface RegisterFrbKernelsOptions {
  tier: KernelTier;
  /** The compiled native module, required for tier 'native' (loadNativeKernels() in '@frb/layers/node'). */
  native?: NativeConv | null;
  /** Threads each native call splits its work over (default 1). */
  threads?: number;
  /** false leaves the fused per-step kernels out of the native tier (benchmarks' tier 'native-convs'). */
  fused?: boolean;
}

/** What registerFrbKernels() left registered: the tier and, per backend, this package's kernels by name. */
export interface FrbKernelRegistration {
  tier: KernelTier;
  kernels: Record<ConvGradBackend, string[]>;
}

// Stock configs we replaced, so a lower tier (or unregisterFrbKernels) can put them back.
const stock = new Map<string, tf.KernelConfig>();
const ours = new Set<tf.KernelFunc>([conv2DBackpropFilterKernel, conv2DBackpropInputKernel]);
let tier: KernelTier = 'stock';
let nativeSets: Partial<Record<ConvGradBackend, Record<string, tf.KernelFunc>>> = {};

const key = (kernelName: string, backendName: string) => `${backendName}_${kernelName}`;
const REPLACEABLE = [
  tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.Sum, tf.LeakyRelu, FrbLeakyReluGrad,
  FrbXnorConv, FrbXnorChain, ...FUSED_KERNEL_NAMES,
];

/** The kernels this package wants registered per backend at the current tier. */
function desired(backendName: ConvGradBackend): Record<string, tf.KernelFunc> {
  if (tier === 'native' && nativeSets[backendName]) return nativeSets[backendName];
  if (tier === 'stock') return backendName === 'wasm' ? { [tf.Conv2DBackpropFilter]: conv2DBackpropFilterKernel } : {};
  return backendName === 'wasm'
    ? { [tf.Conv2DBackpropFilter]: conv2DBackpropFilterKernel, [tf.Conv2DBackpropInput]: conv2DBackpropInputKernel }
    : // cpu's stock Conv2DBackpropInput measured faster than the conv formulation on its slow JS Conv2D, so it stays.
      { [tf.Conv2DBackpropFilter]: conv2DBackpropFilterKernel };
}

/** True when the kernel registered for (kernelName, backendName) is one of this package's. */
export function isFrbKernel(kernelName: string, backendName: string): boolean {
  const k = tf.getKernel(kernelName, backendName);
  return k != null && ours.has(k.kernelFunc);
}

/**
 * Registers the current tier's kernels (idempotent). At the 'stock' tier a kernel is only added where no kernel of
 * that name exists; at the faster tiers a stock kernel is unregistered first and remembered. Exported for the
 * Node backend helper, which reapplies the tier after importing a backend package.
 */
export function applyFrbKernels(): void {
  for (const backendName of BACKENDS) {
    const want = desired(backendName);
    for (const [kernelName, kernelFunc] of Object.entries(want)) {
      const existing = tf.getKernel(kernelName, backendName);
      if (existing?.kernelFunc === kernelFunc) continue;
      if (existing != null) {
        if (tier === 'stock' && !ours.has(existing.kernelFunc)) continue; // never replace a stock kernel on import
        if (!ours.has(existing.kernelFunc)) stock.set(key(kernelName, backendName), existing);
        tf.unregisterKernel(kernelName, backendName);
      }
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
    // Kernels we registered before but no longer want (a lower tier now): put the stock one back.
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

/** The tier and this package's kernels registered now, per backend. */
export function frbKernelRegistration(): FrbKernelRegistration {
  const kernels = {} as Record<ConvGradBackend, string[]>;
  for (const b of BACKENDS) kernels[b] = REPLACEABLE.filter((k) => isFrbKernel(k, b)).filter((k, i, a) => a.indexOf(k) === i);
  return { tier, kernels };
}

/**
 * Switches to a kernel tier and says what it registered. Call it after importing the backend packages (a backend
 * imported later registers its stock kernels over ours; initBackend() handles that order itself). Tier 'native'
 * needs the compiled module, which only the Node entry can build: use initBackend() or useNativeConvKernels()
 * from '@frb/layers/node'.
 */
export function registerFrbKernels(options: RegisterFrbKernelsOptions): FrbKernelRegistration {
  const { native = null, threads = 1, fused = true } = options;
  if (!TIERS.includes(options.tier)) {
    throw new Error(`registerFrbKernels: tier must be one of ${TIERS.join(', ')}, got ${JSON.stringify(options.tier)}`);
  }
  if (options.tier === 'native' && native == null) {
    throw new Error("registerFrbKernels: tier 'native' needs the compiled module (options.native); in Node, initBackend() or useNativeConvKernels() from '@frb/layers/node' build and pass it");
  }
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`registerFrbKernels: threads must be a positive integer, got ${threads}`);
  nativeSets = {};
  tier = options.tier;
  useFusedLeakyReluGrad(tier === 'native');
  if (tier === 'native') {
    for (const b of BACKENDS) {
      const set = nativeKernels(native!, b, threads, (k) => stock.get(key(k, b)) ?? nonOursKernel(k, b));
      if (!fused) for (const k of FUSED_KERNEL_NAMES) delete set[k];
      for (const f of Object.values(set)) ours.add(f);
      nativeSets[b] = set;
    }
  }
  applyFrbKernels();
  return frbKernelRegistration();
}

/**
 * Unregisters this package's kernels for one backend without restoring anything: call before a backend package
 * is first imported (it registers its stock kernels), then applyFrbKernels(), so tfjs prints no "already
 * registered" warning.
 */
export function releaseFrbKernels(backendName: ConvGradBackend): void {
  for (const kernelName of REPLACEABLE) {
    if (isFrbKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  }
}

/**
 * Restores stock tfjs exactly (also removing wasm's filter gradient, which stock lacks), for benchmarks and
 * reference tests; registerFrbKernels() turns a tier back on.
 */
export function unregisterFrbKernels(): void {
  for (const backendName of BACKENDS) {
    for (const kernelName of REPLACEABLE) {
      if (isFrbKernel(kernelName, backendName)) restoreStock(kernelName, backendName);
    }
  }
}

/**
 * The native tier on (with a module from the Node-only loader) or back to the portable tier (null); kept for
 * callers written before registerFrbKernels().
 */
export function enableNativeConvKernels(native: NativeConv | null, threads = 1, options: { fused?: boolean } = {}): void {
  registerFrbKernels({ tier: native ? 'native' : 'portable', native, threads: Math.max(1, Math.floor(threads)), fused: options.fused });
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
