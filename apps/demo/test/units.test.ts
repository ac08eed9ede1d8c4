// The demo's pure modules in Node: tiling as the page runs it (@frb/bench's browser entry, with the page's tile
// size and async progress), RGBA conversion, the page's size and zoom arithmetic, and the script that makes the
// page's model files (float copy and packed deployment of the shipped weights).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { predictTiled, type FloatImage } from '@frb/bench';
import { bestPretrained, createModel, findPretrained } from '@frb/models';
import { loadModel } from '@frb/models/node';
import { binarySummary } from '@frb/layers';
import { DEMO_MODELS, modelFolder, modelScales, SCALES, TILE, TILE_MARGIN, weightSet } from '../src/config.js';
import { rgbaToRgb, rgbToRgba } from '../src/image.js';
import { manifestBytes, zoomOrigin, type DemoModelInfo } from '../src/sizes.js';
import { makeDemoModel, readPinned } from '../scripts/make-model.js';

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

describe('the page\'s models', () => {
  it('runs the best shipped set of each model at each scale, FRBC-M at x4 only, and tiles with a margin its depth needs', () => {
    for (const model of DEMO_MODELS) {
      for (const scale of modelScales(model)) {
        const best = bestPretrained(model, scale)!;
        expect(weightSet(model, scale)).toBe(best.name);
        expect(modelFolder(model, scale)).toBe(`models/${model}-x${scale}-${best.name}`);
        // The 1-block radius below (7 LR pixels) grows by 2 per further block.
        expect(TILE_MARGIN, `${model} x${scale} '${best.name}'`).toBeGreaterThanOrEqual(5 + 2 * best.architecture.blocks);
      }
    }
    // A scale a model ships nothing for (from the table, so a newly pinned set changes no test) is named.
    for (const model of DEMO_MODELS) {
      const missing = SCALES.filter((s) => bestPretrained(model, s) === undefined);
      expect(modelScales(model)).toEqual(SCALES.filter((s) => !missing.includes(s)));
      for (const s of missing) expect(() => modelFolder(model, s)).toThrow(new RegExp(`no shipped '${model}' weight set at x${s}; it has `));
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
  it('writes the pinned float files byte for byte and a packed model that is exact, sized as its bits predict, and deterministic', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'frb-demo-models-'));
    const again = await mkdtemp(path.join(os.tmpdir(), 'frb-demo-models-'));
    try {
      for (const [model, scale] of DEMO_MODELS.flatMap((m) => modelScales(m).map((s) => [m, s] as const))) {
        const dir = await makeDemoModel(model, scale, out);
        expect(path.basename(dir)).toBe(path.basename(modelFolder(model, scale)));
        const pin = findPretrained(model, weightSet(model, scale)!, scale)!;
        for (const f of [pin.files.modelJson, pin.files.weightsBin]) {
          const bytes = await readFile(path.join(dir, 'float', f.file));
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
        }
        const float = await loadModel(path.join(dir, 'float'));
        const packed = await loadModel(path.join(dir, 'packed'));
        expect(packed.layers.some((l) => l.getClassName() === 'PackedChain')).toBe(true);
        expect(packed.layers.some((l) => l.getClassName() === 'SRBConv2D')).toBe(false);
        const info = (packed.getUserDefinedMetadata() as { frbDemo: DemoModelInfo }).frbDemo;
        expect(info).toEqual({ model, weights: pin.name, scale, architecture: pin.architecture, source: { modelJson: pin.files.modelJson.sha256, weightsBin: pin.files.weightsBin.sha256 } });
        // The page's sizes: the manifest of each served model.json describes its weights.bin exactly, and the packed
        // file is what the bit count predicts (FP params and scalars × 4 B + binary params × order / 8).
        const packedBin = (await readFile(path.join(dir, 'packed', 'weights.bin'))).length;
        const floatBin = (await readFile(path.join(dir, 'float', 'weights.bin'))).length;
        expect(manifestBytes(JSON.parse(await readFile(path.join(dir, 'packed', 'model.json'), 'utf8')))).toBe(packedBin);
        expect(manifestBytes(JSON.parse(await readFile(path.join(dir, 'float', 'model.json'), 'utf8')))).toBe(floatBin);
        const t = binarySummary(packed, { inputShape: [16, 16, 3] }).totals;
        expect(Math.abs(packedBin / (4 * (t.fpParams + t.scalars) + t.binaryParams / 8) - 1)).toBeLessThan(0.02);
        expect(packedBin).toBeLessThan(floatBin);
        // The packed model computes what the float simulation does.
        const x = tf.tensor4d(randomImage(11, 9, scale).data, [1, 9, 11, 3]);
        const before = tf.memory().numTensors;
        const [a, b] = [float.predict(x) as tf.Tensor, packed.predict(x) as tf.Tensor];
        expect(b.shape).toEqual([1, 9 * scale, 11 * scale, 3]);
        expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).arraySync() as number)).toBeLessThan(1e-4);
        tf.dispose([a, b]);
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
        float.dispose();
        packed.dispose();
      }
      // Deterministic: a second run writes the same bytes.
      const dir2 = await makeDemoModel('frbc', 2, again);
      for (const f of ['packed/model.json', 'packed/weights.bin']) {
        expect((await readFile(path.join(dir2, f))).equals(await readFile(path.join(out, path.basename(dir2), f)))).toBe(true);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
      await rm(again, { recursive: true, force: true });
    }
  }, 900_000);

  it('refuses a source file whose hash is not the pinned one, naming the file; an unpinned set names the setting', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'frb-demo-pin-'));
    try {
      const file = path.join(tmp, 'weights.bin');
      await writeFile(file, new Uint8Array([1, 2, 3]));
      const pin = { file: 'weights.bin', sha256: '0'.repeat(64), bytes: 3 };
      const err = await readPinned(pathToFileURL(file), pin).then(() => null, (e: Error) => e.message);
      expect(err).toContain(`make-model: ${file} has SHA-256 `);
      expect(err).toMatch(/has SHA-256 [0-9a-f]{64}; the zoo pins 0{64}/);
      await expect(readPinned(pathToFileURL(path.join(tmp, 'missing.bin')), pin)).rejects.toThrow(/cannot read .*missing\.bin/);
      await expect(makeDemoModel('frbc', 2, tmp, 'no-such-set')).rejects.toThrow(/pins no 'frbc' weight set 'no-such-set' at x2 \(src\/config\.ts weightSet\)/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('page sizes and zoom', () => {
  it('manifestBytes sizes every dtype and names an unknown one; the zoom region stays inside the image', () => {
    const json = { modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: [
      { name: 'a', shape: [2, 3], dtype: 'float32' }, { name: 'b', shape: [5], dtype: 'int32' },
      { name: 'c', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } },
    ] }] } as unknown as tf.io.ModelJSON;
    expect(manifestBytes(json)).toBe(6 * 4 + 5 * 4 + 4);
    const bad = { modelTopology: {}, weightsManifest: [{ paths: [], weights: [{ name: 's', shape: [1], dtype: 'string' }] }] } as unknown as tf.io.ModelJSON;
    expect(() => manifestBytes(bad, 'x/model.json')).toThrow(/x\/model\.json: weight 's' has dtype 'string'/);
    expect(zoomOrigin({ x: 100, y: 50 }, 384, 288, 128)).toEqual({ x: 36, y: 0, w: 128, h: 128 });
    expect(zoomOrigin({ x: 380, y: 287 }, 384, 288, 128)).toEqual({ x: 256, y: 160, w: 128, h: 128 });
    expect(zoomOrigin({ x: 10, y: 10 }, 64, 40, 128)).toEqual({ x: 0, y: 0, w: 64, h: 40 });
  });
});
