// Writes the demo's model files: a deterministic (seeded) FRBC per scale, an *untrained placeholder* until the
// shipped FRBC weights exist (see src/config.ts for where the page loads them). The weights follow the models'
// own init rules with a seeded generator instead of tfjs' random one: binary (SRB) latent kernels U(±1/√fan_in),
// full-precision conv kernels uniform with Kaiming-normal×0.1's standard deviation (BasicSR's init, inferred);
// every constant-initialised weight (biases, RSign thresholds, RPReLU) keeps its constant. Then the last conv is
// scaled by RESIDUAL_GAIN: with the init alone the residual is ~0.01 grey levels (the output is the bilinear skip
// to the byte), so a browser/Node comparison would never see the binary body; ×400 gives a residual of ~5 grey
// levels, ~2 of them from the binary body, on a random image. A placeholder choice, no training meaning.
//   npx tsx --tsconfig tsconfig.json apps/demo/scripts/make-model.ts [--out DIR] [--seed N]
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createModel } from '@frb/models';
import { saveModel } from '@frb/models/node';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_SEED = 20240711;
export const RESIDUAL_GAIN = 400;
const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT = path.resolve(here, '../public/models');

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FRBC for `scale` with seeded placeholder weights; metadata marks it as an untrained placeholder. */
export function makePlaceholderModel(scale: 2 | 4, seed = DEFAULT_SEED): tfl.LayersModel {
  const model = createModel('frbc', { scale, name: `frbc_x${scale}` });
  const rand = mulberry32(seed + scale);
  for (const layer of model.layers) {
    const binary = layer.getClassName().startsWith('SRB');
    for (const w of layer.weights) {
      const shape = w.shape as number[]; // built layers: no null dimensions
      if (shape.length !== 4) continue; // biases, thresholds, RPReLU: constants from their initialisers
      const [kh, kw, cin] = shape;
      const fanIn = kh * kw * cin;
      const bound = binary ? 1 / Math.sqrt(fanIn) : Math.sqrt(3) * 0.1 * Math.sqrt(2 / fanIn);
      const vals = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < vals.length; i++) vals[i] = (2 * rand() - 1) * bound;
      const t = tf.tensor(vals, shape);
      w.write(t);
      t.dispose();
    }
  }
  const last = model.getLayer('tail/conv_last').weights[0];
  const scaled = tf.tidy(() => tf.mul(last.read(), RESIDUAL_GAIN));
  last.write(scaled);
  scaled.dispose();
  model.setUserDefinedMetadata({ placeholder: true, seed, scale, residualGain: RESIDUAL_GAIN, note: 'untrained placeholder FRBC (seeded), not the shipped weights' });
  return model;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let out = DEFAULT_OUT;
  let seed = DEFAULT_SEED;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out' && args[i + 1]) out = path.resolve(args[++i]);
    else if (args[i] === '--seed' && args[i + 1] && Number.isInteger(Number(args[i + 1]))) seed = Number(args[++i]);
    else throw new Error(`make-model: unknown or incomplete argument '${args[i]}' (use --out DIR, --seed N)`);
  }
  await tf.setBackend('cpu');
  for (const scale of [2, 4] as const) {
    const model = makePlaceholderModel(scale, seed);
    const dir = path.join(out, `frbc-x${scale}`);
    await saveModel(model, dir);
    model.dispose();
    console.log(`make-model: wrote ${dir} (FRBC x${scale}, seed ${seed}, untrained placeholder)`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
