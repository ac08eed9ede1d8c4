// frb reproduce on a generated data root (train folder + a toy benchmark set): trains, evaluates with a
// bicubic row, writes the results page and plot. Also the preset checks and the built-in presets' validity.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { imresize, writePng, type RawImage } from '@frb/datasets';
import { METHODS, loadPreset } from '@frb/train';
import { frb, smoothImage } from './helpers.js';

let root: string;

function modcrop(img: RawImage, s: number): RawImage {
  const h = img.height - (img.height % s);
  const w = img.width - (img.width % s);
  const data = new Uint8Array(h * w * img.channels);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(y * img.width * img.channels, (y * img.width + w) * img.channels), y * w * img.channels);
  return { data, height: h, width: w, channels: img.channels };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'frb-repro-'));
  for (let i = 0; i < 3; i++) await writePng(join(root, 'data/train/A', `t${i}.png`), smoothImage(40, 44, 3, 50 + i));
  for (const [name, seed] of [['p', 7], ['q', 8]] as const) {
    const hr = smoothImage(36, 40, 3, seed);
    await writePng(join(root, 'data/benchmark/Toy/HR', `${name}.png`), hr);
    await writePng(join(root, 'data/benchmark/Toy/LR_bicubic/X2', `${name}x2.png`), imresize(modcrop(hr, 2), 1 / 2));
  }
  mkdirSync(join(root, 'work'), { recursive: true });
  writeFileSync(join(root, 'p.yaml'), [
    'name: t', 'scales: [2]', 'model: {features: 8, blocks: 1}',
    'data: {train: [train/A], patch_size: 8, batch_size: 2}',
    'train: {iterations: 4, lr: 0.001, checkpoint_interval: 2}',
    'eval: {sets: [Toy], plot_set: Toy}', 'methods: [fp, frb2, frb2-dbt]', 'compare: [[frb2-dbt, frb2]]',
    'runs: out/runs', 'results: out/results.md', 'plot: out/plot.svg', '',
  ].join('\n'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('frb reproduce', () => {
  it('trains the methods, evaluates them with a bicubic row and writes the results page and plot', async () => {
    const native = process.env.FRB_NATIVE;
    const backend = tf.getBackend();
    process.env.FRB_NATIVE = '0';
    const n0 = tf.memory().numTensors;
    const r = await frb(['reproduce', '--preset', join(root, 'p.yaml'), '--data', join(root, 'data'), '--backend', 'cpu'], join(root, 'work'))
      .finally(async () => {
        if (native === undefined) delete process.env.FRB_NATIVE;
        else process.env.FRB_NATIVE = native;
        await tf.setBackend(backend);
      });
    expect(r.stderr).toMatch(/wrote .*results\.md/);
    expect(r.code, r.stderr).toBe(0);
    expect(tf.memory().numTensors).toBe(n0);
    const md = readFileSync(join(root, 'work/out/results.md'), 'utf8');
    if (process.env.SHOW_PAGE) console.log(md);
    for (const label of ['Bicubic', METHODS.fp!.label, METHODS.frb2!.label, 'FRB order 2 + DBT']) expect(md).toContain(`| ${label} | x2 |`);
    // one seed: the comparison is printed, and untested rather than decided
    expect(md).toMatch(/FRB order 2 \+ DBT vs FRB order 2 on Toy x2: [+-]?\d.*untested/);
    // the preset sets no DBT weight or form: @frb/distill's defaults (elementwise, 1e-4) and their measured ratio
    expect(md).toMatch(/\| FRB order 2 \+ DBT \(seed 0\) \| elementwise \| 1\.00e-4 \| \d/);
    expect(md).toContain('4 iterations of batch 2, LR patch 8');
    const svg = readFileSync(join(root, 'work/out/plot.svg'), 'utf8');
    expect(svg).toContain('FRB order 2 + DBT');
    // the DBT run logged its distillation term against the FP twin trained first
    const log = readFileSync(join(root, 'work/out/runs/x2/frb2-dbt-s0/log.jsonl'), 'utf8');
    expect(log).toMatch(/"distill":/);

    // a second call reuses the finished models instead of training again
    // ... and evaluates in this process with --jobs 1 what has no eval.json
    rmSync(join(root, 'work/out/runs/x2/fp-s0/eval.json'));
    const again = await frb(['reproduce', '--preset', join(root, 'p.yaml'), '--data', join(root, 'data'), '--backend', 'cpu', '--methods', 'fp', '--jobs', '1'], join(root, 'work'));
    expect(existsSync(join(root, 'work/out/runs/x2/fp-s0/eval.json'))).toBe(true);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/using the finished model/);
    expect(again.stderr).not.toMatch(/reproduce: training/);
    // ... and reports the reused run's training time from its log, not the reuse's own seconds
    const md2 = readFileSync(join(root, 'work/out/results.md'), 'utf8');
    const row = md2.split('\n').find((l) => l.startsWith(`| ${METHODS.fp!.label} | 0 | x2 |`) && l.includes('its log'));
    expect(row, md2).toBeDefined();
    const fpLog = readFileSync(join(root, 'work/out/runs/x2/fp-s0/log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const span = (Date.parse(fpLog.find((e) => e.event === 'done').time) - Date.parse(fpLog.find((e) => e.event === 'start').time)) / 1000;
    expect(Number(row!.split('|')[4])).toBe(Number(span.toFixed(0)));
    expect(md2).toMatch(/it reused 1 finished run\(s\) whose training took/);

    // --report trains nothing: finished runs are reported, the rest listed as not trained yet
    writeFileSync(join(root, 'p2.yaml'), readFileSync(join(root, 'p.yaml'), 'utf8').replace('methods: [fp, frb2, frb2-dbt]', 'methods: [fp, frb2, frb2-dbt, bnn]'));
    const rep = await frb(['reproduce', '--preset', join(root, 'p2.yaml'), '--data', join(root, 'data'), '--backend', 'cpu', '--report'], join(root, 'work'));
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stderr).not.toMatch(/train bnn-s0@x2 started/);
    expect(existsSync(join(root, 'work/out/runs/x2/bnn-s0/model'))).toBe(false);
    const md3 = readFileSync(join(root, 'work/out/results.md'), 'utf8');
    expect(md3).toMatch(/- BNN \(seed 0, x2\): not trained yet/);
    expect(md3).toContain('| FRB order 2 + DBT | x2 |');
  });

  it('rejects bad presets and options with the field named', async () => {
    writeFileSync(join(root, 'bad.yaml'), 'name: b\nscales: [4]\nmodel: {features: 8, blocks: 0}\n');
    const bad = await frb(['reproduce', '--preset', join(root, 'bad.yaml')], root);
    expect(bad.code).toBe(2);
    // The first problem in the preset's field order is named; the others are listed after it.
    expect(bad.stderr).toMatch(/model\.blocks must be a positive integer, got 0 \(more problems at [^)]*data\.train/);
    writeFileSync(join(root, 'bad.yaml'), 'name: b\nscales: [4]\nmodel: {features: 8, blocks: 2}\ndata: {train: [t], patch_size: 8, batch_size: 2}\ntrain: {iterations: 5}\n');
    expect((await frb(['reproduce', '--preset', join(root, 'bad.yaml')], root)).stderr).toMatch(/train\.lr must be a positive number.*more problems at methods/);
    writeFileSync(join(root, 'bad.yaml'), 'name: b\nscales: [4]\nmodel: {features: 8, blocks: 0}\nmethods: [fp]\n');
    expect((await frb(['reproduce', '--preset', join(root, 'bad.yaml')], root)).stderr).toMatch(/model\.blocks must be a positive integer/);
    expect((await frb(['reproduce', '--preset', 'huge'], root)).stderr).toMatch(/no preset 'huge'/);
    const unknown = await frb(['reproduce', '--preset', join(root, 'p.yaml'), '--methods', 'warp', '--data', join(root, 'data')], root);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--methods: no method 'warp' in preset t \(it has: fp, frb2, frb2-dbt\)/);
    const jobs = await frb(['reproduce', '--preset', join(root, 'p.yaml'), '--jobs', '0', '--data', join(root, 'data')], root);
    expect(jobs.code).toBe(2);
  });

  it('the built-in presets are valid and list all nine methods', async () => {
    for (const name of ['tiny', 'small']) {
      const p = await loadPreset(name);
      expect(p.entries.map((e) => e.id)).toEqual(['fp', 'bnn', 'xnor', 'bireal', 'reactnet', 'bbcu', 'frb1', 'frb2', 'frb2-dbt']);
      expect(p.data.train).toEqual(['train/T91', 'train/BSD200']);
    }
    expect((await loadPreset('small')).results).toBe('docs/results.md');
    expect(existsSync(join(root, 'p.yaml'))).toBe(true);
  });
});
