/**
 * Benchmark (not a test): median forward and train-step time of FRBT-x4 on a 64x64 LR batch, next to
 * SwinIR-S (its FP twin) and FRBC (the conv model) when the registry has it.
 *
 *   npx tsx --tsconfig tsconfig.json packages/frb-models/bench/transformer.ts [--backend wasm|cpu] [--batch 1]
 *       [--size 64] [--train-size <size>] [--runs 3] [--models frbt,swinir-s,frbc]
 *
 * Train step = one `trainOnBatch` (L1 loss, Adam) on a random LR/HR pair of --train-size (default --size).
 * Times are wall-clock medians after one warm-up; forward waits for the output data.
 * A SwinIR-S / FRBT train step on one 64x64 LR patch needs more than the wasm backend's 4 GB heap (tfjs keeps
 * every layer's saved tensors until backprop ends); use --train-size 32 on wasm, or the cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, listModels } from '@frb/models';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
function intArg(name: string, dflt: number): number {
  const v = Number(arg(name, String(dflt)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench/transformer: --${name} must be a positive integer, got '${arg(name, '')}'`);
  return v;
}

const backend = arg('backend', 'wasm');
const batch = intArg('batch', 1);
const size = intArg('size', 64);
const trainSize = intArg('train-size', size);
const runs = intArg('runs', 3);
const scale = 4;
const models = arg('models', 'frbt,swinir-s,frbc').split(',').filter(Boolean);

async function median(fn: () => Promise<void>): Promise<number> {
  await fn(); // warm-up (kernel setup, weight upload)
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

await tf.setBackend(backend);
await tf.ready();
console.log(`backend=${tf.getBackend()} batch=${batch} forward lr=${size}x${size} train lr=${trainSize}x${trainSize} scale=x${scale} runs=${runs} (median after 1 warm-up)`);
const known = new Set(listModels().map((m) => m.name));
const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1);
const xt = tf.randomUniform([batch, trainSize, trainSize, 3], 0, 1, 'float32', 3);
const yt = tf.randomUniform([batch, trainSize * scale, trainSize * scale, 3], 0, 1, 'float32', 2);

for (const name of models) {
  if (!known.has(name)) {
    console.log(`${name.padEnd(10)} not registered (skipped)`);
    continue;
  }
  const m = createModel(name, { scale });
  m.compile({ optimizer: tf.train.adam(2e-4), loss: 'meanAbsoluteError' });
  const before = tf.memory().numTensors;
  const fwd = await median(async () => {
    const out = m.predict(x) as tf.Tensor;
    await out.data();
    out.dispose();
  });
  const step = await median(async () => {
    await m.trainOnBatch(xt, yt);
  });
  const leaked = tf.memory().numTensors - before;
  console.log(`${name.padEnd(10)} params=${String(m.countParams()).padStart(8)}  forward ${fwd.toFixed(0).padStart(7)} ms  train-step ${step.toFixed(0).padStart(7)} ms${leaked > 0 ? `  (tensors +${leaked}: optimizer state)` : ''}`);
  m.dispose();
}
tf.dispose([x, xt, yt]);
