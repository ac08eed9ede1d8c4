import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { srresnet, createModel, listModels, blockNames } from '@frb/models';

describe('SRResNet (FP twin)', () => {
  it('has 1,517,571 parameters at x4, C = 64, N = 16 (BasicSR MSRResNet)', () => {
    const m = srresnet({ scale: 4 });
    expect(m.countParams()).toBe(1_517_571);
    m.dispose();
  });

  it('produces [1, s·H, s·W, 3] at scales 2, 3, 4 for any input size', () => {
    for (const scale of [2, 3, 4]) {
      const m = createModel('srresnet', { scale, features: 8, blocks: 2 });
      const x = tf.randomUniform([1, 5, 7, 3]);
      const y = m.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 5 * scale, 7 * scale, 3]);
      tf.dispose([x, y]);
      m.dispose();
    }
  });

  it('names its block boundaries body/block_NN', () => {
    const m = srresnet({ scale: 2, features: 4, blocks: 3 });
    for (const n of blockNames(3)) expect(m.getLayer(n).getClassName()).toBe('Add');
    m.dispose();
  });

  it('rejects bad options and unknown names with errors naming them', () => {
    expect(() => srresnet({ scale: 5 })).toThrow(/scale must be one of 2, 3, 4/);
    expect(() => srresnet({ features: 0 })).toThrow(/features/);
    expect(() => createModel('nope')).toThrow(/unknown model 'nope'.*srresnet/);
    expect(() => createModel('srresnet', { weights: 'small-291' })).toThrow(/no pretrained weight set 'small-291'/);
    expect(listModels().map((m) => m.name)).toContain('srresnet');
  });

  it('survives a memory save/load round trip with identical outputs', async () => {
    const m = srresnet({ scale: 3, features: 6, blocks: 2 });
    const x = tf.randomUniform([1, 6, 5, 3]);
    const before = m.predict(x) as tf.Tensor;
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const after = loaded.predict(x) as tf.Tensor;
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    expect(loaded.getLayer('body/block_01')).toBeDefined();
    tf.dispose([x, before, after]);
    m.dispose();
    loaded.dispose();
  });
});
