// Saved SRB models stay loadable and compute the same: the current layers are checked against a record made from
// the layers before SRBConv2D / SRBDense shared one base (fixtures/srb-compat.json; fixtures/record-srb-compat.ts).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SRBConv2D, SRBDense } from '@frb/layers';
import { compatInput, compatModel, layerRecords, packedRecords, type LayerRecord, type PackedRecord } from './srb-compat-model.js';
import { expectClose } from './helpers.js';

interface Recorded {
  layers: LayerRecord[];
  saved: { modelTopology: object; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: string };
  outputs: { shape: number[]; values: number[] }[];
  packed: PackedRecord[];
}
const record = JSON.parse(readFileSync(new URL('./fixtures/srb-compat.json', import.meta.url), 'utf8')) as Recorded;

// Bit-identical on the backend the record was made on; other backends round reductions differently.
const exact = tf.getBackend() === 'cpu';

function expectOutputs(model: tfl.LayersModel): void {
  const x = compatInput();
  const ys = model.predict(x) as tf.Tensor[];
  expect(ys.map((y) => y.shape)).toEqual(record.outputs.map((o) => o.shape));
  ys.forEach((y, i) => {
    if (exact) expect(Array.from(y.dataSync())).toEqual(record.outputs[i].values);
    else expectClose(y.dataSync(), record.outputs[i].values, 1e-5, 1e-5);
  });
  tf.dispose([x, ...ys]);
}

function loadRecorded(): Promise<tfl.LayersModel> {
  const { modelTopology, weightSpecs, weightData } = record.saved;
  const bytes = Buffer.from(weightData, 'base64');
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology,
    weightSpecs,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  }));
}

describe('SRB layers against the recorded format', () => {
  it('a fresh model has the recorded configs and weight names, shapes and order, layer by layer', () => {
    const model = compatModel();
    const now = layerRecords(model);
    expect(now.map((l) => l.name)).toEqual(record.layers.map((l) => l.name));
    now.forEach((l, i) => expect(l, l.name).toEqual(record.layers[i]));
    model.dispose();
  });

  it('the model saved by the recorded code loads as SRB layers and gives the recorded outputs', async () => {
    const before = tf.memory().numTensors;
    const model = await loadRecorded();
    expect(model.getLayer('c_order3')).toBeInstanceOf(SRBConv2D);
    expect(model.getLayer('d_tokens')).toBeInstanceOf(SRBDense);
    expect(layerRecords(model)).toEqual(record.layers);
    expectOutputs(model);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a fresh model with the recorded weights gives the recorded outputs', () => {
    const model = compatModel();
    expectOutputs(model);
    model.dispose();
  });

  it('the packed (deploy) form of the layers is the recorded one: config, bit rows, alphas, threshold, bias', () => {
    const model = compatModel();
    const now = packedRecords(model);
    expect(now.map((p) => [p.layer, p.className, p.config])).toEqual(record.packed.map((p) => [p.layer, p.className, p.config]));
    now.forEach((p, i) => p.weights.forEach((w, j) => {
      const want = record.packed[i].weights[j];
      expect([w.shape, w.dtype]).toEqual([want.shape, want.dtype]);
      // Sign words exactly. α's within float rounding even on the record's backend: srbDecompose has computed them in
      // float64 off the backend since the record was made, which moves some by an ulp.
      if (w.dtype === 'int32') expect(w.values).toEqual(want.values);
      else expectClose(w.values, want.values, 1e-6, 1e-6);
    }));
    model.dispose();
  });
});
