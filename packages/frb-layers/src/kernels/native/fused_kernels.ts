// Kernel functions of the fused per-step kernels (native/fused.cc) on the cpu and wasm backends' memory:
// RSign with its quantizer's surrogate gradient, RPReLU and its gradient, the SRB weight binarizer and its
// gradient, a threaded float32 Transpose (the pixel shuffle's) and Add, and (wasm) copy-free Identity/Cast.
// They replace a dozen single-threaded tfjs ops per binary unit with one threaded pass each way. quantizers.ts,
// srb.ts and layers/rprelu.ts call the Frb* kernels only when they are registered for the current backend (the
// native tier); elsewhere the same math runs as tfjs ops.
import * as tf from '@tensorflow/tfjs-core';
import { contractArgs, FRB_FUSED_KERNEL_NAMES, FrbRPReLU, FrbRPReLUGrad, FrbRSign, FrbRSignGrad, FrbSRB } from '../contracts.js';
import type { NativeModule } from './module.js';

/** Every kernel fusedKernels() may register: ours, and stock ones it replaces (Transpose, Add; Identity and Cast on wasm). */
export const FUSED_KERNEL_NAMES: readonly string[] = [...FRB_FUSED_KERNEL_NAMES, tf.Transpose, tf.Add, tf.Identity, tf.Cast];

/** The part of the compiled module the fused kernels call (native/fused.cc). */
export type FusedNative = Pick<NativeModule, 'rsign' | 'rsignGrad' | 'rprelu' | 'rpreluGrad' | 'srb' | 'add' | 'transpose'>;

/** Float32 views of a backend's tensors and outputs allocated in its memory (native_kernels.ts' memoryOf). */
export interface FusedMemory {
  view(t: tf.TensorInfo): Float32Array;
  alloc(shape: number[]): { info: tf.TensorInfo; view: () => Float32Array };
}

const SURROGATES: Record<string, number> = { steSign: 1, approxSign: 2 };

/** Checks that each per-channel parameter is float32 of shape [C]; throws naming the kernel and input. */
function channels(kernel: string, x: tf.TensorInfo, params: Record<string, tf.TensorInfo | undefined>): number {
  if (x.dtype !== 'float32' || x.shape.length < 1) {
    throw new Error(`${kernel}: x must be a float32 tensor of rank >= 1, got ${x.dtype} [${x.shape}]`);
  }
  const C = x.shape[x.shape.length - 1];
  for (const [name, p] of Object.entries(params)) {
    if (p != null && (p.dtype !== 'float32' || p.shape.length !== 1 || p.shape[0] !== C)) {
      throw new Error(`${kernel}: ${name} must be float32 of shape [${C}] (x's last axis), got ${p.dtype} [${p.shape}]`);
    }
  }
  return C;
}

function sameShape(kernel: string, dy: tf.TensorInfo, x: tf.TensorInfo): void {
  if (dy.dtype !== 'float32' || dy.shape.join() !== x.shape.join()) {
    throw new Error(`${kernel}: dy must be float32 of x's shape [${x.shape}], got ${dy.dtype} [${dy.shape}]`);
  }
}

/** What every fused kernel function of one backend shares. */
interface FusedContext {
  native: FusedNative;
  backendName: 'cpu' | 'wasm';
  threads: number;
  memory(backend: tf.KernelBackend): FusedMemory;
  stock(kernelName: string, args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[];
}

/** Rows of x when its last axis (C channels) is the inner one. */
const rows = (x: tf.TensorInfo, C: number) => (C === 0 ? 0 : tf.util.sizeFromShape(x.shape) / C);

function rsign(c: FusedContext): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x, threshold } = inputs as Record<string, tf.TensorInfo | undefined>;
    if (x == null) throw new Error(`${FrbRSign}: input x is required`);
    const C = channels(FrbRSign, x, { threshold });
    const mem = c.memory(backend as tf.KernelBackend);
    const out = mem.alloc([...x.shape]);
    if (C > 0) c.native.rsign(new Int32Array([c.threads, rows(x, C), C]), mem.view(x), threshold ? mem.view(threshold) : null, out.view());
    return out.info;
  };
}

function rsignGrad(c: FusedContext): tf.KernelFunc {
  return (args) => {
    const { inputs: { dy, x, threshold }, attrs: { quantizer, clip }, backend } = contractArgs(FrbRSignGrad, args);
    if (dy == null || x == null) throw new Error(`${FrbRSignGrad}: inputs dy and x are required`);
    const kind = quantizer == null ? undefined : SURROGATES[quantizer];
    if (kind == null) throw new Error(`${FrbRSignGrad}: attr quantizer must be 'steSign' or 'approxSign', got ${JSON.stringify(quantizer)}`);
    const C = channels(FrbRSignGrad, x, { threshold });
    sameShape(FrbRSignGrad, dy, x);
    const mem = c.memory(backend as tf.KernelBackend);
    // Allocate every output before taking any view: an allocation may grow (and detach) the wasm heap.
    const dx = mem.alloc([...x.shape]);
    const db = threshold ? mem.alloc([C]) : null;
    if (C > 0) {
      c.native.rsignGrad(
        new Int32Array([c.threads, rows(x, C), C, kind]), new Float32Array([clip ?? 1]), mem.view(dy), mem.view(x),
        threshold ? mem.view(threshold) : null, dx.view(), db ? db.view() : null,
      );
    }
    return db ? [dx.info, db.info] : [dx.info];
  };
}

function rprelu(c: FusedContext): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x, gamma, alpha, zeta } = inputs as Record<string, tf.TensorInfo>;
    if (x == null || gamma == null || alpha == null || zeta == null) throw new Error(`${FrbRPReLU}: inputs x, gamma, alpha and zeta are required`);
    const C = channels(FrbRPReLU, x, { gamma, alpha, zeta });
    const mem = c.memory(backend as tf.KernelBackend);
    const out = mem.alloc([...x.shape]);
    if (C > 0) c.native.rprelu(new Int32Array([c.threads, rows(x, C), C]), mem.view(x), mem.view(gamma), mem.view(alpha), mem.view(zeta), out.view());
    return out.info;
  };
}

function rpreluGrad(c: FusedContext): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x, gamma, alpha } = inputs as Record<string, tf.TensorInfo>;
    if (dy == null || x == null || gamma == null || alpha == null) throw new Error(`${FrbRPReLUGrad}: inputs dy, x, gamma and alpha are required`);
    const C = channels(FrbRPReLUGrad, x, { gamma, alpha });
    sameShape(FrbRPReLUGrad, dy, x);
    const mem = c.memory(backend as tf.KernelBackend);
    const outs = [mem.alloc([...x.shape]), mem.alloc([C]), mem.alloc([C]), mem.alloc([C])];
    if (C > 0) {
      c.native.rpreluGrad(
        new Int32Array([c.threads, rows(x, C), C]), mem.view(dy), mem.view(x), mem.view(gamma), mem.view(alpha),
        ...(outs.map((o) => o.view()) as [Float32Array, Float32Array, Float32Array, Float32Array]),
      );
    }
    return outs.map((o) => o.info);
  };
}

function srb(c: FusedContext): tf.KernelFunc {
  return (args) => {
    const { inputs: { w, dy }, attrs: { order, center, scale }, backend } = contractArgs(FrbSRB, args);
    if (w == null || w.dtype !== 'float32' || w.shape.length < 2 || tf.util.sizeFromShape(w.shape) === 0) {
      throw new Error(`${FrbSRB}: w must be a non-empty float32 kernel of rank >= 2 (output channels last), got ${w?.dtype} [${w?.shape}]`);
    }
    if (dy != null) sameShape(FrbSRB, dy, w);
    if (order == null || !Number.isInteger(order) || order < 1 || (!scale && order !== 1)) {
      throw new Error(`${FrbSRB}: attr order must be an integer >= 1 (1 without scale), got ${order} (scale ${scale})`);
    }
    const Co = w.shape[w.shape.length - 1];
    const mem = c.memory(backend as tf.KernelBackend);
    const out = mem.alloc([...w.shape]);
    const p = new Int32Array([1, tf.util.sizeFromShape(w.shape) / Co, Co, order, center ? 1 : 0, scale ? 1 : 0, +(c.backendName === 'cpu')]);
    c.native.srb(p, mem.view(w), dy ? mem.view(dy) : null, out.view());
    return out.info;
  };
}

function transpose(c: FusedContext): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as Record<string, tf.TensorInfo>;
    const { perm } = args.attrs as unknown as { perm: number[] };
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 1 || rank > 8 || perm == null || perm.length !== rank) return c.stock(tf.Transpose, args);
    const mem = c.memory(args.backend as tf.KernelBackend);
    const out = mem.alloc(perm.map((p) => x.shape[p]));
    if (tf.util.sizeFromShape(x.shape) > 0) {
      c.native.transpose(new Int32Array([c.threads, rank, ...x.shape, ...perm]), mem.view(x), out.view());
    }
    return out.info;
  };
}

// Large same-shape float32 sums (the units' shortcuts; the gradient of a tensor used twice) on all threads;
// broadcasting, other dtypes and small tensors stay with the stock kernel.
function add(c: FusedContext): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
    const n = tf.util.sizeFromShape(a.shape);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || n < 65536 || a.shape.join() !== b.shape.join()) return c.stock(tf.Add, args);
    const mem = c.memory(args.backend as tf.KernelBackend);
    const out = mem.alloc([...a.shape]);
    c.native.add(new Int32Array([c.threads, n]), mem.view(a), mem.view(b), out.view());
    return out.info;
  };
}

// tfjs-wasm's Identity and same-dtype Cast copy the buffer; the cpu backend (and webgl) share it by reference
// count instead, as wasm's own Reshape does. Each binary unit's shortcut (tfjs-layers' Add clones its first
// input) costs one of each per step, on activation-sized tensors.
function share(c: FusedContext, kernelName: string): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as Record<string, tf.TensorInfo>;
    const dtype = (args.attrs as { dtype?: tf.DataType } | undefined)?.dtype ?? x.dtype;
    if (dtype !== x.dtype || x.dtype === 'string') return c.stock(kernelName, args);
    (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype };
  };
}

/**
 * The fused kernels for one backend. `memory(backend)` gives its memory; `stock(name, args)` runs the kernel
 * registered before ours (Transpose of non-float32 or rank > 8 tensors goes there).
 */
export function fusedKernels(
  native: FusedNative,
  backendName: 'cpu' | 'wasm',
  threads: number,
  memory: (backend: tf.KernelBackend) => FusedMemory,
  stock: (kernelName: string, args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | tf.TensorInfo[],
): Record<string, tf.KernelFunc> {
  const c: FusedContext = { native, backendName, threads, memory, stock };
  return {
    ...(backendName === 'wasm' ? { [tf.Identity]: share(c, tf.Identity), [tf.Cast]: share(c, tf.Cast) } : {}),
    [FrbRSign]: rsign(c),
    [FrbRSignGrad]: rsignGrad(c),
    [FrbRPReLU]: rprelu(c),
    [FrbRPReLUGrad]: rpreluGrad(c),
    [FrbSRB]: srb(c),
    [tf.Transpose]: transpose(c),
    [tf.Add]: add(c),
  };
}
