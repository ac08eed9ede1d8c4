// frb upscale --workers: the worker-thread pool against the in-process path, on a tiny random FRBC saved as a
// model.json and a handful of generated images (RGB, gray, RGBA) plus one file that is not an image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readImage, writePng } from '@frb/datasets';
import { superResolve } from '@frb/bench';
import { createModel } from '@frb/models';
import { loadModel } from '@frb/layers/node';
import { main } from '@frb/cli';
import { frb, saveModelJson, smoothImage } from './helpers.js';

const SCALE = 2;
let dir: string;
let modelJson: string;
let inputs: string[];
let corrupt: string;
const good = ['a', 'b', 'c', 'd'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'frb-pool-'));
  const model = createModel('frbc', { scale: SCALE, features: 4, blocks: 1 });
  modelJson = await saveModelJson(model, join(dir, 'model'));
  model.dispose();
  await writePng(join(dir, 'a.png'), smoothImage(12, 10, 3, 1));
  await writePng(join(dir, 'b.png'), smoothImage(9, 13, 1, 2)); // gray
  await writePng(join(dir, 'c.png'), smoothImage(11, 11, 4, 3)); // RGBA
  await writePng(join(dir, 'd.png'), smoothImage(7, 16, 3, 4));
  corrupt = join(dir, 'broken.png');
  writeFileSync(corrupt, 'not an image');
  inputs = ['a.png', 'b.png', 'broken.png', 'c.png', 'd.png'].map((n) => join(dir, n));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (out: string, ...more: string[]) => ['upscale', ...inputs, '-o', out, '--weights', modelJson, '--scale', String(SCALE), '--tile', '8', '--backend', 'cpu', ...more];
const outputs = (out: string) => good.map((n) => join(out, `${n}_x${SCALE}.png`));

describe('frb upscale --workers', () => {
  it('2 workers write the same PNG bytes as 1 (in process), list the corrupt file, exit 1, run at most 2 at once', async () => {
    const one = join(dir, 'one');
    const before = tf.memory().numTensors;
    const r1 = await frb(args(one, '--workers', '1'));
    expect(tf.memory().numTensors).toBe(before); // the in-process path frees every tensor
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/on cpu, in this process: 4 of 5 images written/);

    const two = join(dir, 'two');
    let stderr = '';
    let stdout = '';
    const code = await main(args(two, '--workers', '2'), {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s), isTTY: true, columns: 200 },
      env: {},
      cwd: dir,
    });
    expect(code, stderr).toBe(1);
    expect(stdout.trim().split('\n')).toEqual(outputs(two)); // input order, whichever worker finished first
    expect(readdirSync(two).sort()).toEqual(good.map((n) => `${n}_x${SCALE}.png`));
    for (const [k, f] of outputs(two).entries()) expect(readFileSync(f).equals(readFileSync(outputs(one)[k]!)), f).toBe(true);

    // The pool's output is the model's: the RGB image predicted here, tile by tile, in this thread.
    const saved = await loadModel(modelJson);
    const want = await superResolve(saved, await readImage(inputs[0]!), { scale: SCALE, tile: 8 });
    saved.dispose();
    expect(Buffer.from((await readImage(outputs(two)[0]!)).data).equals(Buffer.from(want.data))).toBe(true);

    // Every tile of the readable images ticked the one bar, through the workers' ports: 4 + 4 + 4 + 2 tiles of 8.
    expect(stderr).toMatch(/\rupscale x2 \[#{24}\] 14\/14 /);
    const head = stderr.match(/on cpu, (\d) worker threads? of 2 \(at most (\d) images? at once\): 4 of 5 images written/);
    expect(head, stderr).not.toBeNull();
    expect(Number(head![1])).toBeGreaterThanOrEqual(1);
    expect(Number(head![2])).toBeGreaterThanOrEqual(1);
    expect(Number(head![2])).toBeLessThanOrEqual(2);
    expect(stderr).toMatch(/\| image \| size in -> out \| seconds \| status \| output or error \|/);
    expect(stderr).toMatch(/\| c\.png \| 11x11 -> 22x22 \| [\d.]+ \| written \|/);
    expect(stderr).toMatch(/\| broken\.png \| \| \| failed \|/);
    expect(stderr).toContain(`1 image failed:\n  ${corrupt}: `);
    expect(existsSync(join(two, `broken_x${SCALE}.png`))).toBe(false);
  });

  it('a model that cannot load fails once, before any image, naming the file', async () => {
    const bad = join(dir, 'bad-model');
    const model = createModel('frbc', { scale: SCALE, features: 4, blocks: 1 });
    const file = await saveModelJson(model, bad);
    model.dispose();
    truncateSync(join(bad, 'weights.bin'), 10);
    const out = join(dir, 'none');
    const r = await frb(['upscale', ...inputs, '-o', out, '--weights', file, '--scale', String(SCALE), '--backend', 'cpu', '--workers', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/cannot load model/g)).toHaveLength(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/images written/);
    expect(existsSync(out)).toBe(false);
  });

  it('--workers must be an integer >= 1 (usage error naming the option)', async () => {
    for (const v of ['0', '1.5', 'two']) {
      const r = await frb(['upscale', ...inputs, '-o', join(dir, 'never'), '--weights', modelJson, '--scale', String(SCALE), '--workers', v]);
      expect(r.code, v).toBe(2);
      expect(r.stderr).toContain(`--workers must be an integer >= 1, got '${v}'`);
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect((await frb(['upscale', '--help'])).stdout).toMatch(/--workers N/);
  });
});
