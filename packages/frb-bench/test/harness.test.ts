import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, imresize, type RawImage } from '@frb/datasets';
import {
  predictTiled, dihedral, selfEnsemble, superResolve, evaluateSet, psnr, type PredictFn,
} from '@frb/bench';
import { floatImage, rawImage, rng } from './helpers.js';

/** conv3x3 → relu → conv3x3 → depthToSpace: receptive-field radius 2 LR pixels. */
function convSR(scale: number, seed: number): { fn: PredictFn; dispose: () => void } {
  const r = rng(seed);
  const k1 = tf.tensor4d(Array.from({ length: 9 * 3 * 8 }, () => r() - 0.5), [3, 3, 3, 8]);
  const k2 = tf.tensor4d(Array.from({ length: 9 * 8 * 3 * scale * scale }, () => (r() - 0.5) * 0.3), [3, 3, 8, 3 * scale * scale]);
  const fn: PredictFn = (x) =>
    tf.depthToSpace(tf.conv2d(tf.relu(tf.conv2d(x, k1, 1, 'same')), k2, 1, 'same') as tf.Tensor4D, scale);
  return { fn, dispose: () => tf.dispose([k1, k2]) };
}

describe('tiled inference', () => {
  it('equals untiled inference (1e-4) when the overlap covers the receptive field', async () => {
    const { fn, dispose } = convSR(2, 1);
    const lr = floatImage(13, 17, 3, 2);
    const before = tf.memory().numTensors;
    const full = await predictTiled(fn, lr, { scale: 2 });
    let calls = 0;
    let largest = 0;
    const sized: PredictFn = (x) => {
      largest = Math.max(largest, x.shape[1] * x.shape[2]);
      return fn(x);
    };
    const tiled = await predictTiled(sized, lr, { scale: 2, tile: 5, overlap: 2, onTile: () => calls++ });
    expect(calls).toBe(3 * 4);
    // Memory is bounded by the tile: no model input exceeds (5 + 2·2)² LR pixels.
    expect(largest).toBe(9 * 9);
    expect(tiled.height).toBe(26);
    expect(tiled.width).toBe(34);
    let maxDiff = 0;
    for (let i = 0; i < full.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full.data[i] - tiled.data[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    // Without context the seams differ: the test above is not vacuous.
    const seams = await predictTiled(fn, lr, { scale: 2, tile: 5, overlap: 0 });
    let seamDiff = 0;
    for (let i = 0; i < full.data.length; i++) seamDiff = Math.max(seamDiff, Math.abs(full.data[i] - seams.data[i]));
    expect(seamDiff).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('works for a tfjs LayersModel and pads inputs to a multiple', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [null, null, 3], filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: 'glorotUniform' }),
        tfl.layers.upSampling2d({ size: [3, 3] }),
      ],
    });
    const lr = rawImage(10, 7, 3, 3);
    const before = tf.memory().numTensors;
    let shapes: number[][] = [];
    const fn: PredictFn = (x) => { shapes.push(x.shape); return model.predict(x) as tf.Tensor; };
    const full = await superResolve(fn, lr, { scale: 3 });
    const tiled = await superResolve(model, lr, { scale: 3, tile: 4, tileOverlap: 1 });
    expect(full.height).toBe(30);
    expect(full.width).toBe(21);
    expect([...tiled.data]).toEqual([...full.data]);
    shapes = [];
    const padded = await superResolve(fn, lr, { scale: 3, padMultiple: 8 });
    expect(shapes).toEqual([[1, 16, 8, 3]]);
    expect(padded.height).toBe(30);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rejects a model whose output is not input x scale', async () => {
    const identity: PredictFn = (x) => x.clone();
    await expect(predictTiled(identity, floatImage(4, 5, 3, 1), { scale: 2 })).rejects.toThrow(
      /model output has shape \[1, 4, 5, 3\] for a 4x5 input; expected \[1, 8, 10, C\] \(input x scale 2\)/,
    );
  });
});

describe('non-finite outputs', () => {
  it('are an error, not quantized to 0/255 silently', async () => {
    const fn: PredictFn = (x) => tf.div(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1] * 2, x.shape[2] * 2]), 0);
    const lr = rawImage(4, 4, 3, 1);
    lr.data[0] = 0; // 0/0 = NaN, the rest +Infinity
    await expect(superResolve(fn, lr, { scale: 2 })).rejects.toThrow(/model output has 192 non-finite values \(NaN or Infinity\) out of 192/);
  });
});

describe('x8 self-ensemble', () => {
  it('dihedral transforms are undone by their inverse (non-square image)', () => {
    const img = floatImage(3, 5, 2, 4);
    for (let k = 0; k < 8; k++) {
      const t = dihedral(img, k);
      expect([t.height, t.width]).toEqual(k & 4 ? [5, 3] : [3, 5]);
      expect([...dihedral(t, k, true).data]).toEqual([...img.data]);
    }
    // The 8 transforms are distinct.
    const keys = new Set(Array.from({ length: 8 }, (_, k) => dihedral(img, k).data.join(',')));
    expect(keys.size).toBe(8);
  });

  it('of an equivariant model equals the plain output', async () => {
    // Depthwise conv with a dihedrally symmetric kernel, then nearest upsampling: commutes with flips/transposes.
    const k = tf.tensor4d([1, 2, 1, 2, 4, 2, 1, 2, 1].flatMap((v) => [v / 16, v / 16, v / 16]), [3, 3, 3, 1]);
    const fn: PredictFn = (x) => {
      const y = tf.depthwiseConv2d(x, k, 1, 'same');
      return tf.image.resizeNearestNeighbor(y, [x.shape[1] * 2, x.shape[2] * 2]);
    };
    const lr = floatImage(9, 6, 3, 5);
    const before = tf.memory().numTensors;
    const plain = await predictTiled(fn, lr, { scale: 2 });
    const ens = await selfEnsemble((img) => predictTiled(fn, img, { scale: 2, tile: 4, overlap: 1 }), lr);
    let maxDiff = 0;
    for (let i = 0; i < plain.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(plain.data[i] - ens.data[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    // Through superResolve (uint8 out) the two agree up to rounding of values that sit on a .5 boundary.
    const raw = rawImage(9, 6, 3, 5);
    const a = await superResolve(fn, raw, { scale: 2 });
    const b = await superResolve(fn, raw, { scale: 2, selfEnsemble: true });
    expect(Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i])))).toBeLessThanOrEqual(1);
    expect(tf.memory().numTensors).toBe(before);
    k.dispose();
  });

  it('of a non-equivariant model differs from the plain output', async () => {
    const { fn, dispose } = convSR(2, 7);
    const lr = rawImage(8, 8, 3, 6);
    const plain = await superResolve(fn, lr, { scale: 2 });
    const ens = await superResolve(fn, lr, { scale: 2, selfEnsemble: true });
    expect(psnr(ens, plain)).toBeLessThan(60);
    dispose();
  });
});

describe('evaluateSet', () => {
  it('measures per image and per set, saves SR images, handles gray and value ranges', async () => {
    const hr1 = rawImage(24, 26, 3, 8);
    const hr2 = rawImage(25, 22, 1, 9); // gray, not a multiple of 2: mod-cropped to 24x22
    const crop2: RawImage = { data: new Uint8Array(24 * 22), height: 24, width: 22, channels: 1 };
    for (let y = 0; y < 24; y++) for (let x = 0; x < 22; x++) crop2.data[y * 22 + x] = hr2.data[y * 22 + x];
    const items = [
      { name: 'a', hr: hr1, lr: imresize(hr1, 1 / 2) },
      { name: 'b', hr: hr2, lr: imresize(crop2, 1 / 2) },
    ];
    // A 0..255 "model": nearest upsampling of a 3-channel input.
    const fn: PredictFn = (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1] * 2, x.shape[2] * 2]);
    const dir = mkdtempSync(join(tmpdir(), 'frb-bench-'));
    try {
      const seen: string[] = [];
      const before = tf.memory().numTensors;
      const res = await evaluateSet(fn, items, {
        scale: 2, set: 'toy', inputRange: 255, inputChannels: 3, saveDir: dir, rgb: true, onImage: (r) => seen.push(r.name),
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(seen).toEqual(['a', 'b']);
      expect(res.count).toBe(2);
      expect(res.psnr).toBeCloseTo((res.images[0].psnr + res.images[1].psnr) / 2, 12);
      // The same numbers from the saved files: SR is measured after uint8 quantization.
      const saved = await readImage(join(dir, 'a.png'));
      expect(psnr(saved, hr1, { shave: 2 })).toBeCloseTo(res.images[0].psnr, 10);
      const savedGray = await readImage(join(dir, 'b.png'), { keepGray: true });
      expect(savedGray.channels).toBe(1);
      expect(psnr(savedGray, crop2, { shave: 2 })).toBeCloseTo(res.images[1].psnr, 10);
      expect(res.psnrRgb).toBeGreaterThan(10);
      // Same model in the [0, 1] convention gives the same numbers.
      const res01 = await evaluateSet(fn, items, { scale: 2, inputRange: 1, inputChannels: 3 });
      expect(res01.psnr).toBeCloseTo(res.psnr, 6);
      expect(existsSync(join(dir, 'b.png'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the image when the LR does not match the HR', async () => {
    const hr = rawImage(24, 24, 3, 10);
    const fn: PredictFn = (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1] * 2, x.shape[2] * 2]);
    await expect(
      evaluateSet(fn, [{ name: 'odd', hr, lr: rawImage(11, 12, 3, 1) }], { scale: 2, set: 'toy' }),
    ).rejects.toThrow(/toy\/odd x2: SR is 22x24 but the mod-cropped HR is 24x24/);
  });
});
