// The fused per-step kernels of the native tier (FrbRSign/FrbRSignGrad, FrbRPReLU/FrbRPReLUGrad, the threaded
// Transpose) against a float64 JS reference and against the unfused tfjs ops they replace, on both backends,
// on odd shapes (one large enough to run threaded), plus the paths through the layers and a leak check.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useNativeConvKernels } from '../src/backend.js';
import { FRB_FUSED_KERNEL_NAMES, FrbRPReLU, FrbRPReLUGrad, FrbRSign, FrbRSignGrad, FrbSRB } from '../src/kernels/contracts.js';
import { srbBinarize } from '../src/srb.js';
import { approxSign, quantizeShifted, signQuantize, steSign, steSignQuantizer, approxSignQuantizer, signQuantizer } from '../src/quantizers.js';
import { rpreluOp } from '../src/layers/rprelu.js';
import { srbConv2d } from '../src/layers/srb-conv2d.js';
import { rprelu } from '../src/layers/rprelu.js';
import * as tfl from '@tensorflow/tfjs-layers';

const nativeStatus = useNativeConvKernels(true, 2);
useNativeConvKernels(false);

// Small odd shapes, and one over the kernels' 32768-element threading threshold.
const SHAPES: number[][] = [[3, 5, 7, 11], [13, 6], [2, 37, 29, 17]];

/** Uniform values in [lo, hi) from a seeded generator, with exact specials planted (0, −0, ±1). */
function values(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  [0, -0, 1, -1].forEach((x, k) => { if (k < n) v[(k * 7919) % n] = x; });
  return v;
}

/** max |got − ref| ≤ 1e-5 · max |ref| (ref in float64). */
function expectRel(got: ArrayLike<number>, ref: ArrayLike<number>): void {
  expect(got.length).toBe(ref.length);
  let scale = 0, worst = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
  expect(worst).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-30));
}

function expectSame(a: tf.Tensor, b: tf.Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
}

/** Runs fn with this project's fused kernels unregistered on the current backend (the tfjs-ops path), then restores them. */
function unfused<T>(fn: () => T): T {
  const b = tf.getBackend();
  const saved = FRB_FUSED_KERNEL_NAMES.map((n) => tf.getKernel(n, b)!);
  saved.forEach((k) => tf.unregisterKernel(k.kernelName, b));
  try {
    return fn();
  } finally {
    saved.forEach((k) => tf.registerKernel(k));
  }
}

type Kind = 'sign' | 'steSign' | 'approxSign';
const QUANT = { sign: signQuantizer, steSign: steSignQuantizer, approxSign: approxSignQuantizer };

/** value and gradients (x, threshold) of Σ dy·q(x + b). */
function rsignRun(kind: Kind, x: tf.Tensor, b: tf.Tensor | null, dy: tf.Tensor) {
  const f = (xi: tf.Tensor, bi?: tf.Tensor) => tf.sum(tf.mul(quantizeShifted(QUANT[kind], xi, bi ?? null), dy));
  const y = quantizeShifted(QUANT[kind], x, b);
  const g = b ? tf.grads((xi, bi) => f(xi, bi))([x, b]) : tf.grads((xi) => f(xi))([x]);
  return { y, dx: g[0], db: g[1] ?? null };
}

function rsignReference(kind: Kind, xv: Float32Array, bv: Float32Array | null, dv: Float32Array, C: number) {
  const y = new Float64Array(xv.length), dx = new Float64Array(xv.length), db = new Float64Array(C);
  for (let i = 0; i < xv.length; i++) {
    const a = bv ? Math.fround(xv[i] + bv[i % C]) : xv[i];
    y[i] = a >= 0 ? 1 : -1;
    const g = kind === 'sign' ? 0 : kind === 'steSign' ? (Math.abs(a) <= 1 ? 1 : 0) : Math.max(0, 2 - 2 * Math.abs(a));
    dx[i] = dv[i] * g;
    db[i % C] += dx[i];
  }
  return { y, dx, db };
}

describe.skipIf(!nativeStatus.active)(`fused kernels of the native tier (${nativeStatus.reason ?? 'built'})`, () => {
  afterAll(async () => {
    useNativeConvKernels(false);
    await tf.setBackend(process.env.FRB_TEST_BACKEND ?? 'cpu');
  });

  describe.each(['cpu', 'wasm'])('on %s', (backend) => {
    beforeEach(async () => {
      await tf.setBackend(backend);
      useNativeConvKernels(true, 2);
    });

    it('registers the fused kernels with the native tier and removes them without it', () => {
      for (const k of FRB_FUSED_KERNEL_NAMES) expect(tf.getKernel(k, backend)).toBeDefined();
      const ours = [tf.Transpose, tf.Add, tf.Cast].map((k) => tf.getKernel(k, backend)!.kernelFunc);
      useNativeConvKernels(false);
      for (const k of FRB_FUSED_KERNEL_NAMES) expect(tf.getKernel(k, backend)).toBeUndefined();
      // the stock Transpose and Add (and wasm's Identity and Cast) are back
      expect(tf.getKernel(tf.Transpose, backend)!.kernelFunc).not.toBe(ours[0]);
      expect(tf.getKernel(tf.Add, backend)!.kernelFunc).not.toBe(ours[1]);
      if (backend === 'wasm') expect(tf.getKernel(tf.Cast, backend)!.kernelFunc).not.toBe(ours[2]);
      // Without the kernels the quantizers fall back to tfjs ops and still binarize.
      const y = approxSign(tf.tensor1d([-0.5, 0, 2]));
      expect(Array.from(y.dataSync())).toEqual([-1, 1, 1]);
      y.dispose();
    });

    for (const kind of ['sign', 'steSign', 'approxSign'] as const) {
      it.each(SHAPES)(`RSign with ${kind}: values and gradients match float64 and the unfused ops, shape %j`, (...shape) => {
        const n = shape.reduce((a, b) => a * b, 1), C = shape[shape.length - 1];
        const xv = values(n, 11 + n, -1.6, 1.6), bv = values(C, 5, -0.4, 0.4), dv = values(n, 3, -2, 2);
        // Plant a + b = 0 exactly, the sign(0) = +1 boundary, in the first row.
        xv[1 % n] = -bv[1 % C];
        tf.tidy(() => {
          const x = tf.tensor(xv, shape), b = tf.tensor1d(bv), dy = tf.tensor(dv, shape);
          for (const withB of [true, false]) {
            const fused = rsignRun(kind, x, withB ? b : null, dy);
            const ops = unfused(() => rsignRun(kind, x, withB ? b : null, dy));
            const ref = rsignReference(kind, xv, withB ? bv : null, dv, C);
            expectSame(fused.y, ops.y);
            expectSame(fused.dx, ops.dx); // element-wise: the same float32 operations
            expect(Array.from(fused.y.dataSync())).toEqual(Array.from(ref.y));
            expectRel(fused.dx.dataSync(), ref.dx);
            if (withB) {
              expect(fused.db!.shape).toEqual([C]);
              expectRel(fused.db!.dataSync(), ref.db);
              expectRel(fused.db!.dataSync(), ops.db!.dataSync());
            }
          }
        });
      });
    }

    it('clone and same-dtype cast share the buffer on wasm; other casts convert; disposal stays independent', () => {
      const x = tf.tensor2d([[1.5, -2.25], [3, 0]]);
      const before = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
      const c = tf.clone(x), f = tf.cast(x, 'float32'), i = tf.cast(x, 'int32');
      if (backend === 'wasm') expect((tf.memory() as { numDataBuffers: number }).numDataBuffers - before).toBe(1); // only the int32 copy is new
      expect(Array.from(i.dataSync())).toEqual([1, -2, 3, 0]);
      x.dispose();
      expect(Array.from(c.dataSync())).toEqual([1.5, -2.25, 3, 0]);
      expect(Array.from(f.dataSync())).toEqual([1.5, -2.25, 3, 0]);
      // The gradient of a clone (tfjs-layers' Add) is a cast of dy: still the right values.
      const g = tf.grad((t) => tf.sum(tf.mul(tf.clone(t), t)))(c);
      expect(Array.from(g.dataSync())).toEqual([3, -4.5, 6, 0]);
      tf.dispose([c, f, i, g]);
    });

    it('Add: large same-shape float32 sums run natively and equal float32 addition; others go to the stock kernel', () => {
      tf.tidy(() => {
        const shape = [3, 37, 29, 23]; // 74 061 elements: over the native threshold
        const n = shape.reduce((a, b) => a * b, 1);
        const av = values(n, 71, -3, 3), bv = values(n, 73, -1e-3, 1e-3);
        const y = tf.add(tf.tensor(av, shape), tf.tensor(bv, shape));
        expect(Array.from(y.dataSync())).toEqual(Array.from(av, (v, i) => Math.fround(v + bv[i])));
        // broadcasting and int32 take the stock kernel
        const yb = tf.add(tf.tensor(av, shape), tf.scalar(0.5));
        expect(Array.from(yb.dataSync().subarray(0, 5))).toEqual(Array.from(av.subarray(0, 5), (v) => Math.fround(v + 0.5)));
        expect(Array.from(tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')).dataSync())).toEqual([4, 6]);
      });
    });

    it('steSign passes a clip other than 1 to the fused gradient', () => {
      tf.tidy(() => {
        const x = tf.tensor1d(values(40, 9, -3, 3));
        const fused = tf.grad((t) => tf.sum(steSign(t, 2.5)))(x);
        const ops = unfused(() => tf.grad((t) => tf.sum(steSign(t, 2.5)))(x));
        expectSame(fused, ops);
        const v = x.dataSync();
        expect(Array.from(fused.dataSync())).toEqual(Array.from(v, (a) => (Math.abs(a) <= 2.5 ? 1 : 0)));
        expect(Array.from(tf.grad((t) => tf.sum(signQuantize(t)))(x).dataSync()).every((g) => g === 0)).toBe(true);
      });
    });

    it.each(SHAPES)('RPReLU: value and all four gradients match float64 and the unfused ops, shape %j', (...shape) => {
      const n = shape.reduce((a, b) => a * b, 1), C = shape[shape.length - 1];
      const xv = values(n, 17 + n, -2, 2), gv = values(C, 21, -0.5, 0.5), av = values(C, 23, -0.3, 0.6);
      const zv = values(C, 29, -0.5, 0.5), dv = values(n, 31, -1, 1);
      xv[2 % n] = gv[2 % C]; // s = x − γ = 0 exactly: the mask's boundary
      tf.tidy(() => {
        const x = tf.tensor(xv, shape), dy = tf.tensor(dv, shape);
        const ps = [gv, av, zv].map((p) => tf.tensor1d(p));
        const run = () => {
          const y = rpreluOp(x, ps[0], ps[1], ps[2]);
          const g = tf.grads((xi, g1, a1, z1) => tf.sum(tf.mul(rpreluOp(xi, g1, a1, z1), dy)))([x, ...ps]);
          return { y, g };
        };
        const fused = run(), ops = unfused(run);
        expectSame(fused.y, ops.y);
        expectSame(fused.g[0], ops.g[0]);
        // float64 reference
        const y = new Float64Array(n), dx = new Float64Array(n);
        const dg = new Float64Array(C), da = new Float64Array(C), dz = new Float64Array(C);
        for (let i = 0; i < n; i++) {
          const c = i % C, s = Math.fround(xv[i] - gv[c]);
          y[i] = (s < 0 ? s * av[c] : s) + zv[c];
          const ds = s > 0 ? dv[i] : dv[i] * av[c];
          dx[i] = ds; dz[c] += dv[i]; da[c] += s > 0 ? 0 : dv[i] * s; dg[c] -= ds;
        }
        expectRel(fused.y.dataSync(), y);
        expectRel(fused.g[0].dataSync(), dx);
        [dg, da, dz].forEach((ref, k) => {
          expect(fused.g[k + 1].shape).toEqual([C]);
          expectRel(fused.g[k + 1].dataSync(), ref);
          expectRel(fused.g[k + 1].dataSync(), ops.g[k + 1].dataSync());
        });
      });
    });

    it.each([
      [[3, 3, 5, 7], 2, true, true],
      [[3, 3, 32, 32], 2, true, true], // an frbc-small body kernel (over the native Sum's 4096-element threshold)
      [[13, 6], 1, true, true],
      [[2, 3, 4, 5], 3, false, true],
      [[3, 2, 5, 4], 1, false, false], // BNN: sign only
    ])('SRB binarizer %j order %i center %s scale %s: Ŵ and dL/dw match float64 and the unfused ops', (shape, order, center, scale) => {
      const n = shape.reduce((a, b) => a * b, 1), Co = shape[shape.length - 1], K = n / Co;
      const wv = values(n, 61 + n, -2.5, 2.5), gv = values(n, 67, -1, 1);
      tf.tidy(() => {
        const w = tf.tensor(wv, shape), dy = tf.tensor(gv, shape);
        const opts = { order, center, scale };
        const run = () => ({ y: srbBinarize(w, opts), g: tf.grad((t) => tf.sum(tf.mul(srbBinarize(t, opts), dy)))(w) });
        const fused = run(), ops = unfused(run);
        // float64 reference (srb.ts' definition)
        const r = Float64Array.from(wv), y = new Float64Array(n), pass = new Uint8Array(n);
        const colMean = (f: (i: number) => number) => {
          const m = new Float64Array(Co);
          for (let i = 0; i < n; i++) m[i % Co] += f(i) / K;
          return m;
        };
        if (center) { const m = colMean((i) => wv[i]); for (let i = 0; i < n; i++) r[i] -= m[i % Co]; }
        for (let k = 0; k < order; k++) {
          const a = scale ? colMean((i) => Math.abs(r[i])) : new Float64Array(Co).fill(1);
          for (let i = 0; i < n; i++) {
            const base = r[i] >= 0 ? a[i % Co] : -a[i % Co];
            if (Math.abs(r[i]) <= 1) pass[i] = 1;
            y[i] += base;
            r[i] -= base;
          }
        }
        const dr = Float64Array.from(gv, (g, i) => (pass[i] ? g : 0));
        const dw = Float64Array.from(dr);
        if (center) { const m = colMean((i) => dr[i]); for (let i = 0; i < n; i++) dw[i] -= m[i % Co]; }
        // The surrogate's mask is not trivial (with three bases every residual ends up inside the clip).
        if (order < 3) expect(pass.some((p) => p === 0) && pass.some((p) => p === 1)).toBe(true);
        expectRel(fused.y.dataSync(), y);
        expectRel(fused.g.dataSync(), dw);
        expectSame(fused.y, ops.y); // the means are taken as the backend's Mean kernel takes them
        expectRel(fused.g.dataSync(), ops.g.dataSync());
      });
    });

    it('the SRB kernel rejects a bad kernel or order, naming itself', () => {
      tf.tidy(() => {
        expect(() => tf.engine().runKernel(FrbSRB, { w: tf.zeros([5]) }, { order: 2, center: true, scale: true })).toThrow(/FrbSRB: w must be/);
        expect(() => tf.engine().runKernel(FrbSRB, { w: tf.zeros([3, 4]) }, { order: 2, center: true, scale: false })).toThrow(/FrbSRB: attr order/);
      });
    });

    it.each([
      [[7], [0]],
      [[5, 9], [1, 0]],
      [[3, 4, 5], [2, 0, 1]],
      [[4, 3, 5, 2, 2], [0, 3, 1, 4, 2]], // the pixel shuffle's transpose
      [[4, 2, 3, 2, 5], [0, 2, 4, 1, 3]], // and its gradient's
      [[2, 3, 1, 4, 3, 2], [5, 1, 3, 0, 4, 2]],
      [[6, 35, 33, 17], [0, 2, 1, 3]], // threaded; last axis kept (row copies)
      [[40, 2, 24, 2, 32], [0, 2, 4, 1, 3]], // threaded pixel-shuffle gradient: blocks whose longest axis is not the last
      [[3, 70], [1, 0]], // one block, written along its strided axis
    ])('Transpose %j by %j equals the index mapping', (shape, perm) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const xv = values(n, 41, -1, 1);
      tf.tidy(() => {
        const y = tf.transpose(tf.tensor(xv, shape), perm);
        const oshape = perm.map((p) => shape[p]);
        expect(y.shape).toEqual(oshape);
        const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
        const want = new Float32Array(n);
        const idx = new Array(shape.length).fill(0);
        for (let o = 0; o < n; o++) {
          let src = 0;
          for (let d = 0; d < perm.length; d++) src += idx[d] * strides[perm[d]];
          want[o] = xv[src];
          for (let d = perm.length - 1; d >= 0; d--) { if (++idx[d] < oshape[d]) break; idx[d] = 0; }
        }
        expect(Array.from(y.dataSync())).toEqual(Array.from(want));
        // int32 goes to the stock kernel
        const yi = tf.transpose(tf.tensor(Int32Array.from(xv, (v) => Math.round(v * 100)), shape, 'int32'), perm);
        expect(Array.from(yi.dataSync())).toEqual(Array.from(want, (v) => Math.round(v * 100) | 0));
      });
    });

    it('a binary unit (SRBConv2D + RPReLU) trains the same with and without the fused kernels, without leaks', () => {
      const conv = srbConv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'fk_conv' });
      const act = rprelu({ name: 'fk_rprelu' });
      const x = tf.tensor(values(2 * 9 * 7 * 5, 51, -1.5, 1.5), [2, 9, 7, 5]);
      const target = tf.tensor(values(2 * 9 * 7 * 5, 53, -1, 1), [2, 9, 7, 5]);
      tf.tidy(() => { act.apply(conv.apply(x)); }); // builds both layers
      tf.tidy(() => {
        // Move the threshold and RPReLU parameters off their initial zeros so every gradient is non-trivial.
        conv.threshold!.write(tf.tensor1d(values(5, 55, -0.3, 0.3)));
        act.gamma!.write(tf.tensor1d(values(5, 57, -0.3, 0.3)));
        act.zeta!.write(tf.tensor1d(values(5, 59, -0.3, 0.3)));
      });
      const vars = [...conv.trainableWeights, ...act.trainableWeights].map((w) => w.read() as tf.Variable);
      const step = () => tf.variableGrads(() => tf.mean(tf.abs(tf.sub(act.apply(conv.apply(x)) as tf.Tensor, target))) as tf.Scalar, vars);
      const fused = step();
      const ops = unfused(step);
      expect(Object.keys(fused.grads).length).toBe(5); // kernel, threshold, gamma, alpha, zeta
      for (const k of Object.keys(ops.grads)) {
        const v = fused.grads[k].dataSync();
        expect(v.some((g) => g !== 0)).toBe(true);
        expectRel(v, ops.grads[k].dataSync());
      }
      tf.dispose([fused.value, ops.value, ...Object.values(fused.grads), ...Object.values(ops.grads)]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const r = step();
        tf.dispose([r.value, ...Object.values(r.grads)]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, target]);
      conv.dispose();
      act.dispose();
    });

    it('kernel errors name the kernel and the offending input', () => {
      tf.tidy(() => {
        const x = tf.zeros([2, 3, 4]);
        expect(() => tf.engine().runKernel(FrbRSign, { x, threshold: tf.zeros([3]) })).toThrow(/FrbRSign: threshold must be float32 of shape \[4\]/);
        expect(() => tf.engine().runKernel(FrbRSignGrad, { dy: tf.zeros([2, 3]), x }, { quantizer: 'approxSign', clip: 1 }))
          .toThrow(/FrbRSignGrad: dy must be float32 of x's shape/);
        expect(() => tf.engine().runKernel(FrbRSignGrad, { dy: x, x }, { quantizer: 'sign', clip: 1 })).toThrow(/attr quantizer/);
        expect(() => tf.engine().runKernel(FrbRPReLU, { x, gamma: tf.zeros([4]), alpha: tf.zeros([4]), zeta: tf.zeros([2]) }))
          .toThrow(/FrbRPReLU: zeta must be float32 of shape \[4\]/);
      });
    });
  });
});

describe('without the native tier', () => {
  it('quantizers and RPReLU run as tfjs ops with the same surrogate gradients', () => {
    expect(tf.getKernel(FrbRSign, tf.getBackend())).toBeUndefined();
    tf.tidy(() => {
      const x = tf.tensor1d([-1.5, -0.25, 0, 0.5, 2]);
      const b = tf.tensor1d([0.25]);
      const [dx, db] = tf.grads((xi, bi) => tf.sum(quantizeShifted(approxSignQuantizer, xi, bi)))([x, tf.tile(b, [5])]);
      // a = x + 0.25 = [-1.25, 0, 0.25, 0.75, 2.25]; approxSign's gradient max(0, 2 − 2|a|)
      expect(Array.from(dx.dataSync())).toEqual([0, 2, 1.5, 0.5, 0]);
      expect(Array.from(db.dataSync())).toEqual([0, 2, 1.5, 0.5, 0]);
      const y = rpreluOp(tf.tensor2d([[-1, 2]]), tf.tensor1d([0, 1]), tf.tensor1d([0.5, 0.5]), tf.tensor1d([1, 0]));
      expect(Array.from(y.dataSync())).toEqual([0.5, 1]);
    });
  });
});
