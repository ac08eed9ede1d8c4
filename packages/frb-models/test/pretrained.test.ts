// Shipped pretrained weights: pinned hashes, loading through createModel, and the errors around them.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  PRETRAINED, bestPretrained, createModel, pretrainedNames, deployModel, listModels, loadPretrained, modelInfo, setPretrainedFileReader, sha256Hex,
} from '@frb/models';
import { loadModel } from '@frb/models/node';

const weightsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../weights');
const folderOf = (p: (typeof PRETRAINED)[number]) => path.join(weightsRoot, `${p.model}-x${p.scale}-${p.name}`);
const nodeSha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const first = PRETRAINED[0]!;
const input = () => tf.randomUniform([1, 9, 7, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the first set's folder in a temp dir, as a folder URL. */
function copyOfFirst(): { dir: string; url: URL } {
  const dir = mkdtempSync(path.join(tmpdir(), 'frb-pretrained-'));
  tmpDirs.push(dir);
  cpSync(folderOf(first), dir, { recursive: true });
  return { dir, url: pathToFileURL(`${dir}/`) };
}

describe('pinned weight sets', () => {
  it('ships FRBC small-291 and lists it in the registry', () => {
    expect(PRETRAINED.length).toBeGreaterThan(0);
    expect(PRETRAINED.some((p) => p.model === 'frbc' && p.name === 'small-291' && p.scale === 2)).toBe(true);
    expect(modelInfo('frbc')!.weights).toContain('small-291');
    expect(listModels().find((m) => m.name === 'frbc')!.weights).toContain('small-291');
    expect(modelInfo('srresnet')!.weights).toBeUndefined();
  });

  for (const p of PRETRAINED) {
    it(`${p.model} x${p.scale} ${p.name}: the files match the pinned SHA-256 and sizes, and are small`, () => {
      for (const f of [p.files.modelJson, p.files.weightsBin]) {
        const file = path.join(folderOf(p), f.file);
        expect(nodeSha(file), file).toBe(f.sha256);
        expect(readFileSync(file).length).toBe(f.bytes);
      }
      expect(p.files.weightsBin.bytes).toBeLessThan(1024 * 1024);
      expect(fileURLToPath(p.urls().weightsBin)).toBe(path.join(folderOf(p), 'weights.bin'));
      expect(p.provenance.iterations).toBeGreaterThan(0);
    });

    it(`${p.model} x${p.scale} ${p.name}: createModel with weights equals loading the folder directly`, async () => {
      const before = tf.memory().numTensors;
      const a = await createModel(p.model, { scale: p.scale, weights: p.name });
      const b = await loadModel(folderOf(p));
      const x = input();
      const ya = a.predict(x) as tf.Tensor;
      const yb = b.predict(x) as tf.Tensor;
      expect(ya.shape).toEqual([1, 9 * p.scale, 7 * p.scale, 3]);
      expect(Array.from(await ya.data())).toEqual(Array.from(await yb.data()));
      // Trained weights, not a fresh initialization: a new model of the same architecture differs.
      const fresh = createModel(p.model, { scale: p.scale, features: p.architecture.features, blocks: p.architecture.blocks });
      const yf = fresh.predict(x) as tf.Tensor;
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(yf, ya))).dataSync()[0])).toBeGreaterThan(1e-3);
      tf.dispose([x, ya, yb, yf]);
      a.dispose();
      b.dispose();
      fresh.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('shipped packed forms', () => {
  for (const p of PRETRAINED.filter((q) => q.files.packed)) {
    it(`${p.model} x${p.scale} ${p.name}: packed files match their pins, are smaller, and equal deployModel of the training form`, async () => {
      const packed = p.files.packed!;
      for (const f of [packed.modelJson, packed.weightsBin]) {
        const file = path.join(folderOf(p), 'packed', f.file);
        expect(nodeSha(file), file).toBe(f.sha256);
        expect(readFileSync(file).length).toBe(f.bytes);
      }
      expect(fileURLToPath(p.urls().packedBin!)).toBe(path.join(folderOf(p), 'packed', 'weights.bin'));
      expect(packed.weightsBin.bytes).toBeLessThan(p.files.weightsBin.bytes * 0.6);
      const before = tf.memory().numTensors;
      const shipped = await createModel(p.model, { scale: p.scale, weights: p.name, packed: true });
      expect(shipped.layers.some((l) => l.getClassName() === 'PackedChain')).toBe(true);
      const latent = await createModel(p.model, { scale: p.scale, weights: p.name });
      const made = await deployModel(latent);
      const x = input();
      const [a, b] = [shipped.predict(x) as tf.Tensor, made.predict(x) as tf.Tensor];
      // Same layers, same weights, same kernels: bit for bit.
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([x, a, b]);
      for (const m of [shipped, latent, made]) m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('packed: true reads packed/ under weightsUrl; a non-boolean packed is an error naming the set', async () => {
    const seen: string[] = [];
    const m = await createModel('frbc', {
      scale: first.scale, weights: first.name, packed: true,
      fetcher: async (u: URL) => {
        seen.push(path.relative(folderOf(first), fileURLToPath(u)));
        return new Uint8Array(readFileSync(fileURLToPath(u)));
      },
    });
    expect(seen.sort()).toEqual([path.join('packed', 'model.json'), path.join('packed', 'weights.bin')]);
    m.dispose();
    expect(() => loadPretrained('frbc', { scale: first.scale, weights: first.name, packed: 'yes' as unknown as boolean })).toThrow(new RegExp(`weights '${first.name}'.*packed must be true or false`));
  });

  it('bestPretrained picks the set with the highest logged Set5 PSNR at that scale', () => {
    for (const scale of [...new Set(PRETRAINED.map((p) => p.scale))]) {
      const best = bestPretrained('frbc', scale)!;
      for (const p of PRETRAINED.filter((q) => q.model === 'frbc' && q.scale === scale)) {
        expect(best.provenance.set5Psnr!).toBeGreaterThanOrEqual(p.provenance.set5Psnr!);
      }
    }
    expect(bestPretrained('frbc', 7)).toBeUndefined();
  });
});

describe('the loaded weights deploy', () => {
  it('deployModel packs the loaded FRBC (1-bit body weights) and gives the same output within float rounding', async () => {
    const m = await createModel(first.model, { scale: first.scale, weights: first.name });
    const d = await deployModel(m);
    const x = input();
    const [a, b] = [m.predict(x) as tf.Tensor, d.predict(x) as tf.Tensor];
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    m.dispose();
    d.dispose();
  });
});

describe('loading errors', () => {
  it('a tampered weights.bin (copy in a temp dir) fails, naming the file; the untampered copy loads', async () => {
    const { dir, url } = copyOfFirst();
    const ok = await createModel(first.model, { scale: first.scale, weights: first.name, weightsUrl: url });
    ok.dispose();
    const bin = path.join(dir, 'weights.bin');
    const bytes = readFileSync(bin);
    bytes[100] ^= 1;
    writeFileSync(bin, bytes);
    await expect(createModel(first.model, { scale: first.scale, weights: first.name, weightsUrl: url }))
      .rejects.toThrow(/weights\.bin at file:.*does not match the pinned file .*corrupt or was replaced/);
  });

  it('a tampered model.json fails, naming the file', async () => {
    const { dir, url } = copyOfFirst();
    const json = path.join(dir, 'model.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace('"frbc', '"frbX'));
    await expect(loadPretrained(first.model, { scale: first.scale, weights: first.name, weightsUrl: url }))
      .rejects.toThrow(/model\.json at file:.*does not match the pinned file/);
  });

  it('a missing file names its URL', async () => {
    const { dir, url } = copyOfFirst();
    rmSync(path.join(dir, 'weights.bin'));
    await expect(createModel(first.model, { scale: first.scale, weights: first.name, weightsUrl: url }))
      .rejects.toThrow(/cannot read file:.*weights\.bin/);
  });

  it('an unknown weight name lists the available ones; an unpublished scale lists the scales (thrown before any reading)', () => {
    expect(() => createModel('frbc', { scale: 4, weights: 'huge-div2k' }))
      .toThrow(`createModel 'frbc': no pretrained weight set 'huge-div2k'; available: ${pretrainedNames('frbc').join(', ')}`);
    expect(() => createModel('srresnet', { weights: 'small-291' }))
      .toThrow("createModel 'srresnet': no pretrained weight set 'small-291'; none is published for this model");
    expect(() => createModel('frbc', { scale: 3, weights: 'small-291' }))
      .toThrow(/weight set 'small-291' has no x3 weights; scales available: 2/);
  });

  it('options contradicting the weights are errors; agreeing ones are accepted', async () => {
    const w = { scale: first.scale, weights: first.name };
    expect(() => createModel('frbc', { ...w, features: first.architecture.features * 2 }))
      .toThrow(new RegExp(`features ${first.architecture.features * 2} contradicts the weights, trained with features ${first.architecture.features}`));
    expect(() => createModel('frbc', { ...w, blocks: 16 })).toThrow(/blocks 16 contradicts the weights/);
    expect(() => createModel('frbc', { ...w, order: 1 })).toThrow(/order 1 contradicts the weights/);
    expect(() => createModel('frbc', { ...w, srb: { order: 3 } }))
      .toThrow(/option 'srb' cannot be combined with pretrained weights/);
    const m = await createModel('frbc', { ...w, features: first.architecture.features, blocks: first.architecture.blocks });
    expect(m.outputs[0]!.shape[3]).toBe(3);
    m.dispose();
  });

  it("loads in Node from the main entry alone: without a registered file reader the files are read with node:fs", async () => {
    const withReader = await createModel('frbc', { scale: first.scale, weights: first.name });
    const prev = setPretrainedFileReader(undefined);
    try {
      const alone = await createModel('frbc', { scale: first.scale, weights: first.name });
      const x = tf.randomUniform([1, 6, 7, 3], 0, 1, 'float32', 3);
      const [a, b] = [withReader.predict(x) as tf.Tensor, alone.predict(x) as tf.Tensor];
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([x, a, b]);
      alone.dispose();
    } finally {
      setPretrainedFileReader(prev);
      withReader.dispose();
    }
  });

  it('a custom fetcher is used for both files', async () => {
    const seen: string[] = [];
    const m = await createModel('frbc', {
      scale: first.scale,
      weights: first.name,
      fetcher: async (u: URL) => {
        seen.push(path.basename(fileURLToPath(u)));
        return new Uint8Array(readFileSync(fileURLToPath(u)));
      },
    });
    expect(seen.sort()).toEqual(['model.json', 'weights.bin']);
    m.dispose();
  });

  it('sha256Hex (WebCrypto) agrees with node:crypto', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 7) & 255);
    expect(await sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
