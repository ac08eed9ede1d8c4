// The demo's pure modules in Node: tiling, bicubic, RGBA conversion, and the script that copies the shipped weights.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, findPretrained } from '@frb/models';
import { loadModel } from '@frb/models/node';
import { imresize } from '@frb/datasets';
import { upscaleTiled, tileStarts, type RgbImage } from '../src/tiling.js';
import { bicubicUpscale } from '../src/bicubic.js';
import { rgbaToRgb, rgbToRgba } from '../src/image.js';
import { copyShippedModel } from '../scripts/make-model.js';

function randomImage(width: number, height: number, seed: number): RgbImage {
  let s = seed;
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = s / 2147483648;
  }
  return { width, height, data };
}

describe('tiling', () => {
  it('tileStarts covers the length with a shorter last tile', () => {
    expect(tileStarts(10, 4)).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(tileStarts(4, 4)).toEqual([[0, 4]]);
  });

  it('tiled FRBC equals whole-image FRBC when the margin covers the receptive field, and leaks no tensors', async () => {
    // 1 block: receptive field radius 1 (head) + 2 (block) + 1 (upconv) + 2 (tail) LR pixels, +1 for bilinear.
    const model = createModel('frbc', { scale: 2, features: 8, blocks: 1 });
    const lr = randomImage(19, 13, 7);
    const whole = tf.tidy(() => model.predict(tf.tensor4d(lr.data, [1, 13, 19, 3])) as tf.Tensor);
    const want = await whole.data();
    whole.dispose();
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const got = await upscaleTiled((x) => model.predict(x) as tf.Tensor, lr, {
      scale: 2, tile: 6, margin: 8, onProgress: (d, n) => void progress.push(d / n),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) / 12)); // 3 rows x 4 columns
    expect([got.width, got.height]).toEqual([38, 26]);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i] - got.data[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    model.dispose();
  });

  it('names the bad argument', async () => {
    const lr = randomImage(4, 4, 1);
    const id = (x: tf.Tensor4D) => x.clone();
    await expect(upscaleTiled(id, lr, { scale: 2, tile: 0, margin: 0 })).rejects.toThrow(/tile/);
    await expect(upscaleTiled(id, { ...lr, width: 5 }, { scale: 1, tile: 2, margin: 0 })).rejects.toThrow(/expected 5x4x3/);
    await expect(upscaleTiled(id, lr, { scale: 2, tile: 2, margin: 0 })).rejects.toThrow(/output shape/);
  });
});

describe('bicubic', () => {
  it('matches MATLAB imresize (the datasets package) for x2 and x4 on float images', () => {
    const img = randomImage(11, 9, 3);
    for (const scale of [2, 4]) {
      const ours = bicubicUpscale(img, scale);
      const ref = imresize({ data: img.data, width: 11, height: 9, channels: 3 }, scale);
      expect([ref.width, ref.height]).toEqual([ours.width, ours.height]);
      let maxDiff = 0;
      for (let i = 0; i < ours.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours.data[i] - ref.data[i]));
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });
});

describe('image conversion', () => {
  it('RGBA bytes round-trip through RGB floats; out-of-range values clamp', () => {
    const rgba = new Uint8ClampedArray([0, 128, 255, 255, 10, 20, 30, 7]);
    const rgb = rgbaToRgb(rgba, 2, 1);
    expect(Array.from(rgbToRgba(rgb))).toEqual([0, 128, 255, 255, 10, 20, 30, 255]);
    expect(Array.from(rgbToRgba({ width: 1, height: 1, data: new Float32Array([-0.5, 1.7, 0.5]) }))).toEqual([0, 255, 128, 255]);
    expect(() => rgbaToRgb(rgba, 3, 1)).toThrow(/3x1 RGBA/);
  });
});

describe('make-model', () => {
  it('copies the shipped FRBC weights, byte for byte as pinned in the zoo, and they load as a working x2/x4 model', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'frb-demo-models-'));
    try {
      for (const scale of [2, 4] as const) {
        const dir = await copyShippedModel(scale, out);
        const pin = findPretrained('frbc', 'small-291', scale)!;
        const bin = await readFile(path.join(dir, 'weights.bin'));
        expect(createHash('sha256').update(bin).digest('hex')).toBe(pin.files.weightsBin.sha256);
        const model = await loadModel(dir);
        const y = tf.tidy(() => model.predict(tf.fill([1, 6, 5, 3], 0.5)) as tf.Tensor);
        expect(y.shape).toEqual([1, 6 * scale, 5 * scale, 3]);
        y.dispose();
        model.dispose();
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
