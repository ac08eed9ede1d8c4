// Kernel functions that run the native conv (loader.ts) directly on the cpu and wasm backends' memory:
// Conv2D, FusedConv2D (linear activation; others fall back to the stock kernel) and Conv2DBackpropFilter.
// Conv2DBackpropInput with stride 1 is the native conv of dy with the flipped, in/out-swapped filter and
// padding (k−1)·d − pad (no pad/transpose kernels in between); other strides use conv2d_backprop_input.ts,
// whose zero-insertion then runs on the native Conv2D.
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry, type ConvGradAttrs } from '../conv_geometry.js';
import { conv2DBackpropFilterViaConv, type Conv2DBackpropFilterAttrs } from '../conv2d_backprop_filter.js';
import { conv2DBackpropInputViaConv, type Conv2DBackpropInputAttrs } from '../conv2d_backprop_input.js';
import { fusedKernels } from './fused_kernels.js';
import { convParams, geometryInts, type NativeModule } from './module.js';
import { contractArgs, fastXnorConvKernels, FrbLeakyReluGrad, FrbXnorConv, FrbXnorChain } from '../contracts.js';

/** The compiled module (native/*.cc), as the backend code sees it. */
export type NativeConv = NativeModule;

interface WasmBackendLike {
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}
interface CpuBackendLike {
  data: { get(id: object): { values?: ArrayLike<number> } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** Reads and allocates float32 buffers in a backend's own memory (wasm heap or cpu typed arrays). */
interface Memory {
  view(t: tf.TensorInfo): Float32Array;
  alloc(shape: number[]): { info: tf.TensorInfo; view: () => Float32Array };
}

function memoryOf(backendName: string, backend: tf.KernelBackend): Memory {
  if (backendName === 'wasm') {
    const b = backend as unknown as WasmBackendLike;
    const view = (t: tf.TensorInfo) =>
      new Float32Array(b.wasm.HEAPU8.buffer, b.dataIdMap.get(t.dataId)!.memoryOffset, tf.util.sizeFromShape(t.shape));
    return {
      view,
      // makeOutput may grow the wasm memory (detaching older views), so views are taken after allocation.
      alloc: (shape) => { const info = b.makeOutput(shape, 'float32'); return { info, view: () => view(info) }; },
    };
  }
  const b = backend as unknown as CpuBackendLike;
  return {
    view: (t) => {
      const v = b.data.get(t.dataId)?.values;
      if (v == null) throw new Error(`native conv kernels: cpu tensor of shape [${t.shape}] has no values`);
      return v instanceof Float32Array ? v : Float32Array.from(v); // inputs only; outputs are allocated below
    },
    alloc: (shape) => {
      const values = new Float32Array(tf.util.sizeFromShape(shape));
      return { info: b.makeTensorInfo(shape, 'float32', values), view: () => values };
    },
  };
}


export interface NativeKernelSet {
  [kernelName: string]: tf.KernelFunc;
}

/** What every native kernel function of one backend shares. */
interface NativeContext {
  native: NativeConv;
  backendName: 'cpu' | 'wasm';
  threads: number;
  memory(backend: tf.KernelBackend): Memory;
  /** Runs the kernel registered before ours, for arguments the native code does not cover. */
  fallback(name: string, args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[];
}

function convForward(c: NativeContext, name: string): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as ConvGradAttrs & { activation?: string };
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
    const g = x && filter ? convGeometry(name, x.shape, filter.shape, attrs) : null;
    const linear = attrs.activation == null || attrs.activation === 'linear';
    if (!g || !g.channelsLast || x!.dtype !== 'float32' || filter!.dtype !== 'float32' || !linear ||
        preluActivationWeights != null || (bias != null && (bias.dtype !== 'float32' || bias.shape.length > 1 ||
        tf.util.sizeFromShape(bias.shape) !== g.outC))) {
      return c.fallback(name, args);
    }
    const mem = c.memory(backend as tf.KernelBackend);
    const out = mem.alloc([g.batch, g.outH, g.outW, g.outC]);
    c.native.conv2d(convParams(c.threads, geometryInts(g)), mem.view(x!), mem.view(filter!), bias ? mem.view(bias) : null, out.view());
    return out.info;
  };
}

/** Throws unless dy has the conv output shape of geometry g. */
function checkDy(name: string, dy: tf.TensorInfo, g: ConvGeometry): void {
  const expectDy = [g.batch, g.outH, g.outW, g.outC];
  if (dy.shape.join() !== expectDy.join()) {
    throw new Error(`${name}: dy shape [${dy.shape}] does not match the conv output shape [${expectDy}]`);
  }
}

function convFilterGrad(c: NativeContext): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const { x, dy } = inputs as Record<string, tf.TensorInfo>;
    const name = 'Conv2DBackpropFilter (@frb/layers native)';
    if (attrs.filterShape == null || attrs.filterShape.length !== 4) {
      throw new Error(`${name}: attr filterShape must be [kh, kw, inChannels, outChannels], got ${JSON.stringify(attrs.filterShape)}`);
    }
    const g = convGeometry(name, x.shape, attrs.filterShape, attrs);
    if (!g.channelsLast || x.dtype !== 'float32' || dy.dtype !== 'float32') {
      return conv2DBackpropFilterViaConv(x as tf.Tensor, dy as tf.Tensor, attrs);
    }
    checkDy(name, dy, g);
    const mem = c.memory(backend as tf.KernelBackend);
    const out = mem.alloc([...attrs.filterShape]);
    c.native.conv2dBackpropFilter(convParams(c.threads, geometryInts(g)), mem.view(x), mem.view(dy), out.view());
    return out.info;
  };
}

function convInputGrad(c: NativeContext): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const { dy, filter } = inputs as Record<string, tf.TensorInfo>;
    const name = 'Conv2DBackpropInput (@frb/layers native)';
    if (attrs.inputShape == null || attrs.inputShape.length !== 4) {
      throw new Error(`${name}: attr inputShape must have rank 4, got ${JSON.stringify(attrs.inputShape)}`);
    }
    const g = convGeometry(name, attrs.inputShape, filter.shape, attrs);
    if (!g.channelsLast || g.sH !== 1 || g.sW !== 1 || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
      return conv2DBackpropInputViaConv(dy as tf.Tensor, filter as tf.Tensor, attrs);
    }
    checkDy(name, dy, g);
    const mem = c.memory(backend as tf.KernelBackend);
    // wT[kh][kw][co][ci] = W[kH−1−kh][kW−1−kw][ci][co] (small: built in JS)
    const w = mem.view(filter);
    const wT = new Float32Array(w.length);
    for (let kh = 0; kh < g.kH; kh++) for (let kw = 0; kw < g.kW; kw++) {
      const src = ((g.kH - 1 - kh) * g.kW + (g.kW - 1 - kw)) * g.inC * g.outC;
      const dst = (kh * g.kW + kw) * g.outC * g.inC;
      for (let ci = 0; ci < g.inC; ci++) for (let co = 0; co < g.outC; co++) wT[dst + co * g.inC + ci] = w[src + ci * g.outC + co];
    }
    const out = mem.alloc([g.batch, g.inH, g.inW, g.inC]);
    // The forward conv of dy (as input, outC channels) to dx (inC channels), stride 1, padded by (k−1)·d − pad.
    const p = convParams(c.threads, [
      g.batch, g.outH, g.outW, g.outC, g.kH, g.kW, 1, 1, g.dH, g.dW,
      (g.kH - 1) * g.dH - g.padTop, (g.kW - 1) * g.dW - g.padLeft, g.inH, g.inW, g.inC,
    ]);
    c.native.conv2d(p, mem.view(dy), wT, null, out.view());
    return out.info;
  };
}

// Sum over every axis but the last (bias / per-channel parameter gradients): one pass instead of the
// backend's transpose-then-reduce. Other reductions go to the stock kernel.
function channelSum(c: NativeContext): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as Record<string, tf.TensorInfo>;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const r = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = r >= 2 && axes.length === r - 1 && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < 4096) return c.fallback(tf.Sum, args);
    const C = x.shape[r - 1];
    const mem = c.memory(args.backend as tf.KernelBackend);
    const out = mem.alloc(keepDims ? [...new Array(r - 1).fill(1), C] : [C]);
    c.native.colsum(new Int32Array([c.threads, tf.util.sizeFromShape(x.shape) / C, C]), mem.view(x), out.view());
    return out.info;
  };
}

function leakyRelu(c: NativeContext, grad: boolean): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
    const { alpha } = args.attrs as unknown as { alpha: number };
    if (x.dtype !== 'float32' || (grad && dy.dtype !== 'float32')) {
      if (!grad) return c.fallback(tf.LeakyRelu, args);
      return tf.tidy(() => tf.where(tf.greater(x as tf.Tensor, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, alpha)));
    }
    const mem = c.memory(args.backend as tf.KernelBackend);
    const out = mem.alloc([...x.shape]);
    const n = tf.util.sizeFromShape(x.shape);
    c.native.leakyRelu(new Int32Array([c.threads, n]), mem.view(x), grad ? mem.view(dy) : null, new Float32Array([alpha]), out.view());
    return out.info;
  };
}

function xnorConv(c: NativeContext): tf.KernelFunc {
  return (args) => {
    const { inputs: { x, residual }, attrs: a } = contractArgs(FrbXnorConv, args);
    if (x == null || a.geometry == null || a.weights == null || a.alpha == null || a.outShape == null) {
      throw new Error(`${FrbXnorConv} (@frb/layers native): input x and attrs geometry, weights, alpha and outShape are required`);
    }
    if (x.dtype !== 'float32') throw new Error(`${FrbXnorConv}: input must be float32, got ${x.dtype}`);
    const r = a.shuffle ?? 1;
    const [n, ho, wo, co] = [a.geometry[0], a.geometry[12], a.geometry[13], a.geometry[14]];
    if (!Number.isInteger(r) || r < 1 || co % (r * r) !== 0) {
      throw new Error(`${FrbXnorConv}: attr shuffle must be an integer >= 1 whose square divides the ${co} output channels, got ${String(a.shuffle)}`);
    }
    // Without a shuffle the output may have any shape of N·Ho·Wo·Co elements (a dense layer's [..., units]).
    const lr = [n, ho, wo, co / (r * r)];
    const expectOut = r === 1 ? a.outShape : [n, ho * r, wo * r, co / (r * r)];
    if (tf.util.sizeFromShape(a.outShape) !== n * ho * wo * co || !tf.util.arraysEqual(a.outShape, expectOut)) {
      throw new Error(`${FrbXnorConv}: attr outShape [${a.outShape}] does not match the geometry's output [${r === 1 ? [n, ho, wo, co] : expectOut}]${r > 1 ? ` (shuffle ${r})` : ''}`);
    }
    const resShape = r === 1 ? a.outShape : lr;
    if (residual != null && (residual.dtype !== 'float32' || !tf.util.arraysEqual(residual.shape, resShape))) {
      throw new Error(`${FrbXnorConv}: input residual must be float32 of shape [${resShape}]${r > 1 ? ` (the input of a shuffle-${r} stage)` : ' (the output\'s)'}, got ${residual.dtype} [${residual.shape}]`);
    }
    if (a.leaky != null && (r !== 1 || !Number.isFinite(a.leaky))) {
      throw new Error(`${FrbXnorConv}: attr leaky (a LeakyReLU slope after the unit) must be a finite number with shuffle 1, got ${String(a.leaky)} with shuffle ${r}`);
    }
    const mem = c.memory(args.backend as tf.KernelBackend);
    const out = mem.alloc([...a.outShape]);
    const u = a.rprelu ?? null;
    c.native.xnorConv(
      convParams(c.threads, a.geometry.subarray(0, 16), 0, r), mem.view(x), a.threshold ?? null, a.weights, a.alpha, a.bias ?? null,
      out.view(), u?.gamma ?? null, u?.slope ?? null, u?.zeta ?? null, residual ? mem.view(residual) : null,
      a.leaky != null ? new Float32Array([a.leaky]) : null,
    );
    return out.info;
  };
}

function xnorChain(c: NativeContext): tf.KernelFunc {
  return (args) => {
    const { inputs: { x }, attrs: a } = contractArgs(FrbXnorChain, args);
    if (x == null || a.levels == null || a.levels.length === 0) {
      throw new Error(`${FrbXnorChain} (@frb/layers native): input x and attrs levels (at least one) are required`);
    }
    if (x.dtype !== 'float32' || x.shape.length !== 4) throw new Error(`${FrbXnorChain}: input x must be float32 [N, H, W, C], got ${x.dtype} [${x.shape}]`);
    const [n, h, w, ch] = x.shape;
    const last = a.last ?? null;
    const R = a.levels.reduce((p, l) => p * l.scale, 1);
    const mem = c.memory(args.backend as tf.KernelBackend);
    const out = mem.alloc([n, h * R, w * R, last ? last.outChannels : ch]);
    const params = [c.threads, n, h, w, ch, a.levels.length + (last ? 1 : 0), 0];
    const arrays: (Float32Array | Int32Array | null)[] = [];
    for (const l of a.levels) {
      params.push(0, l.scale, l.order);
      arrays.push(l.threshold, l.weights, l.alpha, l.bias, l.rprelu.gamma, l.rprelu.slope, l.rprelu.zeta, l.leaky != null ? new Float32Array([l.leaky]) : null);
    }
    if (last) {
      params.push(1, 1, last.outChannels);
      arrays.push(last.kernel, last.bias);
    }
    // The module checks every array's size against the sizes in params and names the level and array that are short.
    c.native.xnorChain(new Int32Array(params), mem.view(x), ...arrays, out.view());
    return out.info;
  };
}

/**
 * Native kernels for one backend. `stock(kernelName)` returns the kernel registered before ours, used for
 * what the native code does not cover (NCHW, non-float32, fused activations other than linear).
 */
export function nativeKernels(
  native: NativeConv,
  backendName: 'cpu' | 'wasm',
  threads: number,
  stock: (kernelName: string) => tf.KernelConfig | undefined,
): NativeKernelSet {
  const c: NativeContext = {
    native, backendName, threads,
    memory: (b) => memoryOf(backendName, b),
    fallback: (name, args) => {
      const s = stock(name);
      if (!s) throw new Error(`${name} (@frb/layers native): unsupported arguments and no stock ${backendName} kernel to fall back to`);
      return s.kernelFunc(args);
    },
  };
  const xnor = xnorConv(c);
  if (native.xnorVectorPopcount === true) fastXnorConvKernels.add(xnor);
  return {
    ...fusedKernels(native, backendName, threads, c.memory, c.fallback),
    [FrbXnorConv]: xnor,
    [FrbXnorChain]: xnorChain(c),
    [tf.Sum]: channelSum(c),
    [tf.LeakyRelu]: leakyRelu(c, false),
    [FrbLeakyReluGrad]: leakyRelu(c, true),
    [tf.Conv2D]: convForward(c, tf.Conv2D),
    [tf.FusedConv2D]: convForward(c, tf.FusedConv2D),
    [tf.Conv2DBackpropFilter]: convFilterGrad(c),
    [tf.Conv2DBackpropInput]: convInputGrad(c),
  };
}
