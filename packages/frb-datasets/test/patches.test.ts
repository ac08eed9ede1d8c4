import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  benchmarkSet,
  decodedCachePath,
  imageFolder,
  imresize,
  loadPair,
  LruCache,
  lrCachePath,
  modcrop,
  pairedPatchDataset,
  patchBatches,
  readImageCached,
  writePng,
  type ImagePair,
  type LoadedPair,
  type PatchBatch,
  type PatchDatasetOptions,
} from '@frb/datasets';
import { coordImage, countDiff, randomImage, tempDir } from './helpers.js';

let dir = '';
let cleanup = async () => {};
let pairs: ImagePair[] = [];
const S = 2;
const SIZES: [number, number][] = [
  [40, 48],
  [36, 60],
  [44, 44],
];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  // HR pixels hold their own HR coordinates and LR pixels their LR coordinates (blue = image id), so every
  // patch shows exactly where it was cut from and how it was flipped.
  const root = join(dir, 'bench');
  for (let i = 0; i < SIZES.length; i++) {
    const [h, w] = SIZES[i]!;
    await writePng(join(root, 'Coord', 'HR', `im${i}.png`), coordImage(h, w, i));
    await writePng(join(root, 'Coord', 'LR_bicubic', `X${S}`, `im${i}x${S}.png`), coordImage(h / S, w / S, i));
  }
  pairs = await benchmarkSet(root, 'Coord', S);
});
afterAll(() => cleanup());

async function collect(ps: ImagePair[], opts: PatchDatasetOptions, pass = 0): Promise<PatchBatch[]> {
  const out: PatchBatch[] = [];
  for await (const b of patchBatches(ps, opts, pass)) out.push(b);
  return out;
}

const at = (a: Float32Array, i: number) => Math.round(a[i]! * 255);

/**
 * Checks one sample: LR patch is a p×p block of its image under one of the 8 flips/transposes, and every HR
 * pixel lies inside the s×s block of the LR pixel at the same patch place. Returns the transform seen.
 */
function checkSample(b: PatchBatch, k: number, p: number): string {
  const P = p * S;
  const lr = (i: number, j: number) => {
    const o = ((k * p + i) * p + j) * 3;
    return [at(b.xs, o), at(b.xs, o + 1), at(b.xs, o + 2)] as const;
  };
  const hr = (i: number, j: number) => {
    const o = ((k * P + i) * P + j) * 3;
    return [at(b.ys, o), at(b.ys, o + 1), at(b.ys, o + 2)] as const;
  };
  const id = lr(0, 0)[2];
  expect(`im${id}`).toBe(b.names[k]);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      const [y, x, t] = lr(i, j);
      expect(t).toBe(id);
      for (let di = 0; di < S; di++) {
        for (let dj = 0; dj < S; dj++) {
          const [Y, X, T] = hr(i * S + di, j * S + dj);
          expect([Math.floor(Y / S), Math.floor(X / S), T]).toEqual([y, x, id]);
        }
      }
    }
  }
  // Which transform: compare the patch's step along i and j in image coordinates.
  const [y0, x0] = lr(0, 0);
  const [yi, xi] = lr(1, 0);
  const [yj, xj] = lr(0, 1);
  const transpose = yi === y0; // moving down the patch moves along x in the image
  const vflip = transpose ? yj < y0 : yi < y0;
  const hflip = transpose ? xi < x0 : xj < x0;
  expect(Math.abs(yi - y0) + Math.abs(xi - x0)).toBe(1);
  expect(Math.abs(yj - y0) + Math.abs(xj - x0)).toBe(1);
  return `${+hflip}${+vflip}${+transpose}`;
}

describe('pairedPatchDataset / patchBatches', () => {
  it('cuts LR p×p and HR p·s×p·s at the same place with identical flips; all 8 transforms occur', async () => {
    const p = 6;
    const batches = await collect(pairs, { patchSize: p, batchSize: 8, iterations: 12, seed: 3 });
    expect(batches.length).toBe(12);
    const seen = new Set<string>();
    for (const b of batches) {
      expect(b.xs.length).toBe(8 * p * p * 3);
      expect(b.ys.length).toBe(8 * p * S * p * S * 3);
      for (let k = 0; k < b.batchSize; k++) seen.add(checkSample(b, k, p));
    }
    expect(seen.size).toBe(8);
    const plain = await collect(pairs, { patchSize: p, batchSize: 8, iterations: 3, augment: false });
    for (const b of plain) for (let k = 0; k < 8; k++) expect(checkSample(b, k, p)).toBe('000');
    const onlyH = await collect(pairs, { patchSize: p, batchSize: 8, iterations: 3, augment: { hflip: true } });
    const hs = new Set(onlyH.flatMap((b) => Array.from({ length: 8 }, (_, k) => checkSample(b, k, p))));
    expect([...hs].sort()).toEqual(['000', '100']);
  });

  it('crops reach every valid position range (top-left to bottom-right) over many samples', async () => {
    const one = pairs.filter((q) => q.name === 'im2'); // LR 22×22
    const p = 20;
    const tops = new Set<number>();
    for (const b of await collect(one, { patchSize: p, batchSize: 16, iterations: 4, augment: false })) {
      for (let k = 0; k < 16; k++) tops.add(at(b.xs, k * p * p * 3));
    }
    expect([...tops].sort()).toEqual([0, 1, 2]);
  });

  it('is reproducible: same seed → same batches, regardless of batch size; another seed or pass differs', async () => {
    const o = { patchSize: 5, iterations: 4, seed: 11 };
    const a = await collect(pairs, { ...o, batchSize: 4 });
    const b = await collect(pairs, { ...o, batchSize: 4 });
    expect(a.map((x) => x.xs)).toEqual(b.map((x) => x.xs));
    expect(a.map((x) => x.ys)).toEqual(b.map((x) => x.ys));
    const halves = await collect(pairs, { ...o, batchSize: 2, iterations: 8 });
    const cat = (bs: PatchBatch[]) => Float32Array.from(bs.flatMap((x) => Array.from(x.ys)));
    expect(countDiff(cat(halves), cat(a))).toBe(0);
    const other = await collect(pairs, { ...o, batchSize: 4, seed: 12 });
    expect(countDiff(cat(other), cat(a))).toBeGreaterThan(0);
    const pass1 = await collect(pairs, { ...o, batchSize: 4 }, 1);
    expect(countDiff(cat(pass1), cat(a))).toBeGreaterThan(0);
    // Resuming at iteration 4 of pass 0 is exactly pass 1.
    const resumed = await collect(pairs, { ...o, batchSize: 4, startIteration: 4 });
    expect(countDiff(cat(resumed), cat(pass1))).toBe(0);
  });

  it('epoch mode: each epoch is a shuffled pass with every image patchesPerImage times; last batch kept or dropped', async () => {
    const o = { patchSize: 4, batchSize: 2, epochs: 2, seed: 5 };
    const bs = await collect(pairs, o);
    expect(bs.map((b) => b.batchSize)).toEqual([2, 1, 2, 1]);
    expect(bs.slice(0, 2).flatMap((b) => b.names).sort()).toEqual(['im0', 'im1', 'im2']);
    expect(bs.slice(2).flatMap((b) => b.names).sort()).toEqual(['im0', 'im1', 'im2']);
    expect((await collect(pairs, { ...o, dropRemainder: true })).map((b) => b.batchSize)).toEqual([2, 2]);
    const twice = await collect(pairs, { ...o, epochs: 1, batchSize: 4, patchesPerImage: 2 });
    expect(twice.map((b) => b.batchSize)).toEqual([4, 2]);
    expect(twice.flatMap((b) => b.names).sort()).toEqual(['im0', 'im0', 'im1', 'im1', 'im2', 'im2']);
    // Orders differ between epochs (6 images make a repeat by chance unlikely but possible: check over 4 epochs).
    const many = await collect(pairs, { ...o, batchSize: 3, epochs: 4 });
    expect(new Set(many.map((b) => b.names.join())).size).toBeGreaterThan(1);
  });

  it('keeps at most cacheSize decoded images in memory', async () => {
    const lru = new LruCache<number, Promise<LoadedPair>>(1);
    let n = 0;
    for await (const b of patchBatches(pairs, { patchSize: 4, batchSize: 3, iterations: 5, cacheSize: 1 }, 0, lru)) {
      n += b.batchSize;
      expect(lru.size).toBeLessThanOrEqual(1);
    }
    expect(n).toBe(15);
  });

  it('yields float32 tensors [B,p,p,3] / [B,ps,ps,3] in [0,1] and leaks none when iterated twice', async () => {
    const ds = pairedPatchDataset(pairs, { scale: S, patchSize: 5, batchSize: 3, iterations: 3, seed: 1 });
    const before = tf.memory().numTensors;
    const firstPass: number[] = [];
    for (let pass = 0; pass < 2; pass++) {
      const it = await ds.iterator();
      for (let r = await it.next(); !r.done; r = await it.next()) {
        const { xs, ys } = r.value;
        expect(xs.shape).toEqual([3, 5, 5, 3]);
        expect(ys.shape).toEqual([3, 10, 10, 3]);
        expect(xs.dtype).toBe('float32');
        const v = xs.dataSync();
        expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...v)).toBeLessThanOrEqual(1);
        if (pass === 0) firstPass.push(...v);
        else if (firstPass.length) {
          // The second pass continues the random stream: different patches.
          expect(countDiff(v, firstPass.splice(0, v.length))).toBeGreaterThan(0);
          firstPass.length = 0;
        }
        tf.dispose([xs, ys]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('feeds model.fitDataset (an upsample + per-pixel dense model; no conv, whose gradient wasm lacks)', async () => {
    const before = tf.memory().numTensors;
    const model = tfl.sequential({
      layers: [
        tfl.layers.upSampling2d({ size: [S, S], inputShape: [null, null, 3] as unknown as number[] }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const ds = pairedPatchDataset(pairs, { patchSize: 4, batchSize: 2, epochs: 1, seed: 2 });
    const h = await model.fitDataset(ds, { epochs: 2, verbose: 0 });
    expect(h.history.loss!.length).toBe(2);
    for (const l of h.history.loss!) expect(Number.isFinite(l as number)).toBe(true);
    model.dispose();
    // fitDataset disposes every batch it took from the dataset: nothing of ours is left behind.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a patch larger than an image is an error naming the image (up front, or at the batch)', async () => {
    const ds = pairedPatchDataset(pairs, { patchSize: 21, batchSize: 2, iterations: 1 });
    await expect(ds.forEachAsync(() => {})).rejects.toThrow(/patch 21 .*larger than 2 image\(s\).*im0\.png.*LR 20x24/s);
    await expect(collect(pairs, { patchSize: 21, batchSize: 6, iterations: 2 })).rejects.toThrow(/patch 21 does not fit image ".*im\d\.png"/);
  });

  it('rejects bad options naming them', () => {
    const ok = { patchSize: 4, batchSize: 2, iterations: 1 };
    expect(() => pairedPatchDataset(pairs, { ...ok, epochs: 1 })).toThrow(/exactly one of iterations/);
    expect(() => pairedPatchDataset(pairs, { patchSize: 4, batchSize: 2 })).toThrow(/exactly one of iterations/);
    expect(() => pairedPatchDataset(pairs, { ...ok, patchSize: 0 })).toThrow(/patchSize must be an integer >= 1/);
    expect(() => pairedPatchDataset(pairs, { ...ok, batchSize: 1.5 })).toThrow(/batchSize/);
    expect(() => pairedPatchDataset(pairs, { ...ok, scale: 4 })).toThrow(/scale 4 given but the pairs are x2/);
    expect(() => pairedPatchDataset([], ok)).toThrow(/no image pairs/);
    expect(() => pairedPatchDataset(pairs, { ...ok, startEpoch: 2 })).toThrow(/startEpoch and dropRemainder apply to epochs mode/);
    expect(() => pairedPatchDataset(pairs, { patchSize: 4, batchSize: 2, epochs: 1, startIteration: 3 })).toThrow(
      /startIteration applies to iterations mode/,
    );
    expect(() => pairedPatchDataset([pairs[0]!, { ...pairs[1]!, scale: 3 }], ok)).toThrow(/im1\.png" is x3/);
  });
});

describe('decoded-image disk cache (cacheDecoded)', () => {
  it('gives the very same batches, stores raw entries, and reads them back instead of decoding', async () => {
    const cacheDir = join(dir, 'cache-decoded');
    const o = { patchSize: 5, batchSize: 4, iterations: 3, seed: 21 };
    const plain = await collect(pairs, o);
    const first = await collect(pairs, { ...o, cacheDir, cacheDecoded: true });
    const again = await collect(pairs, { ...o, cacheDir, cacheDecoded: true });
    for (const bs of [first, again]) {
      expect(bs.map((b) => b.ys)).toEqual(plain.map((b) => b.ys));
      expect(bs.map((b) => b.xs)).toEqual(plain.map((b) => b.xs));
    }
    for (const p of pairs) {
      expect(existsSync(decodedCachePath(cacheDir, p.hrPath))).toBe(true);
      expect(existsSync(decodedCachePath(cacheDir, p.lrPath!))).toBe(true);
    }
    // A valid entry is what gets read: alter its last pixel byte and the image read changes with it.
    const entry = decodedCachePath(cacheDir, pairs[0]!.hrPath);
    const bytes = await readFile(entry);
    bytes[bytes.length - 1] = 200;
    await writeFile(entry, bytes);
    const img = await readImageCached(pairs[0]!.hrPath, {}, cacheDir);
    expect(img.data[img.data.length - 1]).toBe(200);
    await expect(loadPair(pairs[0]!, { cacheDecoded: true, cacheDir: false })).rejects.toThrow(/cacheDecoded needs a cacheDir/);
    await expect(readImageCached(join(dir, 'none.png'), {}, cacheDir)).rejects.toThrow(/none\.png/);
  });
});

describe('generated LR disk cache', () => {
  it('is used while the HR file is unchanged and regenerated when it changes', async () => {
    const folder = join(dir, 'plain');
    const hrPath = join(folder, 'h.png');
    const hr1 = randomImage(12, 16, 3, 31);
    await writePng(hrPath, hr1);
    const cacheDir = join(dir, 'cache');
    const [pair] = await imageFolder(folder, 4);
    const first = await loadPair(pair!, { cacheDir });
    expect(countDiff(first.lr.data, imresize(modcrop(hr1, 4), 1 / 4).data)).toBe(0);
    const file = lrCachePath(cacheDir, hrPath, 4, 3);
    // Tamper with the cached pixels: a valid entry is read back as is (proof the cache is used)…
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + 1) % 256;
    await writeFile(file, bytes);
    const cached = await loadPair(pair!, { cacheDir });
    expect(cached.lr.data[cached.lr.data.length - 1]).toBe(bytes[bytes.length - 1]);
    // …until the HR changes (new content and mtime): then the LR is recomputed from the new HR.
    const hr2 = randomImage(12, 16, 3, 32);
    await writePng(hrPath, hr2);
    const later = new Date(Date.now() + 5000);
    await utimes(hrPath, later, later);
    const fresh = await loadPair(pair!, { cacheDir });
    expect(countDiff(fresh.lr.data, imresize(modcrop(hr2, 4), 1 / 4).data)).toBe(0);
    // cacheDir: false never touches the disk but gives the same LR.
    const none = await loadPair(pair!, { cacheDir: false });
    expect(countDiff(none.lr.data, fresh.lr.data)).toBe(0);
  });
});
