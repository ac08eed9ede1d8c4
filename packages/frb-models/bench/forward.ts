// Forward-pass latency of the conv models (default sizes) per backend, as medians.
//   npx tsx --tsconfig tsconfig.json packages/frb-models/bench/forward.ts [--backends wasm,cpu] [--size 24]
//       [--runs 3] [--models srresnet,frbc,bbcu-l] [--scale 4]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createModel } from '@frb/models';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const backends = arg('backends', 'wasm,cpu').split(',');
const size = Number(arg('size', '24'));
const runs = Number(arg('runs', '3'));
const scale = Number(arg('scale', '4'));
const models = arg('models', 'srresnet,frbc,bbcu-l').split(',');

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const name of models) {
    const m = createModel(name, { scale });
    const x = tf.randomUniform([1, size, size, 3]);
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const y = m.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
      if (i > 0) times.push(performance.now() - t0); // first run is warm-up
    }
    console.log(`${backend}\t${name} x${scale}\t1x${size}x${size}x3\tmedian ${median(times).toFixed(0)} ms over ${runs} runs`);
    x.dispose();
    m.dispose();
  }
}
