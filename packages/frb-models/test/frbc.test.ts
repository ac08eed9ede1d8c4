import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createModel, listModels, blockNames, frbc, BINARIZATIONS, binarySRResNet, residualAlignmentFactor } from '@frb/models';

const BINARY = ['frbc', 'frbc-o1', 'bbcu-l', 'srresnet-reactnet', 'srresnet-bireal', 'srresnet-xnor', 'srresnet-bnn'];

describe('FRBC and the baselines', () => {
  it('registers every binary model with the FP twin', () => {
    const names = listModels().map((m) => m.name);
    for (const n of ['srresnet', ...BINARY]) expect(names).toContain(n);
    for (const n of BINARY) expect(listModels().find((m) => m.name === n)!.fpTwin).toBe('srresnet');
  });

  it('produces [1, s·H, s·W, 3] for every model at scales 2, 3, 4', () => {
    for (const name of BINARY) {
      for (const scale of [2, 3, 4]) {
        const m = createModel(name, { scale, features: 4, blocks: 1 });
        const x = tf.randomUniform([1, 4, 5, 3]);
        const y = m.predict(x) as tf.Tensor;
        expect(y.shape, `${name} x${scale}`).toEqual([1, 4 * scale, 5 * scale, 3]);
        expect(Number.isFinite(tf.sum(y).arraySync() as number), `${name} x${scale} finite`).toBe(true);
        tf.dispose([x, y]);
        m.dispose();
      }
    }
  });

  it('keeps head and tail full precision and binarizes exactly the 2N body convs', () => {
    const m = frbc({ scale: 4, features: 8, blocks: 3 });
    const classes = m.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === 'SRBConv2D')).toHaveLength(6);
    for (const n of ['head/conv_first', 'upsampler/upconv1', 'upsampler/upconv2', 'tail/conv_hr', 'tail/conv_last']) {
      expect(m.getLayer(n).getClassName()).toBe('Conv2D');
    }
    for (const n of blockNames(3)) expect(m.getLayer(n)).toBeDefined();
    const conv = m.getLayer('body/block_00/unit1/conv').getConfig();
    expect(conv.order).toBe(2);
    expect(conv.useBias).toBe(false);
    expect(m.getLayer('align/scale_in').getConfig().factor).toBeCloseTo(residualAlignmentFactor(8));
    m.dispose();
  });

  it('order option and aliases resolve; bad options are errors that name them', () => {
    const m = createModel('frbc', { order: 1, features: 4, blocks: 1 });
    expect(m.getLayer('body/block_00/unit1/conv').getConfig().order).toBe(1);
    m.dispose();
    expect(() => createModel('frbc', { order: 3 })).toThrow(/order must be 1 or 2/);
    expect(() => createModel('bbcu-l', { blocs: 2 })).toThrow(/unknown option 'blocs'/);
    expect(() => binarySRResNet({ binarization: 'dorefa' })).toThrow(/unknown binarization "dorefa"/);
    expect(BINARIZATIONS).toHaveLength(7);
  });

  it('runs a 1x24x24x3 forward on cpu and wasm with matching outputs', async () => {
    const prev = tf.getBackend();
    await tf.setBackend('cpu');
    const m = frbc({ scale: 4, features: 16, blocks: 2 });
    const x = tf.randomUniform([1, 24, 24, 3]);
    const xs = await x.array();
    const cpu = m.predict(x) as tf.Tensor;
    expect(cpu.shape).toEqual([1, 96, 96, 3]);
    const cpuData = await cpu.data();
    tf.dispose([x, cpu]);
    const weights = m.getWeights().map((w) => w.arraySync());
    m.dispose();
    await tf.setBackend('wasm');
    try {
      const mw = frbc({ scale: 4, features: 16, blocks: 2 });
      mw.setWeights(weights.map((w) => tf.tensor(w as number[])));
      const xw = tf.tensor(xs);
      const yw = mw.predict(xw) as tf.Tensor;
      expect(yw.shape).toEqual([1, 96, 96, 3]);
      const wasmData = await yw.data();
      // Float rounding differs between backends, so a pre-activation within ~1e-7 of the threshold may take the
      // other sign and nudge a few outputs; everything else must agree tightly.
      let close = 0, sumDiff = 0;
      for (let i = 0; i < wasmData.length; i++) {
        const d = Math.abs(wasmData[i] - cpuData[i]);
        sumDiff += d;
        if (d < 1e-4) close++;
      }
      expect(close / wasmData.length).toBeGreaterThan(0.99);
      expect(sumDiff / wasmData.length).toBeLessThan(1e-3);
      tf.dispose([xw, yw]);
      mw.dispose();
    } finally {
      await tf.setBackend(prev);
    }
  });

  it('runs the default-size FRBC x4 (C = 64, N = 16) on a 1x24x24x3 input on wasm', async () => {
    const prev = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const m = frbc({ scale: 4 });
      expect(m.layers.filter((l) => l.getClassName() === 'SRBConv2D')).toHaveLength(32);
      const x = tf.randomUniform([1, 24, 24, 3]);
      const y = m.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 96, 96, 3]);
      const v = await y.data();
      expect(v.every((t) => Number.isFinite(t))).toBe(true);
      tf.dispose([x, y]);
      m.dispose();
    } finally {
      await tf.setBackend(prev);
    }
  });

  it('repeated predict calls leak no tensors', () => {
    const m = createModel('bbcu-l', { scale: 3, features: 4, blocks: 2 });
    const x = tf.randomUniform([1, 5, 5, 3]);
    tf.dispose(m.predict(x) as tf.Tensor);
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(m.predict(x) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(n0);
    x.dispose();
    m.dispose();
  });

  it('a few fit steps lower the loss of a tiny FRBC without leaking tensors', async () => {
    const m = frbc({ scale: 2, features: 8, blocks: 1 });
    m.compile({ optimizer: tf.train.adam(1e-2), loss: 'meanAbsoluteError' });
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 1);
    const y = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 2);
    const first = m.evaluate(x, y) as tf.Scalar;
    const before = first.dataSync()[0];
    first.dispose();
    await m.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 }); // creates optimizer state
    const n0 = tf.memory().numTensors;
    await m.fit(x, y, { epochs: 8, batchSize: 2, verbose: 0 });
    expect(tf.memory().numTensors).toBe(n0);
    const last = m.evaluate(x, y) as tf.Scalar;
    expect(last.dataSync()[0]).toBeLessThan(before);
    tf.dispose([x, y, last]);
    m.dispose();
  });
});
