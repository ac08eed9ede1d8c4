// Tiling and self-ensemble on real zoo models (a tiny FRBC: binary SRB convs, RPReLU, pixel shuffle).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@frb/models';
import { predictTiled, type FloatImage } from '@frb/bench';

function image(h: number, w: number, seed: number): FloatImage {
  let s = seed;
  const data = new Float32Array(h * w * 3);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = 0.5 + 0.35 * Math.sin(i * 0.05) + 0.1 * (s / 2147483648 - 0.5);
  }
  return { data, height: h, width: w, channels: 3 };
}

describe('tiled inference of zoo models', () => {
  for (const name of ['frbc', 'srresnet']) {
    it(`${name}: tiles with 16 px of context equal the whole image within 1e-4`, async () => {
      const model = createModel(name, { scale: 2, features: 8, blocks: 2 });
      const lr = image(22, 19, 3);
      const before = tf.memory().numTensors;
      const predict = (x: tf.Tensor4D) => model.predict(x) as tf.Tensor;
      const full = await predictTiled(predict, lr, { scale: 2 });
      const tiled = await predictTiled(predict, lr, { scale: 2, tile: 8, overlap: 16 });
      let maxDiff = 0;
      for (let i = 0; i < full.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full.data[i] - tiled.data[i]));
      expect(maxDiff).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }
});
