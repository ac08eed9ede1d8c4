import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { imresize, readImage, modcrop, type RawImage } from '@frb/datasets';
import { evaluateSet, psnr, ssim } from '@frb/bench';
import { COMMANDS } from '@frb/cli';
import { frb, makeToyData, saveModelJson } from './helpers.js';

let root = '';
let hr: Record<string, RawImage> = {};
// eval/summary pick their own backend (initBackend 'auto'); give the suite its backend back after each test.
const suiteBackend = tf.getBackend();
afterEach(async () => {
  if (tf.getBackend() !== suiteBackend) await tf.setBackend(suiteBackend);
});
beforeAll(async () => {
  ({ root, hr } = await makeToyData());
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('frb: commands, help and exit codes', () => {
  it('prints help and uses exit code 2 for a missing or unknown command', async () => {
    const none = await frb([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: frb <command>/);
    const help = await frb(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['eval', 'bicubic', 'summary', 'table']) expect(help.stdout).toContain(`  ${c}`);
    const bad = await frb(['upscalez']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'upscalez'/);
  });

  it('every command has --help (exit 0) and rejects unknown options (exit 2)', async () => {
    for (const c of COMMANDS) {
      const h = await frb([c.name, '--help']);
      expect(h.code, c.name).toBe(0);
      expect(h.stdout).toContain(`Usage: frb ${c.name}`);
      const viaHelp = await frb(['help', c.name]);
      expect(viaHelp.stdout).toBe(h.stdout);
      const bad = await frb([c.name, '--no-such-option']);
      expect(bad.code, c.name).toBe(2);
      expect(bad.stderr).toMatch(new RegExp(`frb ${c.name}: .*--no-such-option[\\s\\S]*Run 'frb ${c.name} --help'`));
    }
  });
});

describe('frb bicubic', () => {
  it('measures the bicubic baseline exactly as the library does', async () => {
    const r = await frb(['bicubic', '--data', root, '--sets', 'Toy', '--scale', '2', '--json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.method).toBe('Bicubic');
    expect(run.results).toHaveLength(1);
    const res = run.results[0];
    expect(res.images.map((i: { name: string }) => i.name)).toEqual(['a', 'b', 'c']);
    // Recompute image 'a' by hand: modcrop, shrink, bicubic x2, PSNR/SSIM on Y, shave 2.
    const a = modcrop(hr.a, 2);
    const sr = imresize(imresize(a, 1 / 2), 2);
    expect(res.images[0].psnr).toBeCloseTo(psnr(sr, a, { shave: 2 }), 10);
    expect(res.images[0].ssim).toBeCloseTo(ssim(sr, a, { shave: 2 }), 10);
    // Gray 'b' is measured as one channel.
    const b = hr.b;
    const srb = imresize(imresize(b, 1 / 2), 2);
    expect(res.images[1].psnr).toBeCloseTo(psnr(srb, b, { shave: 2 }), 10);
    expect(res.psnr).toBeCloseTo((res.images[0].psnr + res.images[1].psnr + res.images[2].psnr) / 3, 10);
  });

  it('prints a Markdown table by default and CSV on request', async () => {
    const md = await frb(['bicubic', '--data', root, '--sets', 'Toy', '--scale', '2']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^\| Method \| Scale \| Params \(K\) \| OPs \(G\) \| Toy \|\n/);
    expect(md.stdout).toMatch(/\| Bicubic \| x2 \| - \| - \| \d+\.\d\d\/0\.\d{4} \|/);
    const csv = await frb(['bicubic', '--data', root, '--sets', 'Toy', '--scale', '2', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('method,scale,params_k,ops_g,Toy_psnr,Toy_ssim');
  });

  it('--check fails (exit 1) when no published value exists for the set', async () => {
    const r = await frb(['bicubic', '--data', root, '--sets', 'Toy', '--scale', '2', '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no published bicubic value for Toy x2/);
  });

  it('bad sets, scales and data folders are usage errors (exit 2) naming what is wrong', async () => {
    const set = await frb(['bicubic', '--data', root, '--sets', 'Set42']);
    expect(set.code).toBe(2);
    expect(set.stderr).toMatch(/unknown set 'Set42'.*available: Toy/);
    const scale = await frb(['bicubic', '--data', root, '--sets', 'Toy', '--scale', '3']);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toMatch(/set 'Toy' has no LR images for scale x3/);
    const nan = await frb(['bicubic', '--data', root, '--scale', 'two']);
    expect(nan.code).toBe(2);
    expect(nan.stderr).toMatch(/unknown scale 'two'/);
    const data = await frb(['bicubic', '--data', join(root, 'nope')]);
    expect(data.code).toBe(2);
    expect(data.stderr).toMatch(/data folder ".*nope" does not exist/);
    // With --generate-lr the missing X3 folder is fine: LR is made from HR.
    const gen = await frb(['bicubic', '--data', root, '--sets', 'Toy', '--scale', '3', '--generate-lr', '--json'], root);
    expect(gen.code).toBe(0);
    expect(JSON.parse(gen.stdout).results[0].count).toBe(3);
  });
});

describe('frb eval', () => {
  let modelDir = '';
  let model: tfl.LayersModel;
  beforeAll(async () => {
    model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [null, null, 3], filters: 3, kernelSize: 3, padding: 'same', biasInitializer: 'zeros' }),
        tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
      ],
    });
    // Perturb the identity kernel a little so the model is not trivially bilinear.
    const delta = new Float32Array(3 * 3 * 3 * 3);
    for (let c = 0; c < 3; c++) delta[((1 * 3 + 1) * 3 + c) * 3 + c] = 1;
    const bias = tf.zeros([3]);
    const k2 = tf.tidy(() => tf.add(tf.tensor4d(delta, [3, 3, 3, 3]), tf.randomUniform([3, 3, 3, 3], -0.02, 0.02, "float32", 5)));
    model.setWeights([k2, bias]);
    tf.dispose([k2, bias]);
    modelDir = join(root, 'toy-model');
    await saveModelJson(model, modelDir);
  });
  afterAll(() => model?.dispose());

  it('evaluates a third-party model.json: same numbers as the library, tiled or not', async () => {
    const r = await frb(['eval', join(modelDir, 'model.json'), '--data', root, '--sets', 'Toy', '--scale', '2', '--json']);
    expect(r.stderr).not.toMatch(/frb eval:/);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.method).toBe('toy-model');
    expect(run.cost['2'].params).toBe(3 * 3 * 3 * 3 + 3);
    const want = await evaluateSet(
      model,
      ['a', 'b', 'c'].map((n) => ({ name: n, hr: hr[n], lr: imresize(modcrop(hr[n], 2), 1 / 2) })),
      { scale: 2 },
    );
    expect(run.results[0].psnr).toBeCloseTo(want.psnr, 6);
    const tiled = await frb(['eval', modelDir, '--data', root, '--sets', 'Toy', '--scale', '2', '--json', '--tile', '5', '--tile-overlap', '2']);
    expect(tiled.code).toBe(0);
    expect(JSON.parse(tiled.stdout).results[0].psnr).toBeCloseTo(want.psnr, 6);
  });

  it('saves SR images, runs the x8 self-ensemble, takes [0, 255] models', async () => {
    const save = join(root, 'sr');
    const r = await frb(['eval', modelDir, '--data', root, '--sets', 'Toy', '--scale', '2', '--save', save, '--self-ensemble', '--input-range', '255', '--limit', '1', '--json']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.results[0].count).toBe(1);
    const saved = await readImage(join(save, 'Toy', 'x2', 'a.png'));
    expect(psnr(saved, modcrop(hr.a, 2), { shave: 2 })).toBeCloseTo(run.results[0].images[0].psnr, 8);
  });

  it('a model whose output is not input x scale fails with exit 1 and a clear message', async () => {
    const r = await frb(['eval', modelDir, '--data', root, '--sets', 'Toy', '--scale', '2', '--generate-lr', '--no-cost'], root);
    expect(r.code).toBe(0);
    const wrong = await frb(['eval', modelDir, '--data', root, '--sets', 'Toy', '--scale', '3', '--generate-lr'], root);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Toy\/a x3: model output has shape \[1, \d+, \d+, 3\] for a \d+x\d+ input; expected .*\(input x scale 3\)/);
  });

  it('missing model files, unknown models and bad options are usage errors', async () => {
    const missing = await frb(['eval', join(root, 'nowhere', 'model.json'), '--data', root]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file ".*nowhere\/model\.json" does not exist/);
    const unknown = await frb(['eval', 'resnet-9000', '--data', root]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/'resnet-9000' is neither a zoo model \(.*frbc.*\) nor a model\.json path/);
    const none = await frb(['eval', '--data', root]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing <model>/);
    const two = await frb(['eval', modelDir, '--scale', '2,4', '--data', root]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/a model\.json has one scale/);
    const range = await frb(['eval', modelDir, '--input-range', '100', '--data', root]);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/--input-range must be 1 .* or 255/);
    // A model.json whose weights file is gone: runtime failure naming the file.
    const broken = join(root, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'model.json'), readFileSync(join(modelDir, 'model.json')));
    const b = await frb(['eval', broken, '--data', root, '--sets', 'Toy', '--scale', '2']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/cannot load model ".*broken\/model\.json".*weights file .*broken\/weights\.bin/);
  });

  it('evaluates a zoo model with its Params/OPs', async () => {
    const r = await frb(['eval', 'frbc', '--random-weights', '--features', '4', '--blocks', '1', '--data', root, '--sets', 'Toy', '--scale', '2', '--limit', '1']);
    expect(r.stderr).not.toMatch(/frb eval:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| frbc \(untrained\) \| x2 \| \d+\.\d \| \d+\.\d\d \| \d+\.\d\d\/0\.\d{4} \|/);
  });
});

describe('frb summary', () => {
  it('summarizes a zoo model (text and JSON) with binary-aware totals', async () => {
    const t = await frb(['summary', 'frbc', '--features', '8', '--blocks', '1', '--scale', '2']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/Params \(FP \+ binary\/32\)/);
    const j = await frb(['summary', 'frbc', '--features', '8', '--blocks', '1', '--scale', '2', '--json', '--input', '16x16']);
    expect(j.code).toBe(0);
    const s = JSON.parse(j.stdout);
    expect(s.inputShape).toEqual([16, 16, 3]);
    expect(s.totals.binaryParams).toBeGreaterThan(0);
    expect(s.totals.params).toBeCloseTo(s.totals.fpParams + s.totals.binaryParams / 32, 6);
    const bad = await frb(['summary', 'frbc', '--input', '16by16']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--input must be HxW/);
  });
});

describe('frb table', () => {
  it('merges runs into a table and plots PSNR vs OPs', async () => {
    const a = join(root, 'run-a.json');
    const b = join(root, 'run-b.json');
    writeFileSync(a, JSON.stringify({ method: 'Bicubic', results: [{ set: 'Set5', scale: 4, psnr: 28.42, ssim: 0.8104 }] }));
    writeFileSync(b, JSON.stringify({
      method: 'FRBC', cost: { '4': { params: 60000, ops: 5e9 } },
      results: [{ set: 'Set5', scale: 4, psnr: 31.7, ssim: 0.89 }],
    }));
    const c = join(root, 'run-c.json');
    writeFileSync(c, JSON.stringify({ method: 'SRResNet', cost: { '4': { params: 1.5e6, ops: 146e9 } }, results: [{ set: 'Set5', scale: 4, psnr: 'inf', ssim: 1 }] }));
    const plot = join(root, 'plot.png');
    const r = await frb(['table', a, b, '--plot', plot, '--highlight', 'FRBC']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(2, 4)).toEqual([
      '| Bicubic | x4 | - | - | 28.42/0.8104 |',
      '| FRBC | x4 | 60.0 | 5.00 | 31.70/0.8900 |',
    ]);
    expect(r.stderr).toMatch(/not plotted .*: Bicubic/);
    expect(existsSync(plot)).toBe(true);
    expect((await sharp(plot).metadata()).format).toBe('png');
    const inf = await frb(['table', c, '--format', 'csv']);
    expect(inf.stdout).toMatch(/SRResNet,4,1500,146,inf,1\.000000/);
    const withBic = await frb(['table', b, '--bicubic']);
    expect(withBic.code).toBe(0);
    expect(withBic.stdout.split('\n')[2]).toBe('| Bicubic | x4 | - | - | 28.42/0.8104 |');
    const missing = await frb(['table', join(root, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read run ".*nope\.json"/);
    const none = await frb(['table']);
    expect(none.code).toBe(2);
  });
});
