import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { binarizeModel, planBinarization, srresnet, blockNames } from '@frb/models';

// A small classifier written the way a third party would: stock layers, auto names, activations inside layers.
function thirdPartySequential(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 16, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 4 }));
  return m;
}

function thirdPartyFunctional(): tfl.LayersModel {
  const inp = tfl.input({ shape: [null, null, 3] });
  const a = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'stem' }).apply(inp) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'res_conv', activation: 'relu' }).apply(a) as tfl.SymbolicTensor;
  const c = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
  const d = tfl.layers.conv2d({ filters: 6, kernelSize: 1, name: 'mix' }).apply(c) as tfl.SymbolicTensor;
  const e = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'out' }).apply(d) as tfl.SymbolicTensor;
  return tfl.model({ inputs: inp, outputs: e });
}

describe('binarizeModel', () => {
  it('converts a sequential model, keeping the first and last layers FP and copying latent weights', async () => {
    const fp = thirdPartySequential();
    const plan = planBinarization(fp);
    const names = fp.layers.filter((l) => ['Conv2D', 'Dense'].includes(l.getClassName())).map((l) => l.name);
    expect(plan.keep).toEqual([names[0], names[4]]);
    expect(plan.convert).toEqual(names.slice(1, 4));

    const bin = await binarizeModel(fp, { order: 2 });
    expect(bin.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'SRBConv2D', 'MaxPooling2D', 'SRBConv2D', 'Flatten', 'SRBDense', 'Dense']);
    for (const l of fp.layers) {
      const nl = bin.getLayer(l.name);
      const oldW = l.getWeights();
      const newW = nl.getWeights();
      // every original weight (kernel, bias) reappears unchanged; SRB adds only its threshold
      for (let i = 0; i < oldW.length; i++) {
        expect(Array.from(newW[i].dataSync())).toEqual(Array.from(oldW[i].dataSync()));
      }
      if (plan.convert.includes(l.name)) {
        expect(nl.getConfig().order).toBe(2);
        expect(nl.weights.map((w) => w.originalName.split('/').pop())).toContain('threshold');
      }
    }
    // the FP model is untouched and both still run
    const x = tf.randomUniform([2, 8, 8, 3]);
    const y1 = fp.predict(x) as tf.Tensor;
    const y2 = bin.predict(x) as tf.Tensor;
    expect(y2.shape).toEqual(y1.shape);
    expect(fp.layers[1].getClassName()).toBe('Conv2D');
    tf.dispose([x, y1, y2]);
    fp.dispose();
    bin.dispose();
  });

  it('converts a functional model with a residual branch; include/exclude select layers; the result trains', async () => {
    const fp = thirdPartyFunctional();
    expect(planBinarization(fp).convert).toEqual(['res_conv', 'mix']);
    expect(planBinarization(fp, { exclude: 'mix' }).convert).toEqual(['res_conv']);
    expect(planBinarization(fp, { include: [/^res/, 'out'] }).convert).toEqual(['res_conv', 'out']);
    expect(() => planBinarization(fp, { exclude: 'nope' })).toThrow(/exclude names layer 'nope'/);

    const bin = await binarizeModel(fp, { order: 1, inputQuantizer: 'steSign' });
    expect(bin.getLayer('res_conv').getClassName()).toBe('SRBConv2D');
    expect(bin.getLayer('res_conv').getConfig().inputQuantizer).toMatch(/ste_?[sS]ign/);
    expect(bin.getLayer('stem').getClassName()).toBe('Conv2D');

    bin.compile({ optimizer: tf.train.adam(1e-2), loss: 'meanSquaredError' });
    const x = tf.randomUniform([4, 6, 6, 3], -1, 1, 'float32', 3);
    const y = tf.randomUniform([4, 6, 6, 3], -1, 1, 'float32', 4);
    const l0 = (bin.evaluate(x, y) as tf.Scalar);
    const before = l0.dataSync()[0];
    l0.dispose();
    await bin.fit(x, y, { epochs: 1, verbose: 0 });
    const n0 = tf.memory().numTensors;
    await bin.fit(x, y, { epochs: 10, verbose: 0 });
    expect(tf.memory().numTensors).toBe(n0);
    const l1 = bin.evaluate(x, y) as tf.Scalar;
    expect(l1.dataSync()[0]).toBeLessThan(before);
    tf.dispose([x, y, l1]);
    fp.dispose();
    bin.dispose();
  });

  it('rejects non-convertible includes and nested models by name', async () => {
    const inner = thirdPartyFunctional();
    const inp = tfl.input({ shape: [5, 5, 3] });
    const outer = tfl.model({ inputs: inp, outputs: inner.apply(inp) as tfl.SymbolicTensor });
    expect(() => planBinarization(outer)).toThrow(/nested model/);
    const seq = thirdPartySequential();
    const poolName = seq.layers[2].name;
    expect(() => planBinarization(seq, { include: poolName })).toThrow(new RegExp(`include names layer '${poolName}' of class MaxPooling2D`));
    // a pattern matching everything converts only what can be converted
    expect(planBinarization(seq, { include: /.*/ }).convert).toHaveLength(5);
    expect(planBinarization(seq, { include: /.*/, dense: false }).convert).toHaveLength(3);
    inner.dispose();
    seq.dispose();
  });

  it('binarizes the body of our own SRResNet (custom layers in the topology) and keeps block names', async () => {
    const fp = srresnet({ scale: 2, features: 4, blocks: 2 });
    const bin = await binarizeModel(fp, { include: /^body\//, order: 2 });
    expect(bin.layers.filter((l) => l.getClassName() === 'SRBConv2D').map((l) => l.name)).toEqual([
      'body/block_00/conv1', 'body/block_00/conv2', 'body/block_01/conv1', 'body/block_01/conv2',
    ]);
    for (const n of blockNames(2)) expect(bin.getLayer(n).getClassName()).toBe('Add');
    expect(bin.getLayer('upsampler/shuffle1').getClassName()).toBe('PixelShuffle');
    const x = tf.randomUniform([1, 4, 4, 3]);
    const y = bin.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 8, 8, 3]);
    tf.dispose([x, y]);
    fp.dispose();
    bin.dispose();
  });
});
