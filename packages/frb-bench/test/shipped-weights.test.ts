// The shipped weights' model cards in the models README are what `frb eval`'s harness measures: Set5 PSNR of every
// pinned set (PRETRAINED), through the zoo (createModel with weights) and evaluateSet, for the training form and the
// shipped packed form, each within 0.01 dB of its card. Needs ../shared/data (skipped with a message when absent).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { benchmarkSet, loadEvalPairs } from '@frb/datasets';
import { PRETRAINED, createModel } from '@frb/models';
import '@frb/models/node';
import { evaluateSet } from '@frb/bench';
import { initBackend } from '@frb/layers/node';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const data = resolve(repo, '../shared/data');
const hasSharedData = existsSync(resolve(data, 'benchmark', 'Set5', 'HR'));
if (!hasSharedData) console.warn(`shipped-weights check skipped: ${data} is absent`);

/** Set5 PSNR of set `name` at x<scale> as its model card states it, float and packed (by the table's header). */
function cardPsnr(model: string, name: string, scale: number): { float: number; packed: number | undefined } {
  const lines = readFileSync(resolve(repo, 'packages/frb-models/README.md'), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`| ${model} \`${name}\` x${scale} |`));
  if (at < 0) throw new Error(`packages/frb-models/README.md has no model-card row for ${model} ${name} x${scale}: run npm run cards -- --write`);
  let h = at;
  while (h > 0 && !lines[h]!.startsWith('| model |')) h--;
  const header = lines[h]!.split('|').map((c) => c.trim());
  const cells = lines[at]!.split('|').map((c) => c.trim());
  const col = (title: string) => {
    const k = header.indexOf(title);
    if (k < 0) throw new Error(`the x${scale} model-card table has no '${title}' column`);
    return Number(cells[k]!.split('/')[0]);
  };
  return { float: col('Set5'), packed: header.includes('Set5 packed') && /^\d/.test(cells[header.indexOf('Set5 packed')]!) ? col('Set5 packed') : undefined };
}

describe.skipIf(!hasSharedData)('shipped weights measure what their model cards state (needs ../shared/data)', () => {
  // Whole Set5 images: the wasm backend with the native tier, as `frb eval` runs (the pure-JS cpu backend takes
  // minutes). Each test file runs in its own process, so the switch stays here.
  beforeAll(async () => {
    await initBackend('wasm');
  });
  for (const p of PRETRAINED) {
    it(`${p.model} x${p.scale} ${p.name}: Set5 PSNR within 0.01 dB of its card, float${p.files.packed ? ' and packed' : ''}`, async () => {
      const stated = cardPsnr(p.model, p.name, p.scale);
      expect(stated.float).toBeGreaterThan(25);
      const pairs = await benchmarkSet(resolve(data, 'benchmark'), 'Set5', p.scale);
      const forms = p.files.packed ? [false, true] : [false];
      for (const packed of forms) {
        const model = await createModel(p.model, { scale: p.scale, weights: p.name, packed });
        const n0 = tf.memory().numTensors;
        const r = await evaluateSet(model, loadEvalPairs(pairs, { keepGray: true }), { scale: p.scale, set: 'Set5' });
        expect(tf.memory().numTensors).toBe(n0);
        model.dispose();
        const want = packed ? stated.packed : stated.float;
        expect(want, `card of ${p.name} x${p.scale} lacks the ${packed ? 'packed' : 'float'} Set5 value`).toBeDefined();
        expect(Math.abs(r.psnr - want!)).toBeLessThanOrEqual(0.01);
      }
    }, 300_000);
  }
});
