import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  PackedConv2D, PackedDense, SRBConv2D, SRBDense, getPackedKernel, packActivations, packLayer, packSRBLayer,
  packWeightSigns, popcount32, rowWords, setPackedKernel, srbConv2d, srbDense, unpackWeightSigns, wasmXnorUnavailable,
  xnorGemmJs, xnorGemmWasm, isPackable, packActivationsWasm, xnorConvDirect, xnorConvHeap, type XnorImpl,
  PackedBinaryUnit, packUnit, packUnitSpec, rprelu, unitFusionProblem,
  PackedUpsampleUnit, packUpsampleUnit, packUpsampleUnitSpec, upsampleFusionProblem,
} from '@frb/layers';
import { sleb, uleb } from '../src/packed/wasm-builder.js';
import { useNativeConvKernels } from '../src/backend.js';
import { expectClose, rand, rng } from './helpers.js';

afterAll(() => setPackedKernel('auto'));

// The native packed kernel (FrbXnorConv) exists only with the native tier on (g++ at first use); the same
// exactness cases run through it on both backends when it builds here.
const nativeStatus = useNativeConvKernels(true, 2);
useNativeConvKernels(false);
// The wasm kernel runs in the wasm backend's own memory there (xnorConvHeap) and on copies elsewhere (host path).
const IMPLS: { impl: XnorImpl; backend?: 'cpu' | 'wasm' }[] = [
  { impl: 'wasm', backend: 'wasm' }, { impl: 'wasm', backend: 'cpu' }, { impl: 'js' },
  ...(nativeStatus.active ? [{ impl: 'native', backend: 'cpu' }, { impl: 'native', backend: 'wasm' }] as const : []),
];
if (!nativeStatus.active) console.warn(`packed.test: native packed kernel not tested: ${nativeStatus.reason}`);

/** Selects impl (on `backend`, with the native tier on for 'native') for one test; returns the undo. */
async function useImpl(impl: XnorImpl, backend?: 'cpu' | 'wasm'): Promise<() => Promise<void>> {
  const before = tf.getBackend();
  if (backend) await tf.setBackend(backend);
  if (impl === 'native') useNativeConvKernels(true, 2);
  setPackedKernel(impl);
  return async () => {
    if (impl === 'native') useNativeConvKernels(false);
    if (backend) await tf.setBackend(before);
    setPackedKernel('auto');
  };
}

/** Seeded xorshift for plain-number test data. */

describe('bit packing', () => {
  it('popcount32 counts set bits of any int32', () => {
    const r = rng(1);
    const values = [0, -1, 1, 0x80000000 | 0, 0x7fffffff, 0x55555555, ...Array.from({ length: 200 }, () => (r() * 2 ** 32) | 0)];
    for (const v of values) {
      let naive = 0;
      for (let b = 0; b < 32; b++) naive += (v >>> b) & 1;
      expect(popcount32(v)).toBe(naive);
    }
  });

  it('packActivations: bit 1 where x + b < 0 or NaN, sign(0) = +1, padding bits and extra row words 0', () => {
    const x = new Float32Array([0, -0, -1e-30, 2, NaN, -3, 0.5, -0.25, 1]); // 3 pixels × 3 channels
    const b = new Float32Array([0, 0.5, 0.25]);
    const packed = packActivations(x, 3, 3, b, 2);
    // pixel 0: [0, -0+0.5, -1e-30+0.25] → all ≥ 0; pixel 1: [2, NaN, -2.75] → bits 1, 2; pixel 2: [0.5, 0.25, 1.25]
    expect(Array.from(packed)).toEqual([0, 0, 0b110, 0, 0, 0]);
    expect(Array.from(packActivations(new Float32Array([-0, -1e-30]), 1, 2, null))).toEqual([0b10]);
    expect(() => packActivations(x, 4, 3, null)).toThrow(/expected 12/);
  });

  it('the wasm SIMD packer gives the JS packer\'s bits (NaN, ±0, thresholds, strides, channel counts)', () => {
    const r = rng(5);
    for (const [pixels, cin, stride, withTh] of [[50, 64, 2, true], [33, 60, 2, false], [7, 180, 6, true], [9, 120, 5, true], [4, 3, 1, true], [6, 36, 3, false]] as const) {
      const x = Float32Array.from({ length: pixels * cin }, () => r() - 0.5);
      x[1] = NaN; x[2] = -0; x[3] = 0; x[4] = -1e-40;
      const th = withTh ? Float32Array.from({ length: cin }, () => (r() - 0.5) * 0.2) : null;
      expect(Array.from(packActivationsWasm(x, pixels, cin, th, stride)), `${pixels}x${cin}`).toEqual(Array.from(packActivations(x, pixels, cin, th, stride)));
    }
  });

  it('packWeightSigns / unpackWeightSigns round-trip with 1 bit per weight (channels not a multiple of 32)', () => {
    const r = rng(2);
    const taps = 9;
    const cin = 45;
    const cout = 3;
    const signs = Float32Array.from({ length: taps * cin * cout }, () => (r() < 0.5 ? -1 : 1));
    const rows = packWeightSigns(signs, taps, cin, cout);
    expect(rows.length).toBe(cout * rowWords(taps, cin)); // 9 taps × 2 words = 18 words = 576 bits for 405 weights
    expect(rowWords(taps, cin)).toBe(18);
    expect(Array.from(unpackWeightSigns(rows, taps, cin, cout))).toEqual(Array.from(signs));
    expect(() => packWeightSigns([0.5], 1, 1, 1)).toThrow(/must be ±1/);
  });
});

describe('XNOR-popcount GEMM', () => {
  it('LEB128 encodings of the wasm builder', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
  });

  it('js and wasm kernels equal a naive ±1 dot product', () => {
    expect(wasmXnorUnavailable()).toBeNull();
    const r = rng(3);
    const rows = 7;
    const cout = 5;
    const order = 2;
    const cin = 70; // 3 words per row + 1 even-padding word
    const words = rowWords(1, cin);
    const a = Float32Array.from({ length: rows * cin }, () => r() - 0.5);
    const act = packActivations(a, rows, cin, null, words);
    const signs = Float32Array.from({ length: order * cin * cout }, () => (r() < 0.5 ? -1 : 1));
    const weights = new Int32Array(order * cout * words);
    for (let k = 0; k < order; k++) weights.set(packWeightSigns(signs.subarray(k * cin * cout, (k + 1) * cin * cout), 1, cin, cout), k * cout * words);
    const alphas = Float64Array.from({ length: order * cout }, () => r());
    const bias = Float64Array.from({ length: cout }, () => r() - 0.5);
    const outJs = new Float32Array(rows * cout);
    const outWasm = new Float32Array(rows * cout);
    const args = { act, weights, alphas, bias, rows, cout, order, words, k: cin };
    xnorGemmJs({ ...args, out: outJs });
    xnorGemmWasm({ ...args, out: outWasm });
    const expected = new Float32Array(rows * cout);
    for (let p = 0; p < rows; p++) {
      for (let o = 0; o < cout; o++) {
        let acc = bias[o];
        for (let k = 0; k < order; k++) {
          let dot = 0;
          for (let c = 0; c < cin; c++) dot += (a[p * cin + c] >= 0 ? 1 : -1) * signs[k * cin * cout + c * cout + o];
          acc += alphas[k * cout + o] * dot;
        }
        expected[p * cout + o] = acc;
      }
    }
    expect(Array.from(outJs)).toEqual(Array.from(expected));
    expect(Array.from(outWasm)).toEqual(Array.from(expected));
    expect(() => xnorGemmJs({ ...args, words: 3, out: outJs })).toThrow(/even/);
  });
});

/** An SRB layer built for `inShape` with random latent kernel, threshold and bias. */
function randomize(layer: SRBConv2D | SRBDense, inShape: number[], seed: number): void {
  if (!layer.built) layer.build(inShape);
  const vals = layer.weights.map((w, i) => rand(w.shape as number[], seed + i, w.originalName.endsWith('threshold') ? 0.3 : 1));
  layer.setWeights(vals);
  tf.dispose(vals);
}

const convCases = [
  { name: '3x3 same, 64 ch (FRBC body)', cin: 64, filters: 16, kernelSize: 3, strides: 1, padding: 'same' as const, dilationRate: 1, hw: [9, 7] },
  { name: '3x3 same, 3 ch, odd size', cin: 3, filters: 4, kernelSize: 3, strides: 1, padding: 'same' as const, dilationRate: 1, hw: [5, 11] },
  { name: '5x5 same stride 2, 40 ch', cin: 40, filters: 6, kernelSize: 5, strides: 2, padding: 'same' as const, dilationRate: 1, hw: [9, 8] },
  { name: '3x3 same dilation 2, 33 ch', cin: 33, filters: 5, kernelSize: 3, strides: 1, padding: 'same' as const, dilationRate: 2, hw: [7, 6] },
  { name: '3x2 valid stride 2, 7 ch', cin: 7, filters: 3, kernelSize: [3, 2], strides: 2, padding: 'valid' as const, dilationRate: 1, hw: [8, 7] },
  // Stride-1 convs with channels % 4 == 0 take the direct (im2col-free) wasm path; these cover odd words per tap.
  { name: '3x3 valid, 32 ch (direct path, 1 word per tap)', cin: 32, filters: 6, kernelSize: 3, strides: 1, padding: 'valid' as const, dilationRate: 1, hw: [6, 7] },
  { name: '3x5 same dilation 2, 100 ch (direct path, 4 words per tap)', cin: 100, filters: 5, kernelSize: [3, 5], strides: 1, padding: 'same' as const, dilationRate: 2, hw: [7, 9] },
  { name: '1x1, 96 ch', cin: 96, filters: 8, kernelSize: 1, strides: 1, padding: 'valid' as const, dilationRate: 1, hw: [3, 4] },
];

const srbVariants = [
  { order: 2, centerWeights: true, useBias: false },
  { order: 1, centerWeights: true, useBias: true },
  { order: 3, centerWeights: false, useBias: true, learnableThreshold: false },
  { order: 1, scaleWeights: false, centerWeights: false, inputQuantizer: 'steSign' as const, useBias: false },
];

for (const { impl, backend } of IMPLS) {
  const label = backend ? `${impl} kernel on ${backend}` : `${impl} kernel`;
  describe(`PackedConv2D (${label}) = SRBConv2D's float simulation`, () => {
    convCases.forEach((c, ci) => {
      it(c.name, async () => {
        const undo = await useImpl(impl, backend);
        for (const [vi, v] of srbVariants.entries()) {
          const { cin, hw, name: _n, ...convArgs } = c;
          const srb = srbConv2d({ ...convArgs, ...v });
          const x = rand([2, hw[0], hw[1], cin], 100 + ci);
          randomize(srb, x.shape, 10 * ci + vi);
          const packed = packLayer(srb);
          expect(packed).toBeInstanceOf(PackedConv2D);
          const want = srb.apply(x) as tf.Tensor;
          const n0 = tf.memory().numTensors;
          const got = packed.apply(x) as tf.Tensor;
          expect(tf.memory().numTensors).toBe(n0 + 1); // the output only
          // The packed sum is exact (integer dot products × α in float64); the float simulation accumulates K
          // products in float32, so large-K layers differ by its rounding (~1e-6 relative) — hence rtol 2e-6.
          expectClose(got, want, 2e-6, 1e-4);
          tf.dispose([x, want, got]);
        }
        await undo();
      });
    });
  });

  describe(`PackedDense (${label}) = SRBDense's float simulation`, () => {
    for (const [shape, units] of [[[4, 45], 6], [[2, 5, 120], 360], [[3, 64], 32]] as const) {
      it(`input [${shape}] → ${units} units`, async () => {
        const undo = await useImpl(impl, backend);
        for (const [vi, v] of srbVariants.entries()) {
          const srb = srbDense({ units, ...v });
          const x = rand([...shape], 7 + vi);
          randomize(srb, [...shape], 30 + vi);
          const packed = packLayer(srb);
          expect(packed).toBeInstanceOf(PackedDense);
          const want = srb.apply(x) as tf.Tensor;
          const got = packed.apply(x) as tf.Tensor;
          expectClose(got, want, 0, 1e-4);
          tf.dispose([x, want, got]);
        }
        await undo();
      });
    }
  });
}

describe('direct (im2col-free) wasm conv', () => {
  it('applies to stride-1 convs with channels % 4 == 0, and its outputs equal the JS kernel bit for bit', () => {
    for (const [cin, expectDirect] of [[64, true], [32, true], [3, false]] as const) {
      const srb = srbConv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: true });
      randomize(srb, [1, 5, 6, cin], cin);
      const p = packLayer(srb) as PackedConv2D;
      const x = rand([1, 5, 6, cin], 1).dataSync() as Float32Array;
      setPackedKernel('js');
      const js = p.forward(x, 1, 5, 6);
      setPackedKernel('wasm');
      const wasm = p.forward(x, 1, 5, 6);
      expect(Array.from(wasm)).toEqual(Array.from(js));
      const out = new Float32Array(5 * 6 * 8);
      const tapWords = Math.ceil(cin / 32) + (Math.ceil(cin / 32) & 1);
      const used = xnorConvDirect({
        x, n: 1, h: 5, w: 6, cin, threshold: null, weights: new Int32Array(2 * 8 * 9 * tapWords), tapWords,
        alphas: new Float64Array(16), bias: new Float64Array(8), cout: 8, order: 2, kh: 3, kw: 3, dh: 1, dw: 1,
        oh: 5, ow: 6, padTop: 1, padLeft: 1, out,
      });
      expect(used, `cin ${cin}`).toBe(expectDirect);
    }
  });
});

describe('the wasm kernel in the wasm backend\'s memory (xnorConvHeap)', () => {
  it('runs where the backend is wasm, equals the host path bit for bit (units, odd widths, batch 2), leaks nothing', async () => {
    const before = tf.getBackend();
    setPackedKernel('wasm');
    try {
      for (const [ci, cin] of [32, 8].entries()) {
        const { srb, act } = randomUnit(cin, { kernelSize: 3, dilationRate: 1, order: 2 }, true, 90 + ci);
        const conv = packLayer(srb) as PackedConv2D;
        const unit = packUnit(srb, act);
        const xs = rand([2, 7, 5, cin], 400 + ci).dataSync() as Float32Array;
        const host = [conv.forward(xs, 2, 7, 5), unit.forward(xs, 2, 7, 5, { gamma: act.gamma!.read().dataSync() as Float32Array, slope: act.alpha!.read().dataSync() as Float32Array, zeta: act.zeta!.read().dataSync() as Float32Array })];
        await tf.setBackend('wasm');
        const x = tf.tensor4d(xs, [2, 7, 5, cin]);
        const reads = vi.spyOn(tf.backend(), 'readSync');
        const n0 = tf.memory().numTensors;
        const got = [conv.apply(x) as tf.Tensor, unit.apply(x) as tf.Tensor];
        expect(reads).not.toHaveBeenCalled(); // no copy of x out of the backend
        expect(tf.memory().numTensors).toBe(n0 + 2);
        reads.mockRestore();
        got.forEach((g, i) => expect(Array.from(g.dataSync()), `cin ${cin}, ${i ? 'unit' : 'conv'}`).toEqual(Array.from(host[i])));
        tf.dispose([x, ...got]);
        await tf.setBackend('cpu');
        const xc = tf.tensor4d(xs, [2, 7, 5, cin]);
        expect(xnorConvHeap(xc, { n: 2, h: 7, w: 5, cin, threshold: null, weights: new Int32Array(0), tapWords: 2, alphas: new Float64Array(0), bias: new Float64Array(0), cout: cin, order: 2, kh: 3, kw: 3, dh: 1, dw: 1, oh: 7, ow: 5, padTop: 1, padLeft: 1 })).toBeNull();
        xc.dispose();
      }
    } finally {
      setPackedKernel('auto');
      await tf.setBackend(before);
    }
  });
});

/** A layer rebuilt from its class name and getConfig, with its weights, gives its outputs on x exactly. */
function expectConfigRoundTrip(layer: PackedConv2D, x: tf.Tensor): void {
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  const again = fromConfig(cls, layer.getConfig()) as PackedConv2D;
  expect(again.getClassName()).toBe(layer.getClassName());
  again.build([null, null, null, x.shape[3]!]);
  again.setWeights(layer.getWeights());
  expectClose(again.apply(x) as tf.Tensor, layer.apply(x) as tf.Tensor, 0, 0);
}

describe('packed layers in models', () => {
  it('run through model.predict on the cpu and wasm backends, leaking no tensors', async () => {
    const before = tf.getBackend();
    const input = tfl.input({ shape: [null, null, 24] });
    const srb = srbConv2d({ filters: 24, kernelSize: 3, padding: 'same', name: 'b' });
    const model = tfl.model({ inputs: input, outputs: srb.apply(input) as tfl.SymbolicTensor });
    randomize(srb, [null, null, null, 24] as unknown as number[], 5);
    const packed = packLayer(srb);
    const pin = tfl.input({ shape: [null, null, 24] });
    const pmodel = tfl.model({ inputs: pin, outputs: packed.apply(pin) as tfl.SymbolicTensor });
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const x = rand([1, 6, 5, 24], 9);
      const want = model.predict(x) as tf.Tensor;
      const n0 = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) (pmodel.predict(x) as tf.Tensor).dispose();
      expect(tf.memory().numTensors).toBe(n0);
      const got = pmodel.predict(x) as tf.Tensor;
      expectClose(got, want, 0, 1e-4);
      tf.dispose([x, want, got]);
    }
    await tf.setBackend(before);
  });

  it('getConfig / fromConfig round-trip, weights are int32 with 1 bit per weight', () => {
    const srb = srbConv2d({ filters: 8, kernelSize: 3, padding: 'same', order: 2, useBias: true, name: 'c' });
    randomize(srb, [1, 4, 4, 64], 3);
    const spec = packSRBLayer(srb);
    expect(spec.className).toBe('PackedConv2D');
    expect(spec.weights[0].dtype).toBe('int32');
    // 2 bases × 8 outputs × (9 taps × 64 channels) bits = 9216 bits = 288 words.
    expect(spec.weights[0].shape).toEqual([16, 18]);
    expect(spec.weights[0].size).toBe((2 * 8 * 9 * 64) / 32);
    tf.dispose(spec.weights);
    expectConfigRoundTrip(packLayer(srb) as PackedConv2D, rand([1, 5, 4, 64], 4));
  });

  it('errors name the layer and what is wrong', () => {
    const srb = srbConv2d({ filters: 2, kernelSize: 3, inputQuantizer: 'identity', name: 'fp_in' });
    srb.build([1, 4, 4, 3]);
    expect(isPackable(srb)).toBe(false);
    expect(() => packSRBLayer(srb)).toThrow(/SRBConv2D 'fp_in'.*full precision/);
    const unbuilt = srbDense({ units: 2, name: 'nb' });
    expect(() => packSRBLayer(unbuilt)).toThrow(/SRBDense 'nb'.*built/);
    const ok = srbConv2d({ filters: 2, kernelSize: 3, name: 'ok' });
    randomize(ok, [1, 4, 4, 3], 1);
    const p = packLayer(ok);
    expect(() => p.apply(tf.zeros([1, 4, 4, 5]))).toThrow(/PackedConv2D 'ok'.*3 input channels, got 5/);
    expect(() => p.apply(tf.zeros([4, 3]))).toThrow(/PackedConv2D 'ok'.*rank-4/);
    expect(() => new PackedDense({ units: 0, order: 1 })).toThrow(/units must be a positive integer/);
    expect(() => new PackedConv2D({ filters: 2, kernelSize: 3, order: 0 })).toThrow(/order must be an integer/);
    expect(() => setPackedKernel('simd' as XnorImpl)).toThrow(/'auto', 'native', 'wasm' or 'js'/);
  });
});

// A deployed BBCU/FRB unit, RPReLU(SRBConv2D(x)) + x, as one PackedBinaryUnit: the same output as the packed conv
// followed by the RPReLU and Add layers (bit for bit: every epilogue step rounds as those ops do), and as the float
// simulation within its rounding, on every kernel. Channel counts cover the direct wasm kernel (64, 32: % 4 = 0),
// the im2col path (6) and a two-word native row (100); dilation 2, odd sizes, batch 2, 1-pixel images.
const unitCases = [
  { cin: 64, kernelSize: 3, dilationRate: 1, hw: [9, 7], order: 2 },
  { cin: 32, kernelSize: 3, dilationRate: 2, hw: [6, 5], order: 1 },
  { cin: 6, kernelSize: 3, dilationRate: 1, hw: [5, 4], order: 2 },
  { cin: 100, kernelSize: 1, dilationRate: 1, hw: [3, 4], order: 3 },
  { cin: 8, kernelSize: 3, dilationRate: 1, hw: [1, 1], order: 2 },
];

/** An SRB conv and RPReLU with random weights (RPReLU slopes of both signs around 0.25). */
function randomUnit(cin: number, conv: Omit<(typeof unitCases)[number], 'cin' | 'hw'>, useBias: boolean, seed: number) {
  const srb = srbConv2d({ filters: cin, padding: 'same', useBias, ...conv });
  randomize(srb, [1, 4, 4, cin], seed);
  const act = rprelu();
  act.build([null, cin]);
  const p = [rand([cin], seed + 1, 0.3), tf.add(0.25, rand([cin], seed + 2, 0.3)), rand([cin], seed + 3, 0.3)];
  act.setWeights(p);
  tf.dispose(p);
  return { srb, act };
}

for (const { impl, backend } of IMPLS) {
  const label = backend ? `${impl} kernel on ${backend}` : `${impl} kernel`;
  describe(`PackedBinaryUnit (${label}) = packed conv → RPReLU → add`, () => {
    unitCases.forEach((c, ci) => {
      it(`${c.cin} ch, ${c.kernelSize}x${c.kernelSize} dilation ${c.dilationRate}, order ${c.order}, ${c.hw.join('x')}`, async () => {
        const undo = await useImpl(impl, backend);
        try {
          for (const useBias of [false, true]) {
            const { cin, hw, ...conv } = c;
            const { srb, act } = randomUnit(cin, conv, useBias, 50 + 10 * ci);
            const unit = packUnit(srb, act);
            const packed = packLayer(srb);
            const x = rand([2, hw[0], hw[1], cin], 200 + ci);
            const unfused = tf.tidy(() => tf.add(act.apply(packed.apply(x)) as tf.Tensor, x));
            const simulated = tf.tidy(() => tf.add(act.apply(srb.apply(x)) as tf.Tensor, x));
            const n0 = tf.memory().numTensors;
            const got = unit.apply(x) as tf.Tensor;
            expect(tf.memory().numTensors).toBe(n0 + 1); // the output only
            expect(got.shape).toEqual(x.shape);
            expect(Array.from(got.dataSync())).toEqual(Array.from(unfused.dataSync()));
            expectClose(got, simulated, 2e-6, 1e-4);
            // With the LeakyReLU after the unit taken in (FRBC-M's conv_hr): the backend's LeakyRelu of the unfused
            // output, bit for bit (the native epilogue computes it as the native LeakyRelu kernel does).
            const unitL = packUnit(srb, act, 'unit_lrelu', 0.1);
            const wantL = tf.leakyRelu(unfused, 0.1);
            const n1 = tf.memory().numTensors;
            const gotL = unitL.apply(x) as tf.Tensor;
            expect(tf.memory().numTensors).toBe(n1 + 1);
            expect(Array.from(gotL.dataSync())).toEqual(Array.from(wantL.dataSync()));
            expect(gotL.dataSync().some((v) => v < 0)).toBe(true); // negative outputs were scaled, not dropped
            tf.dispose([x, unfused, simulated, got, wantL, gotL]);
          }
        } finally {
          await undo();
        }
      });
    });
  });
}

describe('PackedBinaryUnit layer', () => {
  it('getConfig / fromConfig round trip with its RPReLU weights; a weight change is seen by the next call', () => {
    const { srb, act } = randomUnit(16, { kernelSize: 3, dilationRate: 1, order: 2 }, true, 7);
    const unit = packUnit(srb, act, 'u');
    expect(unit.getClassName()).toBe('PackedBinaryUnit');
    expect(unit.weights.map((w) => w.originalName)).toEqual(
      ['packed_kernel', 'alpha', 'threshold', 'bias', 'rprelu_gamma', 'rprelu_alpha', 'rprelu_zeta'],
    );
    const x = rand([1, 5, 6, 16], 4);
    expectConfigRoundTrip(unit, x);
    // zeta += 1 moves every output by exactly the float32 rounding of +1.
    const before = (unit.apply(x) as tf.Tensor).dataSync();
    const w = unit.getWeights();
    w[6] = tf.add(w[6], 1);
    unit.setWeights(w);
    const after = (unit.apply(x) as tf.Tensor).dataSync();
    expect(Math.abs(after[0] - before[0] - 1)).toBeLessThan(1e-5);
  });

  it('with leakyAlpha: getConfig / fromConfig round trip, and the LeakyReLU applied after the add', () => {
    const { srb, act } = randomUnit(16, { kernelSize: 3, dilationRate: 1, order: 2 }, true, 8);
    const unit = packUnit(srb, act, 'u', 0.2);
    expect(unit.getConfig().leakyAlpha).toBe(0.2);
    expect(packUnit(srb, act, 'plain').getConfig()).not.toHaveProperty('leakyAlpha');
    const x = rand([1, 5, 6, 16], 5);
    expectConfigRoundTrip(unit, x);
    x.dispose();
  });

  it('errors name the layer and what is wrong', () => {
    const ok = { filters: 4, kernelSize: 3, order: 2, name: 'bad' };
    expect(() => new PackedBinaryUnit({ ...ok, padding: 'same', leakyAlpha: NaN })).toThrow(/PackedBinaryUnit 'bad': leakyAlpha must be a finite number or null, got NaN/);
    expect(() => new PackedUpsampleUnit({ ...ok, padding: 'same', scale: 2, leakyAlpha: 0.1 } as never)).toThrow(/PackedUpsampleUnit 'bad': an upsampler stage takes no leakyAlpha/);
    expect(() => new PackedBinaryUnit({ ...ok, padding: 'valid' })).toThrow(/PackedBinaryUnit 'bad'.*strides 1 and padding 'same'/);
    expect(() => new PackedBinaryUnit({ ...ok, padding: 'same', strides: 2 })).toThrow(/strides 1/);
    expect(() => new PackedBinaryUnit({ ...ok, padding: 'same', activation: 'relu' })).toThrow(/PackedBinaryUnit 'bad'.*activation 'relu'/);
    expect(() => new PackedBinaryUnit({ ...ok, padding: 'same' }).build([null, null, null, 3])).toThrow(/PackedBinaryUnit 'bad'.*4 filters for 3 channels/);
    const s = srbConv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'widen' });
    s.build([null, 4, 4, 3]);
    const a = rprelu({ name: 'act' });
    a.build([null, 4]);
    expect(unitFusionProblem(s, a)).toMatch(/SRBConv2D 'widen' maps 3 channels to 4/);
    expect(() => packUnitSpec(s, a, 'u')).toThrow(/packUnitSpec: SRBConv2D 'widen'/);
    expect(unitFusionProblem(a, a)).toMatch(/RPReLU 'act' is not an SRBConv2D/);
  });
});

// A deployed binary upsampler stage (FRBC-M), PixelShuffle_r(RPReLU(SRBConv2D(x))) + nearest_r(x), as one
// PackedUpsampleUnit: the same output as the packed conv followed by the separate ops (bit for bit), on every
// kernel. The shuffle is written here with reshape/transpose in PyTorch's channel order (c·r² + i·r + j), as
// @frb/models' PixelShuffle; channel counts cover whole 16-lane native blocks (16 → 64) and partial ones (3, 8).
const stageCases = [
  { cin: 16, r: 2, hw: [5, 7], order: 2 },
  { cin: 8, r: 3, hw: [4, 3], order: 2 },
  { cin: 3, r: 2, hw: [1, 2], order: 1 },
];

function shuffleRef(y: tf.Tensor4D, r: number): tf.Tensor4D {
  const [b, h, w, cr2] = y.shape;
  const c = cr2 / (r * r);
  return tf.reshape(tf.transpose(tf.reshape(y, [b * h, w, c, r, r]), [0, 3, 1, 4, 2]), [b, h * r, w * r, c]);
}

function randomStage(cin: number, r: number, order: number, useBias: boolean, seed: number) {
  const co = cin * r * r;
  const srb = srbConv2d({ filters: co, kernelSize: 3, padding: 'same', useBias, order });
  randomize(srb, [1, 4, 4, cin], seed);
  const act = rprelu();
  act.build([null, co]);
  const p = [rand([co], seed + 1, 0.3), tf.add(0.25, rand([co], seed + 2, 0.3)), rand([co], seed + 3, 0.3)];
  act.setWeights(p);
  tf.dispose(p);
  return { srb, act };
}

for (const { impl, backend } of IMPLS) {
  const label = backend ? `${impl} kernel on ${backend}` : `${impl} kernel`;
  describe(`PackedUpsampleUnit (${label}) = packed conv → RPReLU → shuffle, + nearest(x)`, () => {
    stageCases.forEach((c, ci) => {
      it(`${c.cin} → ${c.cin * c.r * c.r} ch, r = ${c.r}, order ${c.order}, ${c.hw.join('x')}`, async () => {
        const undo = await useImpl(impl, backend);
        try {
          for (const useBias of [false, true]) {
            const { srb, act } = randomStage(c.cin, c.r, c.order, useBias, 70 + 10 * ci);
            const stage = packUpsampleUnit(srb, act, c.r);
            const packed = packLayer(srb);
            const x = rand([2, c.hw[0], c.hw[1], c.cin], 300 + ci);
            const near = (t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [c.hw[0] * c.r, c.hw[1] * c.r]);
            const unfused = tf.tidy(() => tf.add(shuffleRef(act.apply(packed.apply(x)) as tf.Tensor4D, c.r), near(x)));
            const simulated = tf.tidy(() => tf.add(shuffleRef(act.apply(srb.apply(x)) as tf.Tensor4D, c.r), near(x)));
            const n0 = tf.memory().numTensors;
            const got = stage.apply(x) as tf.Tensor;
            expect(tf.memory().numTensors).toBe(n0 + 1); // the output only
            expect(got.shape).toEqual([2, c.hw[0] * c.r, c.hw[1] * c.r, c.cin]);
            expect(Array.from(got.dataSync())).toEqual(Array.from(unfused.dataSync()));
            expectClose(got, simulated, 2e-6, 1e-4);
            tf.dispose([x, unfused, simulated, got]);
          }
        } finally {
          await undo();
        }
      });
    });
  });
}

describe('PackedUpsampleUnit layer', () => {
  it('getConfig / fromConfig round trip with its scale and RPReLU weights (trained channel order)', () => {
    const { srb, act } = randomStage(8, 2, 2, true, 9);
    const stage = packUpsampleUnit(srb, act, 2, 'up');
    expect(stage.getClassName()).toBe('PackedUpsampleUnit');
    expect(stage.getConfig().scale).toBe(2);
    expect(stage.weights.map((w) => w.originalName)).toEqual(
      ['packed_kernel', 'alpha', 'threshold', 'bias', 'rprelu_gamma', 'rprelu_alpha', 'rprelu_zeta'],
    );
    expect(Array.from(stage.getWeights()[4].dataSync())).toEqual(Array.from(act.getWeights()[0].dataSync()));
    expectConfigRoundTrip(stage, rand([1, 3, 4, 8], 5));
  });

  it('errors name the layer and what is wrong', () => {
    const ok = { filters: 16, kernelSize: 3, order: 2, padding: 'same' as const, name: 'bad' };
    expect(() => new PackedUpsampleUnit({ ...ok, scale: 1 })).toThrow(/PackedUpsampleUnit 'bad'.*scale must be an integer >= 2, got 1/);
    expect(() => new PackedUpsampleUnit({ ...ok, scale: 2, padding: 'valid' })).toThrow(/PackedUpsampleUnit 'bad'.*strides 1 and padding 'same'/);
    expect(() => new PackedUpsampleUnit({ ...ok, scale: 2 }).build([null, null, null, 3])).toThrow(/PackedUpsampleUnit 'bad'.*filters = input channels · 4 \(12\), got 16/);
    const s = srbConv2d({ filters: 12, kernelSize: 3, padding: 'same', name: 'up' });
    s.build([null, 4, 4, 4]);
    const a = rprelu({ name: 'act' });
    a.build([null, 12]);
    expect(upsampleFusionProblem(s, a, 2)).toMatch(/SRBConv2D 'up' maps 4 channels to 12, not to 4·2²/);
    expect(() => packUpsampleUnitSpec(s, a, 2, 'u')).toThrow(/packUpsampleUnitSpec: SRBConv2D 'up'/);
    expect(upsampleFusionProblem(s, a, 1.5)).toMatch(/scale must be an integer >= 2, got 1.5/);
  });
});
