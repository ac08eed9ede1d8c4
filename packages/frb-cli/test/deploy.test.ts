// frb deploy and --packed on frb eval / frb upscale, with a tiny seeded FRBC-M saved as a model.json.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PackedChain } from '@frb/layers';
import type * as tfl from '@tensorflow/tfjs-layers';
import { imresize, modcrop, readImage, writePng, type RawImage } from '@frb/datasets';
import { evaluateSet, superResolve } from '@frb/bench';
import { createModel, deployModel } from '@frb/models';
import { loadModel } from '@frb/models/node';
import { frb, makeToyData, saveModelJson, smoothImage } from './helpers.js';

let root = '';
let hr: Record<string, RawImage> = {};
let model: tfl.LayersModel;
let modelDir = '';
// eval picks its own backend (initBackend 'auto'); give the suite its backend back after each test.
const suiteBackend = tf.getBackend();
afterEach(async () => {
  if (tf.getBackend() !== suiteBackend) await tf.setBackend(suiteBackend);
});

beforeAll(async () => {
  ({ root, hr } = await makeToyData());
  model = createModel('frbc-m', { scale: 2, features: 8, blocks: 1 });
  // Seeded weights off their initial values: thresholds, RPReLU and biases non-trivial, the same model every run.
  tf.tidy(() => model.setWeights(model.getWeights().map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.05, 'float32', 500 + i)))));
  modelDir = join(root, 'frbc-m-x2');
  await saveModelJson(model, modelDir);
});
afterAll(() => {
  model?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('frb deploy', () => {
  it('packs a model.json: the saved model loads and predicts the float simulation within 1e-4; bytes reported', async () => {
    const out = join(root, 'deployed');
    const n0 = tf.memory().numTensors;
    const r = await frb(['deploy', modelDir, '-o', out, '--backend', 'cpu', '--json']);
    expect(r.stderr).not.toMatch(/frb deploy:/);
    expect(r.code).toBe(0);
    expect(tf.memory().numTensors).toBe(n0);
    const report = JSON.parse(r.stdout);
    expect(report.output).toBe(out);
    expect(report.packedLayers).toBe(4); // 2 body convs, upconv1, conv_hr
    expect(report.latentBytes).toBe(statSync(join(modelDir, 'weights.bin')).size);
    expect(report.packedBytes).toBe(statSync(join(out, 'weights.bin')).size);
    expect(report.packedBytes).toBeLessThan(report.latentBytes);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const loaded = await loadModel(out);
    // The three binary units are fused (named after their residual add; conv_hr's with the tail's LeakyReLU after
    // it, named after that), and so is the upsampler stage (named after the add of its enlarged input); the body's
    // two units are one chain, the stage and conv_hr another (the conv to RGB stays apart at 4 channels).
    expect(report.fusedUnits).toBe(3);
    expect(report.fusedStages).toBe(1);
    expect(report.chains).toBe(2);
    expect(loaded.layers.filter((l) => l instanceof PackedChain).map((l) => [l.name, (l as PackedChain).parts.map((p) => `${p.getClassName()} ${p.name}`)])).toEqual([
      ['body/block_00', ['PackedBinaryUnit body/block_00/unit1/out', 'PackedBinaryUnit body/block_00']],
      ['tail/lrelu', ['PackedUpsampleUnit upsampler/out1', 'PackedBinaryUnit tail/lrelu']],
    ]);
    expect((loaded.getLayer('tail/lrelu') as PackedChain).parts[1].getConfig().leakyAlpha).toBeCloseTo(0.1, 12);
    expect(loaded.layers.some((l) => l.name === 'tail/conv_hr/out')).toBe(false);
    expect(report.packedBytes).toBe(loaded.countParams() * 4);
    const x = tf.randomUniform([1, 7, 6, 3], 0, 1, 'float32', 9);
    const want = model.predict(x) as tf.Tensor;
    const got = loaded.predict(x) as tf.Tensor;
    expect(got.shape).toEqual([1, 14, 12, 3]);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    tf.dispose([x, want, got]);
    loaded.dispose();
  });

  it('--float16 stores the float weights as float16 (sign words unchanged): loads in tfjs, each float weight its nearest float16', async () => {
    const full = join(root, 'deployed-f32'), half = join(root, 'deployed-f16');
    expect((await frb(['deploy', modelDir, '-o', full, '--backend', 'cpu'])).code).toBe(0);
    const r = await frb(['deploy', modelDir, '-o', half, '--float16', '--backend', 'cpu', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.float16).toBe(true);
    const manifest = (dir: string) => (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].weights as tf.io.WeightsManifestEntry[]);
    const entries = manifest(half);
    const count = (w: tf.io.WeightsManifestEntry) => w.shape.reduce((a, b) => a * b, 1);
    // float32 entries quantized to float16 (2 bytes), int32 sign words kept (4 bytes): the file is exactly that.
    expect(entries.filter((w) => w.dtype === 'int32').every((w) => w.quantization === undefined)).toBe(true);
    expect(entries.filter((w) => w.dtype === 'float32').every((w) => w.quantization?.dtype === 'float16')).toBe(true);
    const want = entries.reduce((s, w) => s + count(w) * (w.dtype === 'int32' ? 4 : 2), 0);
    expect(statSync(join(half, 'weights.bin')).size).toBe(want);
    expect(report.packedBytes).toBe(want);
    expect(want).toBeLessThan(statSync(join(full, 'weights.bin')).size);

    const a = await loadModel(full), b = await loadModel(half);
    const wa = a.getWeights(), wb = b.getWeights();
    expect(wb.map((w) => w.dtype)).toEqual(wa.map((w) => w.dtype));
    for (let i = 0; i < wa.length; i++) {
      const va = wa[i].dataSync(), vb = wb[i].dataSync();
      if (wa[i].dtype === 'int32') {
        expect(Array.from(vb)).toEqual(Array.from(va));
        continue;
      }
      // Each value moved by at most half a float16 step (relative 2^-11; subnormal steps 2^-24 below 2^-14).
      for (let j = 0; j < va.length; j++) expect(Math.abs(vb[j] - va[j])).toBeLessThanOrEqual(Math.max(Math.abs(va[j]) * 2 ** -11, 2 ** -25));
    }
    const x = tf.randomUniform([1, 7, 6, 3], 0, 1, 'float32', 9);
    const ya = a.predict(x) as tf.Tensor, yb = b.predict(x) as tf.Tensor;
    const d = maxAbsDiff(ya, yb);
    expect(d).toBeGreaterThan(0); // it did change the weights
    expect(d).toBeLessThan(0.02);
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('refuses to overwrite without --force, replaces a saved model with it, never a folder with other files', async () => {
    const out = join(root, 'deployed-twice');
    const first = await frb(['deploy', modelDir, '-o', out, '--backend', 'cpu']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`deploy: frbc-m-x2 -> ${out}\\n  packed layers: 4 \\(3 fused with their RPReLU and residual add, 1 upsampler stage with RPReLU, shuffle and enlarged input; 2 chains of them run in one pass each\\)\\n  weights: [\\d,]+ bytes latent \\(float simulation\\) -> [\\d,]+ bytes packed weights\\.bin \\(0\\.\\d{3}\\)`));
    expect(first.stdout).toMatch(/Params \d+\.\d\d K, OPs \d+\.\d\d G/);
    const bytes = readFileSync(join(out, 'weights.bin'));
    const again = await frb(['deploy', modelDir, '-o', out, '--backend', 'cpu']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`frb deploy: --output "${out}" already exists; not overwritten (--force replaces a saved model)`);
    const forced = await frb(['deploy', modelDir, '-o', out, '--force', '--backend', 'cpu']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(out, 'weights.bin')).equals(bytes)).toBe(true); // same input, same packed bytes
    writeFileSync(join(out, 'README.txt'), 'mine');
    const other = await frb(['deploy', modelDir, '-o', out, '--force', '--backend', 'cpu']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds other files than model\.json and weights\.bin \(README\.txt\); not replaced/);
    expect(readFileSync(join(out, 'README.txt'), 'utf8')).toBe('mine');
  });

  it('errors name the argument: no -o, the input folder as output, a full-precision model, zoo weights', async () => {
    const noOut = await frb(['deploy', modelDir]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/-o\/--output DIR is required/);
    const self = await frb(['deploy', modelDir, '-o', modelDir, '--force']);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/refusing to overwrite the input model in ".*frbc-m-x2"/);
    const fpZoo = await frb(['deploy', 'srresnet', '--random-weights', '-o', join(root, 'x')]);
    expect(fpZoo.code).toBe(2);
    expect(fpZoo.stderr).toMatch(/zoo model 'srresnet' is full precision/);
    const noWeights = await frb(['deploy', 'frbc-m', '-o', join(root, 'x')]);
    expect(noWeights.code).toBe(2);
    expect(noWeights.stderr).toMatch(/zoo model 'frbc-m' has no trained weights unless you name them/);
    const fpDir = join(root, 'fp-model');
    const fp = createModel('srresnet', { scale: 2, features: 4, blocks: 1 });
    await saveModelJson(fp, fpDir);
    fp.dispose();
    const fpFile = await frb(['deploy', fpDir, '-o', join(root, 'fp-packed'), '--backend', 'cpu']);
    expect(fpFile.code).toBe(1);
    expect(fpFile.stderr).toMatch(/cannot pack model ".*fp-model\/model\.json": deployModel: model '.*' has no SRBConv2D \/ SRBDense layers/);
    expect(existsSync(join(root, 'fp-packed'))).toBe(false);
    const twice = await frb(['eval', join(root, 'deployed'), '--packed', '--data', root, '--sets', 'Toy', '--scale', '2', '--backend', 'cpu']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/cannot pack ".*deployed\/model\.json" for --packed: it is already packed/);
  });

  it('a zoo model with --random-weights: bytes of its latent form, one packed layer per binary conv', async () => {
    const out = join(root, 'zoo-packed');
    const r = await frb(['deploy', 'frbc-m', '--random-weights', '--scale', '4', '--features', '4', '--blocks', '1', '-o', out, '--backend', 'cpu', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const fresh = createModel('frbc-m', { scale: 4, features: 4, blocks: 1 });
    expect(report.latentBytes).toBe(fresh.countParams() * 4);
    expect(report.packedLayers).toBe(5); // 2 body, 2 upconv, conv_hr
    expect(report.fusedUnits).toBe(3); // the body units and conv_hr
    expect(report.fusedStages).toBe(2); // the two x2 upsampler stages
    expect(report.scale).toBe(4);
    fresh.dispose();
  });
});

describe('--packed on frb eval and frb upscale', () => {
  it('frb eval --packed measures the deployed model (same numbers as the library on it), labelled packed', async () => {
    const args = [modelDir, '--data', root, '--sets', 'Toy', '--scale', '2', '--backend', 'cpu', '--json'];
    const plain = await frb(['eval', ...args]);
    const n0 = tf.memory().numTensors;
    const packed = await frb(['eval', ...args, '--packed']);
    expect(tf.memory().numTensors).toBe(n0);
    expect(packed.stderr).not.toMatch(/frb eval:/);
    expect(packed.code).toBe(0);
    const [a, b] = [JSON.parse(plain.stdout), JSON.parse(packed.stdout)];
    expect(b.method).toBe('frbc-m-x2 packed');
    expect(b.options.packed).toBe(true);
    expect(b.cost['2']).toEqual(a.cost['2']); // the summary counts a model and its packed form alike
    const d = await deployModel(model);
    const want = await evaluateSet(d, ['a', 'b', 'c'].map((n) => ({ name: n, hr: hr[n]!, lr: imresize(modcrop(hr[n]!, 2), 1 / 2) })), { scale: 2 });
    d.dispose();
    expect(b.results[0].psnr).toBeCloseTo(want.psnr, 6);
    expect(Math.abs(b.results[0].psnr - a.results[0].psnr)).toBeLessThan(0.05); // float rounding can flip a uint8 level
  });

  it('frb upscale --packed writes the deployed model\'s image', async () => {
    const dir = join(root, 'up');
    mkdirSync(dir, { recursive: true });
    const lr = smoothImage(13, 11, 3, 4);
    await writePng(join(dir, 'img.png'), lr);
    const out = join(dir, 'img_packed.png');
    const n0 = tf.memory().numTensors;
    const r = await frb(['upscale', join(dir, 'img.png'), '--weights', modelDir, '--scale', '2', '--packed', '-o', out, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/11x13 -> 22x26 \(x2, .*frbc-m-x2\/model\.json packed, 1 tile, cpu/);
    expect(tf.memory().numTensors).toBe(n0);
    const sr = await readImage(out);
    const d = await deployModel(model);
    const want = await superResolve(d, lr, { scale: 2, tile: 128 });
    d.dispose();
    expect(Buffer.from(sr.data).equals(Buffer.from(want.data))).toBe(true);
    const fp = await frb(['upscale', join(dir, 'img.png'), '--scale', '2', '--packed', '--weights', join(root, 'fp-model'), '-o', join(dir, 'fp.png'), '--backend', 'cpu']);
    expect(fp.code).toBe(1);
    expect(fp.stderr).toMatch(/cannot pack --weights ".*fp-model\/model\.json" for --packed: .*no SRBConv2D/);
  });
});
