import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createModel } from '@frb/models';
import { toMemory } from './helpers.js';

const CONV_MODELS = ['srresnet', 'frbc', 'frbc-m', 'frbc-o1', 'bbcu-l', 'srresnet-reactnet', 'srresnet-bireal', 'srresnet-xnor', 'srresnet-bnn'];

describe('save/load round trip (standard tfjs model.json + weights)', () => {
  it('every conv model reloads through tf.loadLayersModel with identical outputs', async () => {
    const x = tf.randomUniform([1, 6, 7, 3]);
    for (const name of CONV_MODELS) {
      const m = createModel(name, { scale: 2, features: 4, blocks: 2 });
      // move the RSign thresholds / RPReLU params off their initial values so the round trip is a real check
      tf.tidy(() => m.setWeights(m.getWeights().map((w) => tf.add(w, tf.randomNormal(w.shape, 0, 0.05)))));
      const before = m.predict(x) as tf.Tensor;
      const artifacts = await toMemory(m);
      expect(artifacts.weightSpecs!.some((s) => s.name.startsWith('body/block_00/'))).toBe(true);
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
      expect(loaded.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
      const after = loaded.predict(x) as tf.Tensor;
      expect(Array.from(after.dataSync()), name).toEqual(Array.from(before.dataSync()));
      tf.dispose([before, after]);
      m.dispose();
      loaded.dispose();
    }
    x.dispose();
  });
});
