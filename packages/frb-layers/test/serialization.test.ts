import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LearnableBias, RPReLU, SRBConv2D, SRBDense, learnableBias, rprelu, srbConv2d, srbDense } from '@frb/layers';
import { fileSystemIO, loadModel, registerFileSystemRouter, saveModel } from '@frb/layers/node';
import { rand } from './helpers.js';

/** A model using every layer and several non-default options, with random (non-trivial) weights. */
function buildModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [6, 6, 2] });
  let h = srbConv2d({ filters: 4, kernelSize: 3, padding: 'same', order: 3, inputQuantizer: 'ste_sign', name: 'c_order3' }).apply(x) as tfl.SymbolicTensor;
  h = rprelu({ name: 'act' }).apply(h) as tfl.SymbolicTensor;
  h = learnableBias({ name: 'move' }).apply(h) as tfl.SymbolicTensor;
  h = srbConv2d({ filters: 4, kernelSize: 3, padding: 'same', order: 1, scaleWeights: false, centerWeights: false, name: 'c_bnn' }).apply(h) as tfl.SymbolicTensor;
  h = srbConv2d({ filters: 3, kernelSize: 1, inputQuantizer: null, useBias: true, name: 'c_fp_act' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.reshape({ targetShape: [36, 3] }).apply(h) as tfl.SymbolicTensor;
  const y = srbDense({ units: 2, useBias: true, name: 'tokens' }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: y });
  model.setWeights(model.getWeights().map((w, i) => rand(w.shape, 100 + i, 0.5)));
  return model;
}

function expectSameModel(a: tfl.LayersModel, b: tfl.LayersModel, x: tf.Tensor): void {
  expect(b.layers.map((l) => l.getClassName())).toEqual(a.layers.map((l) => l.getClassName()));
  expect(b.layers.map((l) => JSON.stringify(l.getConfig()))).toEqual(a.layers.map((l) => JSON.stringify(l.getConfig())));
  const ya = (a.predict(x) as tf.Tensor).dataSync();
  const yb = (b.predict(x) as tf.Tensor).dataSync();
  expect(Array.from(yb)).toEqual(Array.from(ya)); // bit-identical
}

describe('save / load in memory', () => {
  it('round-trips through withSaveHandler / fromMemory with bit-identical outputs', async () => {
    const model = buildModel();
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.getLayer('c_order3')).toBeInstanceOf(SRBConv2D);
    expect((loaded.getLayer('c_order3') as SRBConv2D).binary).toEqual({ order: 3, centerWeights: true, scaleWeights: true, inputQuantizer: 'steSign', learnableThreshold: true });
    expect((loaded.getLayer('c_fp_act') as SRBConv2D).binary.inputQuantizer).toBeNull();
    expect(loaded.getLayer('tokens')).toBeInstanceOf(SRBDense);
    expect(loaded.getLayer('act')).toBeInstanceOf(RPReLU);
    expect(loaded.getLayer('move')).toBeInstanceOf(LearnableBias);
    expectSameModel(model, loaded, rand([2, 6, 6, 2], 1));
  });
});

describe('fileSystemIO (Node, no tfjs-node)', () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'frb-layers-io-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('saveModel writes model.json + weights.bin in the tfjs format; loadModel restores it bit-identically', async () => {
    const model = buildModel();
    const target = path.join(dir, 'm1');
    const result = await saveModel(model, target);
    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(path.join(target, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const expectedBytes = model.getWeights().reduce((s, w) => s + w.size * 4, 0);
    expect((await readFile(path.join(target, 'weights.bin'))).byteLength).toBe(expectedBytes);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(expectedBytes);
    const x = rand([1, 6, 6, 2], 2);
    expectSameModel(model, await loadModel(target), x);
    expectSameModel(model, await loadModel(`file://${path.join(target, 'model.json')}`), x);
  });

  it('serves file:// URLs through registerFileSystemRouter', async () => {
    expect(registerFileSystemRouter()).toBe(true);
    expect(registerFileSystemRouter()).toBe(false); // already registered: no duplicate handler
    const model = buildModel();
    const target = path.join(dir, 'm2');
    await model.save(`file://${target}`);
    expectSameModel(model, await tfl.loadLayersModel(`file://${target}/model.json`), rand([1, 6, 6, 2], 3));
  });

  it('errors name the missing or invalid file', async () => {
    const missing = path.join(dir, 'nope');
    await expect(loadModel(missing)).rejects.toThrow(`no model.json at '${path.join(missing, 'model.json')}'`);
    const bad = path.join(dir, 'bad');
    await saveModel(buildModel(), bad);
    const weights = path.join(bad, 'weights.bin');
    const full = await readFile(weights);
    await writeFile(weights, full.subarray(0, full.byteLength - 8));
    await expect(loadModel(bad)).rejects.toThrow(/weights for '.*bad\/model.json' hold \d+ bytes, the manifest needs \d+/);
    await rm(weights);
    await expect(loadModel(bad)).rejects.toThrow(`cannot read weights file '${weights}': ENOENT`);
    await writeFile(path.join(bad, 'model.json'), '{ not json');
    await expect(loadModel(bad)).rejects.toThrow(/'.*bad\/model.json' is not valid JSON/);
    await writeFile(path.join(bad, 'model.json'), '{"format": "layers-model"}');
    await expect(loadModel(bad)).rejects.toThrow(/has no modelTopology/);
    expect(() => fileSystemIO('')).toThrow(/non-empty path/);
  });
});
