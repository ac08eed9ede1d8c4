import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createModel } from '@frb/models';
import { saveModel, loadModel } from '@frb/models/node';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'frb-models-io-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('file IO without tfjs-node (model.json + weights.bin)', () => {
  it('srresnet, frbc and bbcu-l reload from disk with identical outputs and names', async () => {
    const x = tf.randomUniform([1, 5, 6, 3]);
    for (const name of ['srresnet', 'frbc', 'bbcu-l']) {
      const m = createModel(name, { scale: 3, features: 4, blocks: 2 });
      tf.tidy(() => m.setWeights(m.getWeights().map((w) => tf.add(w, tf.randomNormal(w.shape, 0, 0.05)))));
      const before = m.predict(x) as tf.Tensor;
      const dir = path.join(tmp, name);
      await saveModel(m, dir);
      expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('body/block_01/' + (name === 'srresnet' ? 'conv2/kernel' : 'unit2/conv/kernel'));
      const loaded = await loadModel(dir);
      expect(loaded.getLayer('body/block_01')).toBeDefined();
      const after = loaded.predict(x) as tf.Tensor;
      expect(Array.from(after.dataSync()), name).toEqual(Array.from(before.dataSync()));
      tf.dispose([before, after]);
      m.dispose();
      loaded.dispose();
    }
    x.dispose();
  });
});
