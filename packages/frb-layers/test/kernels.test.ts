// Exactness of the project's conv-gradient kernels against a float64 JS reference and the cpu
// backend's stock kernels, on both backends, plus registration and leak checks.
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useNativeConvKernels } from '../src/backend.js';
import { loadNativeKernels } from '../src/kernels/native/loader.js';
import {
  nativeConvKernelsActive,
  conv2DBackpropFilterViaConv,
  conv2DBackpropInputViaConv,
  isFrbKernel,
  registerFrbKernels,
  unregisterFrbKernels,
} from '../src/kernels/index.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { x: [number, number, number, number]; k: [number, number]; cout: number; s: [number, number]; d: [number, number]; pad: Pad }

const CASES: Case[] = [
  { x: [2, 9, 7, 3], k: [3, 2], cout: 5, s: [1, 1], d: [1, 1], pad: 'same' },
  { x: [3, 11, 8, 4], k: [3, 3], cout: 2, s: [2, 2], d: [1, 1], pad: 'valid' },
  { x: [2, 10, 9, 3], k: [3, 3], cout: 4, s: [2, 1], d: [1, 1], pad: 'same' },
  { x: [2, 9, 10, 2], k: [2, 3], cout: 3, s: [1, 1], d: [2, 2], pad: 'valid' },
  { x: [1, 13, 11, 5], k: [3, 3], cout: 3, s: [2, 2], d: [2, 1], pad: 'same' },
  { x: [2, 8, 7, 3], k: [3, 3], cout: 2, s: [2, 1], d: [1, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [1, 5, 5, 1], k: [5, 5], cout: 1, s: [1, 1], d: [1, 1], pad: 'valid' },
];

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/** float64 reference for both gradients of y = conv(x, w), given dy. */
function reference(x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor, c: Case) {
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.cout], c.s, c.d, c.pad);
  const [N, H, W, C] = c.x;
  const [, Ho, Wo, Co] = dy.shape;
  const [kH, kW] = c.k;
  const xv = x.dataSync(), wv = w.dataSync(), dv = dy.dataSync();
  const dW = new Float64Array(kH * kW * C * Co);
  const dX = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < Ho; oh++) for (let ow = 0; ow < Wo; ow++)
    for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
      const ih = oh * c.s[0] - info.padInfo.top + kh * c.d[0];
      const iw = ow * c.s[1] - info.padInfo.left + kw * c.d[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      for (let ci = 0; ci < C; ci++) {
        const xi = ((n * H + ih) * W + iw) * C + ci;
        for (let co = 0; co < Co; co++) {
          const g = dv[((n * Ho + oh) * Wo + ow) * Co + co];
          const wi = ((kh * kW + kw) * C + ci) * Co + co;
          dW[wi] += xv[xi] * g;
          dX[xi] += wv[wi] * g;
        }
      }
    }
  return { dW, dX, outShape: info.outShape };
}

/** float64 reference forward conv (NHWC). */
function referenceForward(x: tf.Tensor, w: tf.Tensor, c: Case): Float64Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.cout], c.s, c.d, c.pad);
  const [N, H, W, C] = c.x;
  const [, Ho, Wo, Co] = info.outShape;
  const xv = x.dataSync(), wv = w.dataSync();
  const y = new Float64Array(N * Ho * Wo * Co);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < Ho; oh++) for (let ow = 0; ow < Wo; ow++)
    for (let kh = 0; kh < c.k[0]; kh++) for (let kw = 0; kw < c.k[1]; kw++) {
      const ih = oh * c.s[0] - info.padInfo.top + kh * c.d[0];
      const iw = ow * c.s[1] - info.padInfo.left + kw * c.d[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      for (let ci = 0; ci < C; ci++) {
        const a = xv[((n * H + ih) * W + iw) * C + ci];
        for (let co = 0; co < Co; co++) y[((n * Ho + oh) * Wo + ow) * Co + co] += a * wv[((kh * c.k[1] + kw) * C + ci) * Co + co];
      }
    }
  return y;
}

function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(got.length).toBe(ref.length);
  let err = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return err / scale;
}

const runFilter = (x: tf.Tensor, dy: tf.Tensor, c: Case) =>
  tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
    strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: c.d, filterShape: [c.k[0], c.k[1], c.x[3], c.cout],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
const runInput = (dy: tf.Tensor, w: tf.Tensor, c: Case) =>
  tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, {
    strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: c.d, inputShape: c.x,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;

afterAll(async () => {
  registerFrbKernels({ tier: 'portable' });
  await tf.setBackend(process.env.FRB_TEST_BACKEND ?? 'cpu');
});

describe.each(['cpu', 'wasm'])('conv-gradient kernels on %s', (backend) => {
  it('at the portable tier (set up by vitest.setup.ts): filter gradient everywhere, input gradient on wasm', async () => {
    await tf.setBackend(backend);
    expect(isFrbKernel(tf.Conv2DBackpropFilter, backend)).toBe(true);
    expect(isFrbKernel(tf.Conv2DBackpropInput, backend)).toBe(backend === 'wasm');
  });

  it.each(CASES.map((c, i) => [i, c] as const))('case %i matches the float64 reference (rel ≤ 1e-5)', async (i, c) => {
    await tf.setBackend(backend);
    const x = rand(c.x, 10 + i);
    const w = rand([c.k[0], c.k[1], c.x[3], c.cout], 20 + i);
    const ref0 = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.cout], c.s, c.d, c.pad);
    const dy = rand(ref0.outShape, 30 + i);
    const ref = reference(x, w, dy, c);
    const dW = runFilter(x, dy, c);
    expect(dW.shape).toEqual([c.k[0], c.k[1], c.x[3], c.cout]);
    expect(relErr(dW.dataSync(), ref.dW)).toBeLessThanOrEqual(1e-5);
    // The input-gradient formulation is checked on both backends even where the stock kernel stays registered.
    const dX = conv2DBackpropInputViaConv(dy, w, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: c.d, inputShape: c.x });
    expect(dX.shape).toEqual(c.x);
    expect(relErr(dX.dataSync(), ref.dX)).toBeLessThanOrEqual(1e-5);
    if (c.d[0] === 1 && c.d[1] === 1) {
      const dX2 = runInput(dy, w, c); // whichever kernel is registered
      expect(relErr(dX2.dataSync(), ref.dX)).toBeLessThanOrEqual(1e-5);
      dX2.dispose();
    }
    tf.dispose([x, w, dy, dW, dX]);
  });

  it('NCHW data format matches NHWC', async () => {
    await tf.setBackend(backend);
    const c = CASES[2];
    const x = rand(c.x, 1), w = rand([c.k[0], c.k[1], c.x[3], c.cout], 2);
    const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.cout], c.s, c.d, c.pad);
    const dy = rand(info.outShape, 3);
    const ref = reference(x, w, dy, c);
    const xT = tf.transpose(x, [0, 3, 1, 2]), dyT = tf.transpose(dy, [0, 3, 1, 2]);
    const nchwShape = [c.x[0], c.x[3], c.x[1], c.x[2]] as [number, number, number, number];
    const dW = conv2DBackpropFilterViaConv(xT, dyT, { strides: c.s, pad: c.pad, dataFormat: 'NCHW', filterShape: [c.k[0], c.k[1], c.x[3], c.cout] });
    const dX = conv2DBackpropInputViaConv(dyT, w, { strides: c.s, pad: c.pad, dataFormat: 'NCHW', inputShape: nchwShape });
    const dXn = tf.transpose(dX, [0, 2, 3, 1]);
    expect(relErr(dW.dataSync(), ref.dW)).toBeLessThanOrEqual(1e-5);
    expect(relErr(dXn.dataSync(), ref.dX)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, w, dy, xT, dyT, dW, dX, dXn]);
  });

  it('tf.grads of a conv2d equals the cpu stock kernels, and leaks nothing over repeated steps', async () => {
    // Stock cpu math as the reference (small enough that its slow filter kernel is quick).
    await tf.setBackend('cpu');
    const xs = [2, 12, 10, 4] as const;
    const xv = rand([...xs], 5).dataSync(), wv = rand([3, 3, 4, 6], 6).dataSync();
    const stockGrads = (s: number, pad: 'same' | 'valid') => {
      const x = tf.tensor4d(xv, [...xs]), w = tf.tensor4d(wv, [3, 3, 4, 6]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad))))([x, w]);
      const out = g.map((t) => t.dataSync().slice());
      tf.dispose([x, w, ...g]);
      return out;
    };
    unregisterFrbKernels();
    let refs: ArrayLike<number>[][];
    try {
      expect(isFrbKernel(tf.Conv2DBackpropFilter, 'cpu')).toBe(false);
      refs = [stockGrads(1, 'same'), stockGrads(2, 'valid')];
    } finally {
      registerFrbKernels({ tier: 'portable' });
    }
    await tf.setBackend(backend);
    const x = tf.tensor4d(xv, [...xs]), w = tf.tensor4d(wv, [3, 3, 4, 6]);
    const f = (s: number, pad: 'same' | 'valid') => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad))));
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      for (const [j, [s, pad]] of ([[1, 'same'], [2, 'valid']] as const).entries()) {
        const [dx, dw] = f(s, pad)([x, w]);
        expect(relErr(dx.dataSync(), refs[j][0])).toBeLessThanOrEqual(1e-5);
        expect(relErr(dw.dataSync(), refs[j][1])).toBeLessThanOrEqual(1e-5);
        tf.dispose([dx, dw]);
      }
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, w]);
  });
});

describe('registration', () => {
  it('tier stock (what importing @frb/layers applies) adds only what stock tfjs lacks and replaces nothing', () => {
    unregisterFrbKernels();
    const stockInputGrad = tf.getKernel(tf.Conv2DBackpropInput, 'wasm')!.kernelFunc;
    const stockFilterGrad = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')!.kernelFunc;
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeUndefined(); // tfjs-backend-wasm 4.22 has none
    const r = registerFrbKernels({ tier: 'stock' });
    expect(r).toEqual({ tier: 'stock', kernels: { cpu: [], wasm: [tf.Conv2DBackpropFilter] } });
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')!.kernelFunc).toBe(stockInputGrad);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')!.kernelFunc).toBe(stockFilterGrad);
    registerFrbKernels({ tier: 'portable' });
  });

  it('switches tiers idempotently, says what it registered, and prints no "already registered" warning', () => {
    const warn = vi.spyOn(console, 'warn');
    const portable = registerFrbKernels({ tier: 'portable' });
    expect(portable).toEqual({
      tier: 'portable',
      kernels: { cpu: [tf.Conv2DBackpropFilter], wasm: [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput] },
    });
    expect(registerFrbKernels({ tier: 'portable' })).toEqual(portable);
    registerFrbKernels({ tier: 'stock' });
    expect(isFrbKernel(tf.Conv2DBackpropFilter, 'cpu')).toBe(false);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')).toBeDefined(); // the stock one is back
    expect(isFrbKernel(tf.Conv2DBackpropInput, 'wasm')).toBe(false);
    expect(isFrbKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(true);
    unregisterFrbKernels();
    expect(isFrbKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(false);
    registerFrbKernels({ tier: 'portable' });
    expect(isFrbKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('names a bad tier, and a native tier asked for without its module', () => {
    expect(() => registerFrbKernels({ tier: 'fast' as never })).toThrow(/registerFrbKernels: tier must be one of stock, portable, native, got "fast"/);
    expect(() => registerFrbKernels({ tier: 'native' })).toThrow(/tier 'native' needs the compiled module/);
  });

  it('names the kernel and the bad argument', () => {
    const x = tf.zeros([1, 4, 4, 2]), dy = tf.zeros([1, 4, 4, 3]);
    expect(() => conv2DBackpropFilterViaConv(x, dy, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2] as never }))
      .toThrow(/Conv2DBackpropFilter.*filterShape/);
    expect(() => conv2DBackpropFilterViaConv(x, dy, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] }))
      .toThrow(/Conv2DBackpropFilter.*dy shape/);
    tf.dispose([x, dy]);
  });
});

// The native tier (compiled with the system g++ on first use) must pass the same exactness checks. The extra
// cases have 16/32/64 channels so the vectorised paths (over co, over ci) run, not only the scalar fallback.
const nativeStatus = useNativeConvKernels(true, 2);
useNativeConvKernels(false);
const NATIVE_CASES: Case[] = [
  ...CASES,
  { x: [2, 7, 6, 32], k: [3, 3], cout: 64, s: [1, 1], d: [1, 1], pad: 'same' },
  { x: [3, 6, 7, 64], k: [3, 3], cout: 3, s: [1, 1], d: [1, 1], pad: 'same' },
  // The narrow forward (Co <= 4, Ci % 16 == 0: lanes over input channels) with strides, dilation and 1x1.
  { x: [2, 9, 8, 16], k: [3, 3], cout: 1, s: [2, 1], d: [1, 2], pad: 'same' },
  { x: [1, 5, 5, 32], k: [1, 1], cout: 4, s: [1, 1], d: [1, 1], pad: 'valid' },
  { x: [1, 9, 8, 3], k: [3, 3], cout: 32, s: [2, 2], d: [1, 1], pad: 'same' },
  { x: [2, 9, 9, 32], k: [3, 3], cout: 16, s: [1, 1], d: [2, 2], pad: 'valid' },
  // Rows wide enough for the narrow conv's pixel blocks whose taps all fall inside the image (no bounds checks).
  { x: [2, 5, 23, 32], k: [3, 3], cout: 3, s: [1, 1], d: [1, 1], pad: 'same' },
  { x: [1, 7, 40, 16], k: [3, 3], cout: 2, s: [1, 2], d: [2, 1], pad: 'same' },
];

describe.skipIf(!nativeStatus.active)(`native conv kernels (${nativeStatus.reason ?? 'built'})`, () => {
  afterAll(() => {
    useNativeConvKernels(false);
  });

  describe.each(['cpu', 'wasm'])('on %s', (backend) => {
    it('are registered for Conv2D, FusedConv2D and both gradients', async () => {
      await tf.setBackend(backend);
      useNativeConvKernels(true, 2);
      expect(nativeConvKernelsActive(backend as 'cpu' | 'wasm')).toBe(true);
      for (const k of [tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput]) expect(isFrbKernel(k, backend)).toBe(true);
    });

    it.each(NATIVE_CASES.map((c, i) => [i, c] as const))('case %i: forward and both gradients match float64 (rel ≤ 1e-5)', async (i, c) => {
      await tf.setBackend(backend);
      useNativeConvKernels(true, 2);
      const x = rand(c.x, 40 + i);
      const w = rand([c.k[0], c.k[1], c.x[3], c.cout], 50 + i);
      const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.cout], c.s, c.d, c.pad);
      const dy = rand(info.outShape, 60 + i);
      const ref = reference(x, w, dy, c);
      const y = tf.engine().runKernel(tf.Conv2D, { x, filter: w }, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: c.d } as unknown as tf.NamedAttrMap) as tf.Tensor;
      expect(relErr(y.dataSync(), referenceForward(x, w, c))).toBeLessThanOrEqual(1e-5);
      const dW = runFilter(x, dy, c);
      expect(relErr(dW.dataSync(), ref.dW)).toBeLessThanOrEqual(1e-5);
      const dX = runInput(dy, w, c);
      expect(dX.shape).toEqual(c.x);
      expect(relErr(dX.dataSync(), ref.dX)).toBeLessThanOrEqual(1e-5);
      tf.dispose([x, w, dy, y, dW, dX]);
    });

    it('fused conv2d with bias: forward and tf.grads equal the stock cpu kernels; no leaks', async () => {
      const xs = [2, 12, 10, 32] as const;
      const xv = rand([...xs], 7).dataSync(), wv = rand([3, 3, 32, 32], 8).dataSync(), bv = rand([32], 9).dataSync();
      const run = () => {
        const x = tf.tensor4d(xv, [...xs]), w = tf.tensor4d(wv, [3, 3, 32, 32]), b = tf.tensor1d(bv);
        const f = (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.fused.conv2d({ x: a as tf.Tensor4D, filter: ww as tf.Tensor4D, bias: bb, strides: 1, pad: 'same' });
        const y = f(x, w, b);
        const g = tf.grads((a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(f(a, ww, bb))))([x, w, b]);
        const out = [y, ...g].map((t) => t.dataSync().slice());
        tf.dispose([x, w, b, y, ...g]);
        return out;
      };
      await tf.setBackend('cpu');
      useNativeConvKernels(false);
      unregisterFrbKernels();
      let refs: ArrayLike<number>[];
      try {
        refs = run();
      } finally {
        registerFrbKernels({ tier: 'portable' });
      }
      await tf.setBackend(backend);
      useNativeConvKernels(true, 2);
      const before = tf.memory().numTensors;
      for (let step = 0; step < 3; step++) {
        const got = run();
        got.forEach((g, j) => expect(relErr(g, refs[j])).toBeLessThanOrEqual(1e-5));
        expect(tf.memory().numTensors).toBe(before);
      }
    });
  });

  it.each(['cpu', 'wasm'])('Sum over leading axes and LeakyRelu (forward, fused gradient) on %s match the reference', async (backend) => {
    await tf.setBackend(backend);
    useNativeConvKernels(true, 2);
    expect(isFrbKernel(tf.Sum, backend)).toBe(true);
    expect(isFrbKernel(tf.LeakyRelu, backend)).toBe(true);
    const shape = [3, 17, 13, 37];
    const x = rand(shape, 70);
    const xv = x.dataSync();
    const C = shape[3];
    const ref = new Float64Array(C);
    for (let i = 0; i < xv.length; i++) ref[i % C] += xv[i];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++) {
      const s1 = tf.sum(x, [0, 1, 2]);
      const s2 = tf.sum(x, [2, 0, 1], true);
      expect(s1.shape).toEqual([C]);
      expect(s2.shape).toEqual([1, 1, 1, C]);
      expect(relErr(s1.dataSync(), ref)).toBeLessThanOrEqual(1e-5);
      expect(relErr(s2.dataSync(), ref)).toBeLessThanOrEqual(1e-5);
      // not the fast path: falls back to the stock kernel
      const s3 = tf.sum(x, [1, 2]);
      expect(s3.shape).toEqual([3, C]);
      const tot = tf.sum(s3);
      expect(tot.dataSync()[0]).toBeCloseTo(ref.reduce((a, b) => a + b), 2);
      const y = tf.leakyRelu(x, 0.1);
      const yv = y.dataSync();
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(a, 0.1), tf.reshape(tf.range(0, xv.length), shape))))(x);
      const gv = g.dataSync();
      for (let i = 0; i < xv.length; i += 97) {
        expect(yv[i]).toBeCloseTo(xv[i] > 0 ? xv[i] : 0.1 * xv[i], 6);
        expect(gv[i]).toBeCloseTo(xv[i] > 0 ? i : 0.1 * i, 3);
      }
      tf.dispose([s1, s2, s3, tot, y, g]);
      expect(tf.memory().numTensors).toBe(before);
    }
    x.dispose();
  });

  // The LeakyRelu kernel's contract, bit for bit: y > 0 ? y : a·y (gradient: x > 0 ? dy : a·dy) in float32, so NaN
  // stays NaN and −0 gives −0; the packed units' fused LeakyReLU (xnor.cc) matches this kernel. Lengths with vector
  // tails, 1 and 2 threads (each thread's part has its own tail).
  it('native leakyRelu: y > 0 ? y : a·y bit for bit, NaN and −0 included, forward and gradient, 1 and 2 threads', () => {
    const native = loadNativeKernels().native!;
    const f = Math.fround, a = f(0.2);
    for (const n of [5, 16, 4096 * 3 + 37]) {
      const x = Float32Array.from({ length: n }, (_, i) => (i % 13 === 0 ? NaN : i % 11 === 0 ? -0 : i % 7 === 0 ? 0 : Math.sin(i * 12.9898) * 7));
      const dy = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? -0 : Math.cos(i * 78.233) * 3));
      for (const threads of [1, 2]) {
        for (const grad of [null, dy]) {
          const out = new Float32Array(n).fill(123);
          native.leakyRelu(new Int32Array([threads, n]), x, grad, new Float32Array([a]), out);
          const want = Float32Array.from(x, (v, i) => { const g = grad ? grad[i] : v; return v > 0 ? g : f(a * g); });
          const got = new Int32Array(out.buffer), exp = new Int32Array(want.buffer);
          const bad = [...got.keys()].filter((i) => got[i] !== exp[i] && !(Number.isNaN(out[i]) && Number.isNaN(want[i])));
          expect(bad.slice(0, 3), `n ${n}, ${threads} thread(s), ${grad ? 'gradient' : 'forward'}`).toEqual([]);
        }
      }
    }
  });

  it('turning the native tier off restores the portable kernels', () => {
    useNativeConvKernels(false);
    expect(isFrbKernel(tf.Conv2D, 'wasm')).toBe(false);
    expect(isFrbKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(true);
    expect(isFrbKernel(tf.Conv2DBackpropInput, 'cpu')).toBe(false);
    expect(isFrbKernel(tf.Sum, 'wasm')).toBe(false);
    expect(isFrbKernel(tf.LeakyRelu, 'cpu')).toBe(false);
  });
});
