// Tiled vs whole-image inference: peak tfjs memory and median wall time, plus the max output difference.
// Run: npx tsx --tsconfig tsconfig.json packages/frb-bench/bench/tiling.ts [--backend wasm|cpu] [--size 256] [--runs 3]
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { initBackend, type BackendPreference } from '@frb/layers/node';
import { createModel } from '@frb/models';
import { predictTiled, type FloatImage } from '@frb/bench';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    size: { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    model: { type: 'string', default: 'frbc' },
  },
});
const backend = await initBackend(values.backend as BackendPreference);
const size = Number(values.size);
const runs = Number(values.runs);
const model = createModel(values.model!, { scale: 4, features: 32, blocks: 8 });
const lr: FloatImage = {
  data: Float32Array.from({ length: size * size * 3 }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.013)),
  height: size, width: size, channels: 3,
};
const predict = (x: tf.Tensor4D) => model.predict(x) as tf.Tensor;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let reference: Float32Array | undefined;
console.log(`${values.model} 32x8 x4 on a ${size}x${size} LR image, backend ${backend}, ${runs} runs each`);
for (const tile of [0, 128, 64]) {
  const times: number[] = [];
  let peak = 0;
  let out: FloatImage | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const info = await tf.profile(async () => {
      out = await predictTiled(predict, lr, { scale: 4, tile: tile || undefined, overlap: 16 });
      return [];
    });
    times.push((performance.now() - t0) / 1000);
    peak = Math.max(peak, info.peakBytes);
  }
  reference ??= out!.data;
  let maxDiff = 0;
  for (let i = 0; i < reference.length; i++) maxDiff = Math.max(maxDiff, Math.abs(reference[i] - out!.data[i]));
  console.log(
    `${tile ? `tile ${tile}, overlap 16` : 'whole image      '}: median ${median(times).toFixed(2)} s, ` +
      `peak tfjs memory ${(peak / 2 ** 20).toFixed(1)} MiB, max |diff| vs whole ${maxDiff.toExponential(1)}`,
  );
}
model.dispose();
