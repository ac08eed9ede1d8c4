// The shipped weights' numbers in the models README are what `frb eval`'s harness measures: Set5 PSNR of each
// 'small-291' weight set, through the zoo (createModel with weights) and evaluateSet, within 0.01 dB of the
// README's table. Needs ../shared/data (skipped with a message when absent).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { benchmarkSet, loadEvalPairs } from '@frb/datasets';
import { createModel } from '@frb/models';
import '@frb/models/node';
import { evaluateSet } from '@frb/bench';
import { initBackend } from '@frb/layers/node';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const data = resolve(repo, '../shared/data');
const hasSharedData = existsSync(resolve(data, 'benchmark', 'Set5', 'HR'));
if (!hasSharedData) console.warn(`shipped-weights check skipped: ${data} is absent`);

/** Set5 PSNR of `small-291` at x<scale> as the models README's table states it. */
function readmePsnr(scale: number): number {
  const readme = readFileSync(resolve(repo, 'packages/frb-models/README.md'), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith(`| \`small-291\` x${scale} |`));
  if (!row) throw new Error(`packages/frb-models/README.md has no table row for small-291 x${scale}`);
  return Number(row.split('|')[2]!.trim().split('/')[0]);
}

describe.skipIf(!hasSharedData)('shipped small-291 weights measure what the models README states (needs ../shared/data)', () => {
  // Whole Set5 images through FRBC: the wasm backend with the native tier, as `frb eval` runs (the pure-JS cpu
  // backend takes minutes). Each test file runs in its own process, so the switch stays here.
  beforeAll(async () => {
    await initBackend('wasm');
  });
  for (const scale of [2, 4]) {
    it(`x${scale}: Set5 PSNR within 0.01 dB of the README`, async () => {
      const stated = readmePsnr(scale);
      expect(stated).toBeGreaterThan(25);
      const model = await createModel('frbc', { scale, weights: 'small-291' });
      const pairs = await benchmarkSet(resolve(data, 'benchmark'), 'Set5', scale);
      const n0 = tf.memory().numTensors;
      const r = await evaluateSet(model, loadEvalPairs(pairs, { keepGray: true }), { scale, set: 'Set5' });
      expect(tf.memory().numTensors).toBe(n0);
      model.dispose();
      expect(Math.abs(r.psnr - stated)).toBeLessThanOrEqual(0.01);
    });
  }
});
