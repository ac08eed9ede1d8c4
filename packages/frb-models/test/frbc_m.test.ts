// FRBC-M: FRBC with a binarized upsampler and conv_hr (BBCU-M's layout), this project's extension beyond the paper.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { binarySummary } from '@frb/layers';
import { binarySRResNet, blockNames, createModel, frbc, modelInfo, pixelShuffle } from '@frb/models';

type ST = tfl.SymbolicTensor;

/** A model from m's input to the given layers' outputs (their first application). */
const probe = (m: tfl.LayersModel, names: string[]) =>
  tfl.model({ inputs: m.inputs, outputs: names.map((n) => m.getLayer(n).output as ST) });

/** Moves every weight off its initial value (seeded), so thresholds and RPReLU are non-trivial. */
function perturb(m: tfl.LayersModel, seed: number): void {
  tf.tidy(() => m.setWeights(m.getWeights().map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.05, 'float32', seed * 100 + i)))));
}

describe('frbc-m (binary upsampler, this project\'s extension)', () => {
  it('is registered with srresnet as its FP twin and the same block names', () => {
    const info = modelInfo('frbc-m')!;
    expect(info.binary).toBe(true);
    expect(info.fpTwin).toBe('srresnet');
    expect(info.defaults).toMatchObject({ upsampler: 'binary', binarization: 'frb2' });
    expect(info.description).toMatch(/beyond the paper/);
    const m = createModel('frbc-m', { scale: 4, features: 4, blocks: 2 });
    const twin = createModel(info.fpTwin!, { scale: 4, features: 4, blocks: 2 });
    for (const n of blockNames(2)) {
      expect(m.getLayer(n).outputShape).toEqual(twin.getLayer(n).outputShape);
    }
    expect(m.name).toBe('frbc_m_x4');
    m.dispose();
    twin.dispose();
  });

  it('keeps only conv_first and conv_last full precision (x2: 1 stage, x4: 2 stages)', () => {
    for (const [scale, stages] of [[2, 1], [3, 1], [4, 2]]) {
      const m = createModel('frbc-m', { scale, features: 4, blocks: 3 });
      const convs = m.layers.filter((l) => /Conv2D$/.test(l.getClassName()));
      const fp = convs.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
      expect(fp).toEqual(['head/conv_first', 'tail/conv_last']);
      const binary = convs.filter((l) => l.getClassName() === 'SRBConv2D').map((l) => l.name);
      expect(binary).toHaveLength(2 * 3 + stages + 1);
      for (let k = 1; k <= stages; k++) {
        const up = m.getLayer(`upsampler/upconv${k}`);
        expect(up.getClassName()).toBe('SRBConv2D');
        expect((up.outputShape as number[])[3]).toBe(4 * (scale === 4 ? 4 : scale * scale));
        expect(up.getConfig().order).toBe(2);
        expect(up.getConfig().useBias).toBe(false);
      }
      expect(m.getLayer('tail/conv_hr/conv').getClassName()).toBe('SRBConv2D');
      m.dispose();
    }
  });

  it('produces [n, s·H, s·W, 3] at x2, x3, x4, finite', () => {
    for (const scale of [2, 3, 4]) {
      const m = createModel('frbc-m', { scale, features: 4, blocks: 1 });
      const x = tf.randomUniform([2, 5, 3, 3], 0, 1, 'float32', scale);
      const y = m.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 5 * scale, 3 * scale, 3]);
      expect(Number.isFinite(tf.sum(y).dataSync()[0])).toBe(true);
      tf.dispose([x, y]);
      m.dispose();
    }
  });

  it('an upsampler stage computes PixelShuffle(RPReLU(bconv(x))) + nearest(x); conv_hr is RPReLU(bconv(x)) + x', () => {
    const m = createModel('frbc-m', { scale: 4, features: 4, blocks: 1 });
    perturb(m, 1);
    const p = probe(m, ['body/block_00', 'upsampler/out1', 'upsampler/out2', 'tail/conv_hr/out']);
    const x = tf.randomUniform([1, 5, 6, 3], 0, 1, 'float32', 2);
    const [body, out1, out2, hr] = p.predict(x) as tf.Tensor[];
    const stage = (t: tf.Tensor, k: number) => tf.tidy(() => {
      const y = m.getLayer(`upsampler/rprelu${k}`).apply(m.getLayer(`upsampler/upconv${k}`).apply(t) as tf.Tensor) as tf.Tensor4D;
      const near = tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [t.shape[1]! * 2, t.shape[2]! * 2]);
      return tf.add(pixelShuffle(y, 2), near);
    });
    const want1 = stage(body, 1);
    const want2 = stage(out1, 2);
    const wantHr = tf.tidy(() => tf.add(m.getLayer('tail/conv_hr/rprelu').apply(m.getLayer('tail/conv_hr/conv').apply(out2) as tf.Tensor) as tf.Tensor, out2));
    expect(out1.shape).toEqual([1, 10, 12, 4]);
    expect(out2.shape).toEqual([1, 20, 24, 4]);
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(maxDiff(out1, want1)).toBeLessThan(1e-5);
    expect(maxDiff(out2, want2)).toBeLessThan(1e-5);
    expect(maxDiff(hr, wantHr)).toBeLessThan(1e-5);
    // The nearest shortcut is a real term: without it the stage output differs.
    expect(maxDiff(out1, tf.tidy(() => tf.sub(want1, tf.image.resizeNearestNeighbor(body as tf.Tensor4D, [10, 12]))))).toBeGreaterThan(1e-3);
    tf.dispose([x, body, out1, out2, hr, want1, want2, wantHr]);
    m.dispose();
  });

  it('trains: one fit step moves the binary upsampler latent weights, no leaked tensors', async () => {
    const m = createModel('frbc-m', { scale: 2, features: 4, blocks: 1 });
    m.compile({ optimizer: tf.train.adam(1e-2), loss: 'meanAbsoluteError' });
    const lr = tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 3);
    const hr = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 4);
    const before = m.getLayer('upsampler/upconv1').getWeights()[0].dataSync().slice();
    const beforeHr = m.getLayer('tail/conv_hr/conv').getWeights()[0].dataSync().slice();
    await m.fit(lr, hr, { epochs: 1, batchSize: 2, verbose: 0 });
    const n0 = tf.memory().numTensors;
    const h = await m.fit(lr, hr, { epochs: 1, batchSize: 2, verbose: 0 });
    expect(tf.memory().numTensors).toBe(n0);
    expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
    const after = m.getLayer('upsampler/upconv1').getWeights()[0].dataSync();
    const afterHr = m.getLayer('tail/conv_hr/conv').getWeights()[0].dataSync();
    expect(after.some((v, i) => v !== before[i])).toBe(true);
    expect(afterHr.some((v, i) => v !== beforeHr[i])).toBe(true);
    tf.dispose([lr, hr]);
    m.dispose();
  });

  it('order 1 at the BBCU size matches BBCU-M\'s published x4 cost (3.95 G OPs, 51 K Params) within 0.5 %', () => {
    const m = createModel('frbc-m', { scale: 4, order: 1 });
    const t = binarySummary(m, { inputShape: [180, 320, 3] }).totals;
    // conv_first + conv_last FP: 1,792 + 1,731; binary: 32 body + 2 upconv (64→256) + conv_hr.
    expect(t.fpParams).toBe(3523);
    expect(t.binaryParams).toBe(32 * 36864 + 2 * 147456 + 36864);
    expect(Math.abs(t.ops / 1e9 - 3.95) / 3.95).toBeLessThan(0.005);
    expect(Math.abs(t.params / 1e3 - 51) / 51).toBeLessThan(0.005);
    m.dispose();
  });

  it('options: order, frbc({ upsampler }); bad values are errors naming them', () => {
    const o1 = createModel('frbc-m', { order: 1, scale: 2, features: 4, blocks: 1 });
    expect(o1.getLayer('upsampler/upconv1').getConfig().order).toBe(1);
    o1.dispose();
    const f = frbc({ scale: 2, features: 4, blocks: 1, upsampler: 'binary' });
    expect(f.name).toBe('frbc_m_x2');
    expect(f.getLayer('upsampler/upconv1').getClassName()).toBe('SRBConv2D');
    f.dispose();
    expect(() => binarySRResNet({ binarization: 'bnn', upsampler: 'binary' })).toThrow(/upsampler 'binary' needs a scheme with the BBCU unit.*'bnn'/);
    expect(() => binarySRResNet({ upsampler: 'ternary' as 'fp' })).toThrow(/upsampler must be one of fp, binary, got "ternary"/);
    expect(() => createModel('frbc-m', { upsampler: 'fp' })).toThrow(/frbc-m': unknown option 'upsampler'/);
    expect(() => createModel('frbc-m', { order: 3 })).toThrow(/frbc-m': order must be 1 or 2/);
  });
});
