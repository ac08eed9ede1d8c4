// Kernel functions of the fused per-step kernels (elementwise_source.ts) on the cpu and wasm backends' memory:
// RSign with its quantizer's surrogate gradient, RPReLU and its gradient, the SRB weight binarizer and its
// gradient, a threaded float32 Transpose (the pixel shuffle's) and Add, and (wasm) copy-free Identity/Cast.
// They replace a dozen single-threaded tfjs ops per binary unit with one threaded pass each way. quantizers.ts,
// srb.ts and layers/rprelu.ts call the Frb* kernels only when they are registered for the current backend (the
// native tier); elsewhere the same math runs as tfjs ops.
import * as tf from '@tensorflow/tfjs-core';

/** sign(x + threshold) with sign(0) = +1; inputs {x, threshold?} (threshold [C], C = x's last axis). */
export const FRB_RSIGN = 'FrbRSign';
/**
 * Gradient of FrbRSign under a quantizer's surrogate; inputs {dy, x, threshold?}, attrs {quantizer: 'steSign' |
 * 'approxSign', clip}; outputs [dx, dthreshold] (dthreshold only with a threshold input).
 */
export const FRB_RSIGN_GRAD = 'FrbRSignGrad';
/** RPReLU forward prelu(x − γ, β) + ζ; inputs {x, gamma, alpha, zeta} (each parameter [C]). */
export const FRB_RPRELU = 'FrbRPReLU';
/** RPReLU gradient; inputs {dy, x, gamma, alpha}; outputs [dx, dgamma, dalpha, dzeta]. */
export const FRB_RPRELU_GRAD = 'FrbRPReLUGrad';

/**
 * SRB weight binarizer Ŵ of a kernel (output channels last); input {w}, attrs {order, center, scale} (srb.ts).
 * With input dy as well it is the gradient dL/dw under SRB's surrogate instead.
 */
export const FRB_SRB = 'FrbSRB';

/** This project's own kernels among them (no stock kernel of that name). */
export const FRB_FUSED_KERNELS: readonly string[] = [FRB_RSIGN, FRB_RSIGN_GRAD, FRB_RPRELU, FRB_RPRELU_GRAD, FRB_SRB];
/** Every kernel fusedKernels() may register: ours, and stock ones it replaces (Transpose, Add; Identity and Cast on wasm). */
export const FUSED_KERNEL_NAMES: readonly string[] = [...FRB_FUSED_KERNELS, tf.Transpose, tf.Add, tf.Identity, tf.Cast];

export interface FusedNative {
  /** out = sign(x + b); params [M, C, threads]. */
  rsign(params: Int32Array, x: Float32Array, b: Float32Array | null, out: Float32Array): void;
  /** params [M, C, threads, kind (1 steSign, 2 approxSign)]. */
  rsignGrad(
    params: Int32Array, clip: Float32Array, dy: Float32Array, x: Float32Array, b: Float32Array | null,
    dx: Float32Array, db: Float32Array | null,
  ): void;
  /** params [M, C, threads]. */
  rprelu(params: Int32Array, x: Float32Array, gamma: Float32Array, alpha: Float32Array, zeta: Float32Array, out: Float32Array): void;
  rpreluGrad(
    params: Int32Array, dy: Float32Array, x: Float32Array, gamma: Float32Array, alpha: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dalpha: Float32Array, dzeta: Float32Array,
  ): void;
  /** Ŵ (dy null) or dL/dw; params [K, Co, order, center, scale, cpuMean (means as tfjs-cpu takes them)]. */
  srb(params: Int32Array, w: Float32Array, dy: Float32Array | null, out: Float32Array): void;
  /** out = a + b (same length); params [n, threads]. */
  add(params: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** params [rank, threads, ...shape, ...perm] (rank ≤ 8). */
  transpose(params: Int32Array, x: Float32Array, out: Float32Array): void;
}

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
  const rows = (x: tf.TensorInfo, C: number) => (C === 0 ? 0 : tf.util.sizeFromShape(x.shape) / C);

  const rsign: tf.KernelFunc = ({ inputs, backend }) => {
    const { x, threshold } = inputs as Record<string, tf.TensorInfo | undefined>;
    if (x == null) throw new Error(`${FRB_RSIGN}: input x is required`);
    const C = channels(FRB_RSIGN, x, { threshold });
    const mem = memory(backend as tf.KernelBackend);
    const out = mem.alloc([...x.shape]);
    if (C > 0) native.rsign(new Int32Array([rows(x, C), C, threads]), mem.view(x), threshold ? mem.view(threshold) : null, out.view());
    return out.info;
  };

  const rsignGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, x, threshold } = inputs as Record<string, tf.TensorInfo | undefined>;
    if (dy == null || x == null) throw new Error(`${FRB_RSIGN_GRAD}: inputs dy and x are required`);
    const { quantizer, clip } = attrs as unknown as { quantizer: string; clip: number };
    const kind = SURROGATES[quantizer];
    if (kind == null) throw new Error(`${FRB_RSIGN_GRAD}: attr quantizer must be 'steSign' or 'approxSign', got ${JSON.stringify(quantizer)}`);
    const C = channels(FRB_RSIGN_GRAD, x, { threshold });
    sameShape(FRB_RSIGN_GRAD, dy, x);
    const mem = memory(backend as tf.KernelBackend);
    // Allocate every output before taking any view: an allocation may grow (and detach) the wasm heap.
    const dx = mem.alloc([...x.shape]);
    const db = threshold ? mem.alloc([C]) : null;
    if (C > 0) {
      native.rsignGrad(
        new Int32Array([rows(x, C), C, threads, kind]), new Float32Array([clip ?? 1]), mem.view(dy), mem.view(x),
        threshold ? mem.view(threshold) : null, dx.view(), db ? db.view() : null,
      );
    }
    return db ? [dx.info, db.info] : [dx.info];
  };

  const rprelu: tf.KernelFunc = ({ inputs, backend }) => {
    const { x, gamma, alpha, zeta } = inputs as Record<string, tf.TensorInfo>;
    if (x == null || gamma == null || alpha == null || zeta == null) throw new Error(`${FRB_RPRELU}: inputs x, gamma, alpha and zeta are required`);
    const C = channels(FRB_RPRELU, x, { gamma, alpha, zeta });
    const mem = memory(backend as tf.KernelBackend);
    const out = mem.alloc([...x.shape]);
    if (C > 0) native.rprelu(new Int32Array([rows(x, C), C, threads]), mem.view(x), mem.view(gamma), mem.view(alpha), mem.view(zeta), out.view());
    return out.info;
  };

  const rpreluGrad: tf.KernelFunc = ({ inputs, backend }) => {
    const { dy, x, gamma, alpha } = inputs as Record<string, tf.TensorInfo>;
    if (dy == null || x == null || gamma == null || alpha == null) throw new Error(`${FRB_RPRELU_GRAD}: inputs dy, x, gamma and alpha are required`);
    const C = channels(FRB_RPRELU_GRAD, x, { gamma, alpha });
    sameShape(FRB_RPRELU_GRAD, dy, x);
    const mem = memory(backend as tf.KernelBackend);
    const outs = [mem.alloc([...x.shape]), mem.alloc([C]), mem.alloc([C]), mem.alloc([C])];
    if (C > 0) {
      native.rpreluGrad(
        new Int32Array([rows(x, C), C, threads]), mem.view(dy), mem.view(x), mem.view(gamma), mem.view(alpha),
        ...(outs.map((o) => o.view()) as [Float32Array, Float32Array, Float32Array, Float32Array]),
      );
    }
    return outs.map((o) => o.info);
  };

  const srb: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { w, dy } = inputs as Record<string, tf.TensorInfo | undefined>;
    const { order, center, scale } = attrs as unknown as { order: number; center: boolean; scale: boolean };
    if (w == null || w.dtype !== 'float32' || w.shape.length < 2 || tf.util.sizeFromShape(w.shape) === 0) {
      throw new Error(`${FRB_SRB}: w must be a non-empty float32 kernel of rank >= 2 (output channels last), got ${w?.dtype} [${w?.shape}]`);
    }
    if (dy != null) sameShape(FRB_SRB, dy, w);
    if (!Number.isInteger(order) || order < 1 || (!scale && order !== 1)) {
      throw new Error(`${FRB_SRB}: attr order must be an integer >= 1 (1 without scale), got ${order} (scale ${scale})`);
    }
    const Co = w.shape[w.shape.length - 1];
    const mem = memory(backend as tf.KernelBackend);
    const out = mem.alloc([...w.shape]);
    const p = new Int32Array([tf.util.sizeFromShape(w.shape) / Co, Co, order, +center, +scale, +(backendName === 'cpu')]);
    native.srb(p, mem.view(w), dy ? mem.view(dy) : null, out.view());
    return out.info;
  };

  const transpose: tf.KernelFunc = (args) => {
    const { x } = args.inputs as Record<string, tf.TensorInfo>;
    const { perm } = args.attrs as unknown as { perm: number[] };
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 1 || rank > 8 || perm == null || perm.length !== rank) return stock(tf.Transpose, args);
    const mem = memory(args.backend as tf.KernelBackend);
    const out = mem.alloc(perm.map((p) => x.shape[p]));
    if (tf.util.sizeFromShape(x.shape) > 0) {
      native.transpose(new Int32Array([rank, threads, ...x.shape, ...perm]), mem.view(x), out.view());
    }
    return out.info;
  };

  // Large same-shape float32 sums (the units' shortcuts; the gradient of a tensor used twice) on all threads;
  // broadcasting, other dtypes and small tensors stay with the stock kernel.
  const add: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
    const n = tf.util.sizeFromShape(a.shape);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || n < 65536 || a.shape.join() !== b.shape.join()) return stock(tf.Add, args);
    const mem = memory(args.backend as tf.KernelBackend);
    const out = mem.alloc([...a.shape]);
    native.add(new Int32Array([n, threads]), mem.view(a), mem.view(b), out.view());
    return out.info;
  };

  // tfjs-wasm's Identity and same-dtype Cast copy the buffer; the cpu backend (and webgl) share it by reference
  // count instead, as wasm's own Reshape does. Each binary unit's shortcut (tfjs-layers' Add clones its first
  // input) costs one of each per step, on activation-sized tensors.
  const share = (kernelName: string): tf.KernelFunc => (args) => {
    const { x } = args.inputs as Record<string, tf.TensorInfo>;
    const dtype = (args.attrs as { dtype?: tf.DataType } | undefined)?.dtype ?? x.dtype;
    if (dtype !== x.dtype || x.dtype === 'string') return stock(kernelName, args);
    (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype };
  };

  return {
    ...(backendName === 'wasm' ? { [tf.Identity]: share(tf.Identity), [tf.Cast]: share(tf.Cast) } : {}),
    [FRB_RSIGN]: rsign,
    [FRB_RSIGN_GRAD]: rsignGrad,
    [FRB_RPRELU]: rprelu,
    [FRB_RPRELU_GRAD]: rpreluGrad,
    [FRB_SRB]: srb,
    [tf.Transpose]: transpose,
    [tf.Add]: add,
  };
}
