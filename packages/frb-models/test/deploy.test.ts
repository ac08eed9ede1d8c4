import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  CHAIN_PASS_LEVELS, PackedBinaryUnit, PackedChain, PackedConv2D, PackedDense, PackedUpsampleUnit, RPReLU, getPackedKernel, nativeXnorPreferred, rprelu, setPackedKernel,
  srbConv2d, srbDense, type XnorImpl,
} from '@frb/layers';
import { createModel, deployModel, planDeployment, type DeployOptions } from '@frb/models';
import { saveModel, loadModel } from '@frb/models/node';
import { useNativeConvKernels } from '@frb/layers/node';
import { toMemory } from './helpers.js';

afterAll(() => setPackedKernel('auto'));
const nativeStatus = useNativeConvKernels(true, 2);
useNativeConvKernels(false);

/**
 * Sets every weight to a seeded value off its initial one (thresholds, RPReLU and biases become non-trivial): a
 * constant-initialized weight keeps its constant plus N(0, 0.05) noise, a randomly initialized one becomes N(0, 0.05).
 * The models' own initializers are unseeded, so this makes each test's model the same in every run: a
 * pre-activation within float rounding of 0 can take the other sign in the float simulation than in the exact
 * packed sum, and a seeded model makes such a case reproducible instead of a rare flake.
 */
function perturb(m: tfl.LayersModel, seed: number): void {
  tf.tidy(() => m.setWeights(m.getWeights().map((w, i) => {
    const v = w.dataSync();
    const base = v.every((x) => x === v[0]) ? v[0] : 0;
    return tf.add(base, tf.randomNormal(w.shape, 0, 0.05, 'float32', seed * 1000 + i));
  })));
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/**
 * Asserts the deployed model's output equals the float simulation's within 1e-4 on x, and that its predict leaves
 * only its output behind; with `unfused` (the same model deployed with fuse: false), that d's output equals its
 * output bit for bit (the fused epilogue rounds every step as the separate layers do). Disposes x and the outputs.
 */
function expectSamePrediction(m: tfl.LayersModel, d: tfl.LayersModel, x: tf.Tensor, what?: string, unfused?: tfl.LayersModel): void {
  const want = m.predict(x) as tf.Tensor;
  const plain = unfused?.predict(x) as tf.Tensor | undefined;
  const n0 = tf.memory().numTensors;
  const got = d.predict(x) as tf.Tensor;
  expect(tf.memory().numTensors, `${what ?? ''} leak`).toBe(n0 + 1);
  expect(maxAbsDiff(got, want), what).toBeLessThan(1e-4);
  if (plain) expect(Array.from(got.dataSync()), `${what ?? ''} fused vs unfused`).toEqual(Array.from(plain.dataSync()));
  tf.dispose([x, want, got, ...(plain ? [plain] : [])]);
}

/** Saves `m` to a fresh temporary folder, loads it back, runs `use` on the copy and the folder, then removes both. */
async function withSavedCopy(m: tfl.LayersModel, use: (loaded: tfl.LayersModel, dir: string) => Promise<void> | void): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frb-deploy-'));
  try {
    await saveModel(m, dir);
    const loaded = await loadModel(dir);
    try {
      await use(loaded, dir);
    } finally {
      loaded.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The layer names of m without the binary units' conv and RPReLU (which deployModel fuses into the unit). */
function fusedNames(m: tfl.LayersModel): string[] {
  return m.layers.map((l) => l.name).filter((n) => !/\/unit\d\/(conv|rprelu)$/.test(n));
}

/** Bytes of each weight in saved artifacts, by name. */
function weightBytes(a: tf.io.ModelArtifacts): Map<string, number> {
  return new Map(a.weightSpecs!.map((s) => [s.name, s.shape.reduce((p, d) => p * d, 1) * 4]));
}

describe('deployModel: FRBC', () => {
  for (const [scale, features, impl] of [[2, 32, 'wasm'], [3, 32, 'js'], [4, 64, 'wasm']] as [number, number, XnorImpl][]) {
    it(`x${scale}, ${features} features, ${impl} kernel: packed output = float simulation within 1e-4 (odd sizes, borders)`, async () => {
      setPackedKernel(impl);
      const m = createModel('frbc', { scale, features, blocks: 2 });
      perturb(m, scale);
      const d = await deployModel(m);
      const du = await deployModel(m, { fuse: false });
      expect(d.name).toBe(`${m.name}_packed`);
      const packed = du.layers.filter((l) => l instanceof PackedConv2D).map((l) => l.name);
      expect(packed).toEqual(planDeployment(m));
      expect(packed.length).toBe(4); // 2 blocks × 2 binary units
      expect(du.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
      // Fused: each unit is one PackedBinaryUnit named after its residual Add (bodyChain 1), and by default the four
      // units are one PackedChain named after the last Add; no RPReLU or plain packed conv is left.
      const units = ['body/block_00/unit1/out', 'body/block_00', 'body/block_01/unit1/out', 'body/block_01'];
      const d1 = await deployModel(m, { bodyChain: 1 });
      expect(d1.layers.filter((l) => l instanceof PackedBinaryUnit).map((l) => l.name)).toEqual(units);
      expect(d1.layers.map((l) => l.name)).toEqual(fusedNames(m));
      expect(d.layers.filter((l) => l instanceof PackedChain).map((l) => [l.name, (l as PackedChain).parts.map((p) => p.name)])).toEqual([['body/block_01', units]]);
      for (const f of [d, d1]) expect(f.layers.filter((l) => l instanceof RPReLU || l.getClassName() === 'PackedConv2D' || l.getClassName() === 'PackedBinaryUnit').length).toBe(f === d ? 0 : 4);
      expect(d.layers.map((l) => l.name)).toEqual(fusedNames(m).filter((n) => !units.slice(0, 3).includes(n)));
      for (const [h, w] of [[11, 9], [1, 6], [4, 4]]) {
        const x = tf.randomUniform([scale === 4 ? 1 : 2, h, w, 3], 0, 1, 'float32', h * w);
        expectSamePrediction(m, d, x.clone(), `${h}x${w}`, du);
        expectSamePrediction(m, d1, x, `${h}x${w} units`, du);
      }
      m.dispose();
      d.dispose();
      d1.dispose();
      du.dispose();
    });
  }

  it('leaks no tensors across predict calls and runs on the wasm backend', async () => {
    const m = createModel('frbc', { scale: 2, features: 32, blocks: 1 });
    perturb(m, 7);
    const d = await deployModel(m);
    const x = tf.randomUniform([1, 7, 5, 3], 0, 1, 'float32', 3);
    const before = tf.getBackend();
    const want = m.predict(x) as tf.Tensor;
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (d.predict(x) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(n0);
    await tf.setBackend('wasm');
    const xw = tf.tensor(x.dataSync(), x.shape);
    const got = d.predict(xw) as tf.Tensor;
    const gotData = tf.tensor(got.dataSync(), got.shape);
    tf.dispose([xw, got]);
    await tf.setBackend(before);
    expect(maxAbsDiff(tf.tensor(gotData.dataSync(), gotData.shape), want)).toBeLessThan(1e-4);
    m.dispose();
    d.dispose();
  });
});

describe('deployModel: FRBC-M (binary upsampler and conv_hr)', () => {
  for (const [scale, impl] of [[2, 'wasm'], [3, 'js'], [4, 'wasm']] as [number, XnorImpl][]) {
    it(`x${scale}, ${impl} kernel: every conv but conv_first / conv_last packed; output = float simulation within 1e-4`, async () => {
      setPackedKernel(impl);
      const m = createModel('frbc-m', { scale, features: 8, blocks: 1 });
      perturb(m, 80 + scale);
      // Unfused, every binary conv is its own packed layer under its own name; fused (the default), the units
      // become PackedBinaryUnits named after their Add, and both give the float simulation's output.
      const d = await deployModel(m, { fuse: false });
      const fused = await deployModel(m);
      expect(fused.layers.some((l) => l.getClassName() === 'PackedChain')).toBe(true);
      const stages = scale === 4 ? 2 : 1;
      // Each upsampler stage (conv, RPReLU, PixelShuffle, nearest, Add) is one PackedUpsampleUnit named after its Add;
      // with conv_hr's unit they are one PackedChain (the conv to RGB stays apart at 8 channels).
      expect((fused.getLayer('tail/lrelu') as PackedChain).parts.map((l) => [l.getClassName(), l.name])).toEqual([
        ...Array.from({ length: stages }, (_, k) => ['PackedUpsampleUnit', `upsampler/out${k + 1}`]), ['PackedBinaryUnit', 'tail/lrelu'],
      ]);
      expect(fused.layers.some((l) => ['PixelShuffle', 'UpSampling2D', 'RPReLU'].includes(l.getClassName()))).toBe(false);
      const packed = d.layers.filter((l) => l instanceof PackedConv2D).map((l) => l.name);
      expect(packed).toEqual(planDeployment(m));
      expect(packed).toEqual([
        'body/block_00/unit1/conv', 'body/block_00/unit2/conv',
        ...Array.from({ length: stages }, (_, k) => `upsampler/upconv${k + 1}`), 'tail/conv_hr/conv',
      ]);
      expect(d.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name)).toEqual(['head/conv_first', 'tail/conv_last']);
      for (const [h, w] of [[7, 5], [1, 3]]) {
        expectSamePrediction(m, d, tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 90 + h), `${h}x${w}`);
        expectSamePrediction(m, fused, tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 90 + h), `${h}x${w} fused`, d);
      }
      m.dispose();
      d.dispose();
      fused.dispose();
    });
  }
});

describe('deployModel: chains of units (PackedChain)', () => {
  for (const [scale, impl] of [[4, 'wasm'], [2, 'js']] as [number, XnorImpl][]) {
    it(`FRBC-M x${scale}, 16 features, ${impl} kernel (the parts in turn): body in chains of bodyChain units, the upsampler and conv to RGB one; same bits as unfused; save/load`, async () => {
      setPackedKernel(impl);
      const m = createModel('frbc-m', { scale, features: 16, blocks: 3 });
      perturb(m, 40 + scale);
      const fused = await deployModel(m, { bodyChain: 4 });
      const apart = await deployModel(m, { fuse: false });
      const chains = fused.layers.filter((l) => l instanceof PackedChain) as PackedChain[];
      // 6 body units: a chain of 4 named after block 1's output, then 2; the stages, conv_hr and the conv to RGB one
      // chain named after the conv, so every layer downstream keeps its input.
      expect(chains.map((c) => [c.name, c.parts.map((p) => p.name), c.last?.filters ?? null])).toEqual([
        ['body/block_01', ['body/block_00/unit1/out', 'body/block_00', 'body/block_01/unit1/out', 'body/block_01'], null],
        ['body/block_02', ['body/block_02/unit1/out', 'body/block_02'], null],
        ['tail/conv_last', [...(scale === 4 ? ['upsampler/out1'] : []), `upsampler/out${scale === 4 ? 2 : 1}`, 'tail/lrelu'], 3],
      ]);
      expect(chains[2].parts.map((p) => p.getClassName())).toEqual([...(scale === 4 ? ['PackedUpsampleUnit'] : []), 'PackedUpsampleUnit', 'PackedBinaryUnit']);
      expect(fused.layers.some((l) => l instanceof PackedBinaryUnit || l instanceof PackedUpsampleUnit)).toBe(false);
      expectSamePrediction(m, fused, tf.randomUniform([1, 5, 7, 3], 0, 1, 'float32', 50 + scale), `x${scale}`, apart);
      await withSavedCopy(fused, (loaded) => {
        expect(loaded.getLayer('tail/conv_last').weights.map((w) => w.originalName)).toEqual(fused.getLayer('tail/conv_last').weights.map((w) => w.originalName));
        expect(loaded.getLayer('tail/conv_last').weights.map((w) => w.originalName).slice(-2)).toEqual(['tail/conv_last/kernel', 'tail/conv_last/bias']);
        const x = tf.randomUniform([2, 3, 4, 3], 0, 1, 'float32', 60 + scale);
        const [a, b] = [fused.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
        expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
        tf.dispose([x, a, b]);
      });
      m.dispose();
      fused.dispose();
      apart.dispose();
    });
  }

  it('leaves the conv to RGB apart where the native pass cannot take it (8 channels; 5 filters); bodyChain 1 keeps the body units', async () => {
    const m = createModel('frbc-m', { scale: 2, features: 8, blocks: 1 });
    const d = await deployModel(m);
    expect(d.getLayer('tail/conv_last').getClassName()).toBe('Conv2D');
    expect((d.getLayer('tail/lrelu') as PackedChain).parts.map((p) => p.name)).toEqual(['upsampler/out1', 'tail/lrelu']);
    const m5 = createModel('frbc-m', { scale: 2, features: 16, blocks: 1, channels: 5 });
    const d5 = await deployModel(m5, { bodyChain: 1 });
    expect(d5.getLayer('tail/conv_last').getClassName()).toBe('Conv2D');
    expect(d5.layers.filter((l) => l instanceof PackedBinaryUnit).map((l) => l.name)).toEqual(['body/block_00/unit1/out', 'body/block_00']);
    await expect(deployModel(m5, { bodyChain: 0 })).rejects.toThrow(/bodyChain must be an integer >= 1, got 0/);
    for (const x of [m, d, m5, d5]) x.dispose();
  });
});

describe('deployModel: FRBT', () => {
  for (const scale of [2, 3, 4]) {
    it(`x${scale}: packed output = float simulation within 1e-4 (input not a multiple of the window)`, async () => {
      const m = createModel('frbt', { scale, embedDim: 12, blocks: 1, depth: 2, numHeads: 2, windowSize: 4 });
      perturb(m, 10 + scale);
      const d = await deployModel(m);
      const packed = d.layers.filter((l) => l instanceof PackedDense);
      expect(packed.length).toBe(8); // 2 Swin layers × (qkv, proj, fc1, fc2)
      const x = tf.randomUniform([1, 7, 9, 3], 0, 1, 'float32', scale);
      expectSamePrediction(m, d, x);
      m.dispose();
      d.dispose();
    });
  }
});

// Node's native packed kernel (FrbXnorConv, compiled with g++ on first use) through the whole models.
describe.skipIf(!nativeStatus.active)(`deployModel with the native packed kernel (${nativeStatus.reason ?? 'built'})`, () => {
  interface NativeCase {
    name: string; backend: 'cpu' | 'wasm'; make: () => tfl.LayersModel; x: number[];
    /** deployModel options, and what the deployed model must hold besides its outputs. */
    deploy?: DeployOptions; check?: (d: tfl.LayersModel) => void;
  }
  const cases: NativeCase[] = [
    { name: 'FRBC x2 on cpu', backend: 'cpu', make: () => createModel('frbc', { scale: 2, features: 32, blocks: 2 }), x: [2, 11, 9, 3] },
    { name: 'FRBC x3 on wasm', backend: 'wasm', make: () => createModel('frbc', { scale: 3, features: 32, blocks: 2 }), x: [1, 1, 6, 3] },
    { name: 'FRBC x4 on wasm', backend: 'wasm', make: () => createModel('frbc', { scale: 4, features: 64, blocks: 2 }), x: [1, 7, 5, 3] },
    { name: 'FRBC-M x4 on cpu', backend: 'cpu', make: () => createModel('frbc-m', { scale: 4, features: 8, blocks: 1 }), x: [1, 5, 6, 3] },
    { name: 'FRBC-M x4, 32 features, on wasm', backend: 'wasm', make: () => createModel('frbc-m', { scale: 4, features: 32, blocks: 1 }), x: [2, 6, 5, 3] },
    { name: 'FRBC-M x3, 16 features, on wasm', backend: 'wasm', make: () => createModel('frbc-m', { scale: 3, features: 16, blocks: 1 }), x: [1, 4, 7, 3] },
    { name: 'FRBC-M x2, 64 features, on cpu', backend: 'cpu', make: () => createModel('frbc-m', { scale: 2, features: 64, blocks: 1 }), x: [2, 5, 3, 3] },
    { name: 'FRBT x2 on cpu', backend: 'cpu', make: () => createModel('frbt', { scale: 2, embedDim: 12, blocks: 1, depth: 2, numHeads: 2, windowSize: 4 }), x: [1, 7, 9, 3] },
    { name: 'FRBT x3 on wasm', backend: 'wasm', make: () => createModel('frbt', { scale: 3, embedDim: 12, blocks: 1, depth: 2, numHeads: 2, windowSize: 4 }), x: [1, 5, 6, 3] },
    { name: 'FRBT x4 on cpu', backend: 'cpu', make: () => createModel('frbt', { scale: 4, embedDim: 12, blocks: 1, depth: 2, numHeads: 2, windowSize: 4 }), x: [1, 6, 5, 3] },
    {
      name: `FRBC-M x2 on cpu, 20 body units in one PackedChain (bodyChain 20: native passes of ${CHAIN_PASS_LEVELS} levels and more)`,
      backend: 'cpu', make: () => createModel('frbc-m', { scale: 2, features: 16, blocks: 10 }), x: [1, 6, 5, 3],
      deploy: { bodyChain: 20 }, check: (d) => expect((d.getLayer('body/block_09') as PackedChain).parts.length).toBe(20),
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.name}: packed output = float simulation within 1e-4, no leaks`, async () => {
      const before = tf.getBackend();
      await tf.setBackend(c.backend);
      useNativeConvKernels(true, 2);
      setPackedKernel('auto');
      try {
        // 'auto' picks native in Node when its vector-popcount path was built (AVX-512 VPOPCNTDQ), else wasm.
        expect(getPackedKernel()).toBe(nativeXnorPreferred() ? 'native' : 'wasm');
        setPackedKernel('native');
        const m = c.make();
        perturb(m, 60 + i);
        const d = await deployModel(m, c.deploy);
        const du = await deployModel(m, { fuse: false });
        c.check?.(d);
        const x = tf.randomUniform([...c.x], 0, 1, 'float32', i);
        expectSamePrediction(m, d, x, c.name, du);
        m.dispose();
        d.dispose();
        du.dispose();
      } finally {
        setPackedKernel('auto');
        useNativeConvKernels(false);
        await tf.setBackend(before);
      }
    });
  }
});

describe('deployModel: other topologies', () => {
  it('a Sequential model with SRB conv and dense layers (stride 2, valid padding, relu activation)', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [9, 8, 3], filters: 8, kernelSize: 3, padding: 'same' }),
        srbConv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', useBias: true }),
        tfl.layers.flatten(),
        srbDense({ units: 5, order: 1, useBias: true }),
      ],
    });
    perturb(m, 40);
    const d = await deployModel(m);
    expect(d.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'PackedConv2D', 'Flatten', 'PackedDense']);
    const x = tf.randomUniform([3, 9, 8, 3], -1, 1, 'float32', 8);
    expectSamePrediction(m, d, x);
    m.dispose();
    d.dispose();
  });
});

describe('deployModel: which units fuse', () => {
  it('fuses conv → RPReLU → add(·, conv input) only; a used-twice RPReLU, a reactnet unit and a widening conv stay apart', async () => {
    const x = tfl.input({ shape: [null, null, 8] });
    const conv = (name: string, filters = 8) => srbConv2d({ filters, kernelSize: 3, padding: 'same', name });
    const sym = (l: tfl.layers.Layer, v: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => l.apply(v) as tfl.SymbolicTensor;
    // 1: a bbcu unit (fused, input order [x, r]); 2: its RPReLU output is also a model output (not fused);
    // 3: reactnet order, add before RPReLU (not fused); 4: 8 → 16 channels, no residual (a plain packed conv).
    const u1 = sym(tfl.layers.add({ name: 'u1' }), [x, sym(rprelu({ name: 'r1' }), sym(conv('c1'), x))]);
    const r2 = sym(rprelu({ name: 'r2' }), sym(conv('c2'), u1));
    const u2 = sym(tfl.layers.add({ name: 'u2' }), [r2, u1]);
    const u3 = sym(rprelu({ name: 'r3' }), sym(tfl.layers.add({ name: 'a3' }), [sym(conv('c3'), u2), u2]));
    const y = sym(conv('c4', 16), u3);
    const m = tfl.model({ inputs: x, outputs: [y, r2] });
    perturb(m, 50);
    const d = await deployModel(m);
    const du = await deployModel(m, { fuse: false });
    expect(d.layers.map((l) => `${l.name}:${l.getClassName()}`)).toEqual([
      'input1:InputLayer', 'u1:PackedBinaryUnit', 'c2:PackedConv2D', 'r2:RPReLU', 'u2:Add', 'c3:PackedConv2D', 'a3:Add',
      'r3:RPReLU', 'c4:PackedConv2D',
    ].map((s) => s.replace('input1', m.layers[0].name)));
    const xin = tf.randomUniform([1, 6, 7, 8], -1, 1, 'float32', 9);
    const [want, got, plain] = [m, d, du].map((k) => k.predict(xin) as tf.Tensor[]);
    for (let i = 0; i < 2; i++) {
      expect(maxAbsDiff(got[i], want[i])).toBeLessThan(1e-4);
      expect(Array.from(got[i].dataSync())).toEqual(Array.from(plain[i].dataSync()));
    }
    tf.dispose([xin, ...want, ...got, ...plain]);
    m.dispose();
    d.dispose();
    du.dispose();
  });
});

describe('deployed models save and load with 1-bit weights', () => {
  it('model.json + weights.bin round trip (disk); packed signs take 1 bit per weight', async () => {
    const m = createModel('frbc', { scale: 2, features: 64, blocks: 1 });
    perturb(m, 21);
    const d = await deployModel(m);
    await withSavedCopy(d, async (loaded, dir) => {
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(d.layers.map((l) => l.getClassName()));
      const x = tf.randomUniform([1, 6, 5, 3], 0, 1, 'float32', 5);
      const a = d.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));

      const art = await toMemory(d);
      const bytes = weightBytes(art);
      const specs = art.weightSpecs!.filter((s) => s.name.endsWith('packed_kernel'));
      expect(specs.length).toBe(2);
      for (const s of specs) {
        expect(s.dtype).toBe('int32');
        expect(bytes.get(s.name)).toBe((2 * 64 * 9 * 64) / 8); // order 2 × 64 out × 576 in-weights, 1 bit each
      }
      const fileBytes = fs.statSync(path.join(dir, 'weights.bin')).size;
      expect(fileBytes).toBe([...bytes.values()].reduce((p, v) => p + v, 0));
      // Against the float simulation's file: each body conv drops from 32 bits per latent weight to 2 (order 2) + α's.
      const floatBytes = weightBytes(await toMemory(m));
      const body = (n: string) => n.startsWith('body/');
      const sum = (mp: Map<string, number>) => [...mp].filter(([n]) => body(n)).reduce((p, [, v]) => p + v, 0);
      expect(sum(bytes)).toBeLessThan(sum(floatBytes) / 10);
      tf.dispose([x, a, b]);
    });
    m.dispose();
    d.dispose();
  });

  it('errors: no SRB layers, full-precision activations', async () => {
    const fp = createModel('srresnet', { scale: 2, features: 4, blocks: 1 });
    await expect(deployModel(fp)).rejects.toThrow(/no SRBConv2D \/ SRBDense layers/);
    const idm = createModel('frbc', { scale: 2, features: 4, blocks: 1, srb: { inputQuantizer: 'identity' } });
    await expect(deployModel(idm)).rejects.toThrow(/SRBConv2D 'body\/block_00\/unit1\/conv'.*full-precision/);
    fp.dispose();
    idm.dispose();
  });
});
