// The compiled module's exports (native/*.cc), typed. Every function follows native/frb_native.h's convention:
// fn(params Int32Array [threads, ...sizes], ...arrays), outputs written in place into arrays the caller
// allocated; a conv's sizes start with the 15-int geometry of convParams().
import type { ConvGeometry } from '../conv_geometry.js';

export interface NativeModule {
  conv2d(params: Int32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array): void;
  conv2dBackpropFilter(params: Int32Array, x: Float32Array, dy: Float32Array, out: Float32Array): void;
  /** out[c] = Σ_m x[m][c]; params [threads, M, C]. */
  colsum(params: Int32Array, x: Float32Array, out: Float32Array): void;
  /** Forward (dy null) or gradient of LeakyRelu; params [threads, n]. */
  leakyRelu(params: Int32Array, x: Float32Array, dy: Float32Array | null, alpha: Float32Array, out: Float32Array): void;
  /**
   * Packed binary (XNOR-popcount) conv; params [threads, ...geometry, order, path?] (path 0, the default: the
   * fastest this CPU runs; 1: the portable loop). Weights in nativeXnorWeights' layout. With gamma/slope/zeta its
   * epilogue also applies RPReLU, with residual it then adds that [N, Ho, Wo, Co] tensor (a deployed binary unit),
   * and with leaky ([1]) it applies a LeakyReLU of that slope last (the unit's following activation).
   */
  xnorConv(
    params: Int32Array, x: Float32Array, threshold: Float32Array | null, weights: Int32Array, alpha: Float32Array,
    bias: Float32Array | null, out: Float32Array, gamma?: Float32Array | null, slope?: Float32Array | null,
    zeta?: Float32Array | null, residual?: Float32Array | null, leaky?: Float32Array | null,
  ): void;
  /**
   * A chain of 3×3 'same' convs in one row-by-row pass, each level's input the previous level's output: binary units
   * and upsampler stages (xnorConv with the level's input as residual), and last, optionally, the conv to RGB
   * (conv2d, Co ≤ 4); the same output bits as those calls in turn. params [threads, N, H, W, C, levels, path, ...per
   * level: kind (0 binary, 1 conv to RGB), r, order | Co]; then x, per binary level threshold, weights, alpha, bias,
   * gamma, slope, zeta, leaky; per conv to RGB w, bias; then out (native/xnor.cc XnorChain).
   */
  xnorChain(params: Int32Array, x: Float32Array, ...arrays: (Float32Array | Int32Array | null)[]): void;
  /** Whether xnorConv runs its vector-popcount path (AVX-512 VPOPCNTDQ) on this CPU (checked at load). */
  xnorVectorPopcount: boolean;
  /** out = sign(x + b); params [threads, M, C]. */
  rsign(params: Int32Array, x: Float32Array, b: Float32Array | null, out: Float32Array): void;
  /** params [threads, M, C, kind (1 steSign, 2 approxSign)]. */
  rsignGrad(
    params: Int32Array, clip: Float32Array, dy: Float32Array, x: Float32Array, b: Float32Array | null,
    dx: Float32Array, db: Float32Array | null,
  ): void;
  /** params [threads, M, C]. */
  rprelu(params: Int32Array, x: Float32Array, gamma: Float32Array, alpha: Float32Array, zeta: Float32Array, out: Float32Array): void;
  rpreluGrad(
    params: Int32Array, dy: Float32Array, x: Float32Array, gamma: Float32Array, alpha: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dalpha: Float32Array, dzeta: Float32Array,
  ): void;
  /** Ŵ (dy null) or dL/dw; params [threads, K, Co, order, center, scale, cpuMean (means as tfjs-cpu takes them)]. */
  srb(params: Int32Array, w: Float32Array, dy: Float32Array | null, out: Float32Array): void;
  /** out = a + b (same length); params [threads, n]. */
  add(params: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** params [threads, rank, ...shape, ...perm] (rank ≤ 8). */
  transpose(params: Int32Array, x: Float32Array, out: Float32Array): void;
}

/** The functions a loaded module must export (the loader refuses a module that lacks one). */
export const NATIVE_FUNCTIONS = [
  'conv2d', 'conv2dBackpropFilter', 'colsum', 'leakyRelu', 'xnorConv', 'xnorChain',
  'rsign', 'rsignGrad', 'rprelu', 'rpreluGrad', 'srb', 'add', 'transpose',
] as const satisfies readonly (keyof NativeModule)[];

/** The geometry ints in native/frb_native.h's `Geo` order: N, H, W, Ci, kH, kW, sH, sW, dH, dW, pT, pL, Ho, Wo, Co. */
export type GeometryInts = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

export function geometryInts(g: ConvGeometry): GeometryInts {
  return [g.batch, g.inH, g.inW, g.inC, g.kH, g.kW, g.sH, g.sW, g.dH, g.dW, g.padTop, g.padLeft, g.outH, g.outW, g.outC];
}

/** params [threads, ...geometry, ...extra] of a conv-shaped native call. */
export function convParams(threads: number, geometry: ArrayLike<number>, ...extra: number[]): Int32Array {
  const p = new Int32Array(1 + geometry.length + extra.length);
  p[0] = threads;
  p.set(geometry as ArrayLike<number>, 1);
  p.set(extra, 1 + geometry.length);
  return p;
}
