// The demo's pure modules in Node: tiling as the page runs it (@frb/bench's browser entry, with the page's tile
// size and async progress), RGBA conversion, and the script that copies the shipped weights.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { predictTiled, type FloatImage } from '@frb/bench';
import { createModel, findPretrained } from '@frb/models';
import { loadModel } from '@frb/models/node';
import { TILE, TILE_MARGIN } from '../src/config.js';
import { rgbaToRgb, rgbToRgba } from '../src/image.js';
import { copyShippedModel } from '../scripts/make-model.js';

function randomImage(width: number, height: number, seed: number): FloatImage {
  let s = seed;
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = s / 2147483648;
  }
  return { width, height, channels: 3, data };
}

describe('tiling as the page runs it', () => {
  it('tiled FRBC equals whole-image FRBC with the page margin, awaits each progress call, and leaks no tensors', async () => {
    // 1 block: receptive field radius 1 (head) + 2 (block) + 1 (upconv) + 2 (tail) LR pixels, +1 for bilinear.
    expect(TILE_MARGIN).toBeGreaterThanOrEqual(7);
    const model = createModel('frbc', { scale: 2, features: 8, blocks: 1 });
    const [w, h] = [TILE + 9, TILE + 3]; // 2 x 2 tiles, the last ones short
    const lr = randomImage(w, h, 7);
    const whole = tf.tidy(() => model.predict(tf.tensor4d(lr.data, [1, h, w, 3])) as tf.Tensor);
    const want = await whole.data();
    whole.dispose();
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    let pending = 0;
    const got = await predictTiled((x) => model.predict(x) as tf.Tensor, lr, {
      scale: 2, tile: TILE, overlap: TILE_MARGIN,
      onTile: async (d, n) => {
        expect(pending).toBe(0); // the previous call finished before the next tile ran
        pending++;
        await new Promise((r) => setTimeout(r, 0));
        progress.push(d / n);
        pending--;
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([0.25, 0.5, 0.75, 1]);
    expect([got.width, got.height, got.channels]).toEqual([2 * w, 2 * h, 3]);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i] - got.data[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    model.dispose();
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
