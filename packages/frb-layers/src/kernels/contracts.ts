// The kernels @frb/layers adds to tfjs, as contracts: name, inputs, attributes and outputs, in the way tfjs-core
// declares its own kernels. The math (quantizers.ts, srb.ts, layers/rprelu.ts) calls them by these names when a
// backend has them registered, the native tier (kernels/native/) implements them, and the packed layers run
// FrbXnorConv; none of them imports another's implementation. Browser-clean: names and types only, plus the two
// small helpers every caller needs.
import * as tf from '@tensorflow/tfjs-core';

/** Named tensor inputs: the required ones R and the optional ones O. */
type Inputs<R extends string, O extends string = never> = { [k in R]: tf.TensorInfo } & { [k in O]?: tf.TensorInfo };

/** RSign forward: sign(x + threshold) with sign(0) = +1 and NaN → −1; threshold per channel of x's last axis. */
export const FrbRSign = 'FrbRSign';
export type FrbRSignInputs = Inputs<'x', 'threshold'>;
export type FrbRSignAttrs = Record<string, never>;

/**
 * RSign gradient under a quantizer's surrogate g(a), a = x + threshold: dx = dy·g(a) (steSign: 1{|a| ≤ clip};
 * approxSign: max(0, 2 − 2|a|)); outputs [dx] or, with a threshold input, [dx, dthreshold = Σ_rows dx].
 */
export const FrbRSignGrad = 'FrbRSignGrad';
export type FrbRSignGradInputs = Inputs<'dy' | 'x', 'threshold'>;
export interface FrbRSignGradAttrs {
  quantizer: 'steSign' | 'approxSign';
  clip: number;
}

/** RPReLU forward: prelu(x − gamma, alpha) + zeta, each parameter [C] (x's last axis). */
export const FrbRPReLU = 'FrbRPReLU';
export type FrbRPReLUInputs = Inputs<'x' | 'gamma' | 'alpha' | 'zeta'>;

/** RPReLU gradient; outputs [dx, dgamma, dalpha, dzeta]. */
export const FrbRPReLUGrad = 'FrbRPReLUGrad';
export type FrbRPReLUGradInputs = Inputs<'dy' | 'x' | 'gamma' | 'alpha'>;

/**
 * SRB weight binarizer Ŵ of a kernel w (output channels last; srb.ts has the formula). With input dy as well it
 * is the gradient dL/dw under SRB's surrogate instead. One output, w's shape.
 */
export const FrbSRB = 'FrbSRB';
export type FrbSRBInputs = Inputs<'w', 'dy'>;
export interface FrbSRBAttrs {
  order: number;
  center: boolean;
  scale: boolean;
}

/** LeakyRelu's gradient dy · (x > 0 ? 1 : alpha) in one kernel (the stock gradient is three). */
export const FrbLeakyReluGrad = 'FrbLeakyReluGrad';
export type FrbLeakyReluGradInputs = Inputs<'dy' | 'x'>;
export interface FrbLeakyReluGradAttrs {
  alpha: number;
}

/**
 * The packed binary conv (XNOR-popcount), the inference form of an SRB conv or dense layer. Input x, float32 NHWC;
 * optional input residual (the output's shape), added after the optional RPReLU of attrs.rprelu: the fused
 * epilogue of a deployed binary unit, y = rprelu(conv(x)) + residual, each step rounded as the separate ops round it
 * (with attrs.shuffle, that of a binary upsampler stage: y = shuffle(rprelu(conv(x))) + nearest(residual)).
 */
export const FrbXnorConv = 'FrbXnorConv';
export type FrbXnorConvInputs = Inputs<'x', 'residual'>;
/**
 * geometry: [N, H, W, Ci, kH, kW, sH, sW, dH, dW, padTop, padLeft, Ho, Wo, Co, order] (the native geometry layout
 * plus the order; a dense layer is a 1×1 conv over its N rows); weights: sign bits as 32-bit words laid out
 * [tap][word of 32 input channels][lane], lane = base·Co + o padded with zero lanes to a multiple of 16
 * (packed/xnor-native.ts' nativeXnorWeights); alpha [order·Co]; bias [Co] or null; threshold (RSign) [Ci] or null;
 * outShape: N·Ho·Wo·Co elements.
 */
export interface FrbXnorConvAttrs {
  geometry: Int32Array;
  weights: Int32Array;
  alpha: Float32Array;
  bias: Float32Array | null;
  threshold: Float32Array | null;
  outShape: number[];
  /** RPReLU applied to the conv output in the same pass (layers/rprelu.ts' gamma, alpha = slope, zeta; [Co] each). */
  rprelu?: { gamma: Float32Array; slope: Float32Array; zeta: Float32Array } | null;
  /**
   * Depth-to-space factor r of a fused binary upsampler stage (default 1: none). With r > 1, output channel
   * (i·r + j)·C + c of pixel (h, w) goes to pixel (h·r + i, w·r + j), channel c (C = Co/r²; outShape
   * [N, Ho·r, Wo·r, C]), after the RPReLU, and the residual is [N, Ho, Wo, C], read at (h, w, c): its
   * nearest-neighbour enlargement is added in the same pass.
   */
  shuffle?: number;
  /** A LeakyReLU slope applied last, after RPReLU and the residual (a unit followed by LeakyReLU; shuffle 1 only). */
  leaky?: number | null;
}

/**
 * A chain of 3×3 'same' convs in one row-by-row pass, each level's input the previous level's output: binary units
 * (FrbXnorConv, RPReLU, the level's input added, optionally LeakyReLU) and binary upsampler stages (FrbXnorConv with
 * shuffle r: RPReLU, the enlarged input added), and last, optionally, the float conv to RGB (as FusedConv2D with
 * bias). Each step is rounded as those kernels round it, so the output is theirs in turn, bit for bit; the
 * intermediate outputs never exist as tensors. Input x: the first level's input [N, H, W, C], float32; output
 * [N, H·R, W·R, C] (R the product of the levels' factors), or [N, H·R, W·R, Co] after a conv to RGB.
 */
export const FrbXnorChain = 'FrbXnorChain';
export type FrbXnorChainInputs = Inputs<'x'>;
/**
 * One binary level: FrbXnorConvAttrs' weights (C → C·r², lanes in depth-to-space order when r > 1), α, bias and
 * threshold, its order, RPReLU and factor r (1: a unit), and the slope of a LeakyReLU after it (r = 1 only) or null.
 */
export interface FrbXnorChainLevel {
  weights: Int32Array;
  alpha: Float32Array;
  bias: Float32Array | null;
  threshold: Float32Array | null;
  order: number;
  rprelu: { gamma: Float32Array; slope: Float32Array; zeta: Float32Array };
  scale: number;
  leaky: number | null;
}
export interface FrbXnorChainAttrs {
  levels: FrbXnorChainLevel[];
  /** The conv to RGB after them: kernel [3, 3, C, Co] (Co ≤ 4, C a multiple of 16) and bias [Co] or null. */
  last: { kernel: Float32Array; bias: Float32Array | null; outChannels: number } | null;
}

/** Every kernel name this package defines (stock tfjs has none of them). */
export const FRB_KERNEL_NAMES = [FrbRSign, FrbRSignGrad, FrbRPReLU, FrbRPReLUGrad, FrbSRB, FrbLeakyReluGrad, FrbXnorConv, FrbXnorChain] as const;
export type FrbKernelName = (typeof FRB_KERNEL_NAMES)[number];

/** The fused per-step kernels of the binary units (the ones the layers' math switches to when registered). */
export const FRB_FUSED_KERNEL_NAMES = [FrbRSign, FrbRSignGrad, FrbRPReLU, FrbRPReLUGrad, FrbSRB] as const;

/** Inputs and attributes per kernel, for {@link runFrbKernel} and the kernel implementations. */
export interface FrbKernelContracts {
  FrbRSign: { inputs: FrbRSignInputs; attrs: FrbRSignAttrs };
  FrbRSignGrad: { inputs: FrbRSignGradInputs; attrs: FrbRSignGradAttrs };
  FrbRPReLU: { inputs: FrbRPReLUInputs; attrs: Record<string, never> };
  FrbRPReLUGrad: { inputs: FrbRPReLUGradInputs; attrs: Record<string, never> };
  FrbSRB: { inputs: FrbSRBInputs; attrs: FrbSRBAttrs };
  FrbLeakyReluGrad: { inputs: FrbLeakyReluGradInputs; attrs: FrbLeakyReluGradAttrs };
  FrbXnorConv: { inputs: FrbXnorConvInputs; attrs: FrbXnorConvAttrs };
  FrbXnorChain: { inputs: FrbXnorChainInputs; attrs: FrbXnorChainAttrs };
}

/** Whether `name` is registered for the current backend (the math takes the fused path only then). */
export function hasFrbKernel(name: FrbKernelName): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

/** Runs one of this package's kernels with inputs and attributes checked against its contract at compile time. */
export function runFrbKernel<K extends FrbKernelName>(
  name: K,
  inputs: { [k in keyof FrbKernelContracts[K]['inputs']]: tf.Tensor },
  attrs?: FrbKernelContracts[K]['attrs'],
): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, (attrs ?? {}) as unknown as tf.NamedAttrMap);
}

/** A kernel function's inputs and attributes, typed by the contract of `name` (for the implementations). */
export function contractArgs<K extends FrbKernelName>(
  _name: K,
  args: Parameters<tf.KernelFunc>[0],
): { inputs: Partial<FrbKernelContracts[K]['inputs']>; attrs: Partial<FrbKernelContracts[K]['attrs']>; backend: tf.KernelBackend } {
  return {
    inputs: args.inputs as Partial<FrbKernelContracts[K]['inputs']>,
    attrs: (args.attrs ?? {}) as Partial<FrbKernelContracts[K]['attrs']>,
    backend: args.backend as tf.KernelBackend,
  };
}

/**
 * FrbXnorConv kernel functions built with the vector-popcount path (AVX-512 VPOPCNTDQ): the implementation adds
 * its function here, and the packed layers' 'auto' choice takes the native kernel only when it is one of them
 * (without it the native kernel measured slower than the wasm one).
 */
export const fastXnorConvKernels = new WeakSet<tf.KernelFunc>();
