import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createModel } from '@frb/models';
import { saveModel, saveModelAtomic, loadModel } from '@frb/models/node';

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

  it('saveModelAtomic: refuses an existing folder without overwrite, replaces only a saved model with it, leaves no temporary folder', async () => {
    const a = createModel('srresnet', { scale: 2, features: 4, blocks: 1 });
    const b = createModel('srresnet', { scale: 2, features: 4, blocks: 1 });
    const dir = path.join(tmp, 'atomic', 'model');
    await saveModelAtomic(a, dir);
    const first = fs.readFileSync(path.join(dir, 'weights.bin'));
    await expect(saveModelAtomic(b, dir)).rejects.toThrow(/'.*atomic\/model' already exists; not overwritten/);
    expect(fs.readFileSync(path.join(dir, 'weights.bin')).equals(first)).toBe(true);
    await saveModelAtomic(b, dir, { overwrite: true });
    const x = tf.randomUniform([1, 3, 4, 3], 0, 1, 'float32', 1);
    const loaded = await loadModel(dir);
    const [want, got] = [b.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    // A folder with other files is never replaced (they would be deleted), nor is a file.
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    await expect(saveModelAtomic(a, dir, { overwrite: true })).rejects.toThrow(/holds other files than model\.json and weights\.bin \(notes\.txt\)/);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    const file = path.join(tmp, 'atomic', 'plain-file');
    fs.writeFileSync(file, 'x');
    await expect(saveModelAtomic(a, file, { overwrite: true })).rejects.toThrow(/plain-file' exists and is not a folder/);
    expect(fs.readdirSync(path.join(tmp, 'atomic')).sort()).toEqual(['model', 'plain-file']);
    tf.dispose([x, want, got]);
    [a, b, loaded].forEach((m) => m.dispose());
  });
});
