// Cost of DBT per training step: median ms/step of plain `fit` vs `fit` with DBTCallback (both forms), on a
// small FRBC student with its SRResNet twin as teacher. Also prints the largest weight difference between one
// DBT fit step and the hand-written L1 + w·L_dis step (the mechanism's exactness on a real model).
//   npx tsx --tsconfig tsconfig.json packages/frb-distill/bench/dbt-overhead.ts [--backend cpu|wasm]
//     [--features 16] [--blocks 4] [--patch 24] [--batch 4] [--steps 10]
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@frb/layers';
import { createModel } from '@frb/models';
import { DBTCallback, attentionLoss, autoPairs, type AttentionForm } from '@frb/distill';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

const backend = arg('backend', 'cpu');
const features = Number(arg('features', '16'));
const blocks = Number(arg('blocks', '4'));
const patch = Number(arg('patch', '24'));
const batch = Number(arg('batch', '4'));
const steps = Number(arg('steps', '10'));
const scale = 2;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/**
 * Interleaved timing: one student per configuration, and each round runs one single-batch `fit` step of every
 * configuration in turn, so background load on a shared machine hits all of them alike.
 */
async function timeInterleaved(configs: Array<{ label: string; dbt: () => DBTCallback | null }>): Promise<Map<string, number[]>> {
  const students = configs.map(() => {
    const m = createModel('frbc', { scale, features, blocks });
    m.compile({ optimizer: tf.train.adam(1e-4), loss: 'meanAbsoluteError' });
    return m;
  });
  const callbacks = configs.map((c) => c.dbt());
  const x = tf.randomUniform([batch, patch, patch, 3], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch, patch * scale, patch * scale, 3], 0, 1, 'float32', 2);
  const times = new Map(configs.map((c) => [c.label, [] as number[]]));
  for (let round = 0; round < steps + 2; round++) {
    for (let k = 0; k < configs.length; k++) {
      let t0 = 0;
      let dt = 0;
      const timer = new tfl.CustomCallback({
        onBatchBegin: async () => { t0 = performance.now(); },
        onBatchEnd: async () => { dt = performance.now() - t0; },
      });
      const dbt = callbacks[k];
      await students[k].fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, callbacks: dbt ? [dbt, timer] : [timer] });
      // The first two rounds include kernel warm-up and optimizer slot creation.
      if (round >= 2) times.get(configs[k].label)!.push(dt);
    }
  }
  tf.dispose([x, y]);
  for (const m of students) {
    (m.optimizer as tf.Optimizer).dispose();
    m.dispose();
  }
  return times;
}

async function exactness(teacher: tfl.LayersModel): Promise<number> {
  const a = createModel('frbc', { scale, features, blocks, name: 'exact_a' });
  const b = createModel('frbc', { scale, features, blocks, name: 'exact_b' });
  b.setWeights(a.getWeights());
  const x = tf.randomUniform([batch, patch, patch, 3], 0, 1, 'float32', 3);
  const y = tf.randomUniform([batch, patch * scale, patch * scale, 3], 0, 1, 'float32', 4);
  a.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanAbsoluteError' });
  await a.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0, callbacks: [new DBTCallback({ teacher, weight: 1 })] });
  const names = autoPairs(b, teacher).map((p) => p.student);
  const sFeat = tfl.model({ inputs: b.inputs, outputs: [...names.map((n) => b.getLayer(n).output as tfl.SymbolicTensor), b.outputs[0]] });
  const tFeat = tfl.model({ inputs: teacher.inputs, outputs: names.map((n) => teacher.getLayer(n).output as tfl.SymbolicTensor) });
  const opt = tf.train.adam(1e-3);
  tf.tidy(() => {
    const tOut = tFeat.predict(x) as tf.Tensor[];
    opt.minimize(() => {
      const outs = sFeat.apply(x, { training: true }) as tf.Tensor[];
      const l1 = tf.mean(tf.abs(tf.sub(outs[outs.length - 1], y)));
      return tf.add(l1, attentionLoss(outs.slice(0, -1), tOut, 'spatial')) as tf.Scalar;
    }, false, b.trainableWeights.map((w) => w.read() as tf.Variable));
  });
  let m = 0;
  const wa = a.getWeights();
  const wb = b.getWeights();
  wa.forEach((w, i) => { m = Math.max(m, tf.tidy(() => tf.max(tf.abs(tf.sub(w, wb[i]))).dataSync()[0])); });
  tf.dispose([x, y]);
  return m;
}

await tf.setBackend(backend);
await tf.ready();
const teacher = createModel('srresnet', { scale, features, blocks });
console.log(`backend ${tf.getBackend()}, frbc/srresnet x${scale}, features ${features}, blocks ${blocks}, ` +
  `batch ${batch}x${patch}x${patch}, ${steps} timed steps each, interleaved`);
const n0 = tf.memory().numTensors;
const times = await timeInterleaved([
  { label: 'plain fit', dbt: () => null },
  { label: 'DBT spatial', dbt: () => new DBTCallback({ teacher, weight: 0.1, form: 'spatial' }) },
  { label: 'DBT elementwise', dbt: () => new DBTCallback({ teacher, weight: 0.1, form: 'elementwise' }) },
]);
const plain = median(times.get('plain fit')!);
for (const [label, v] of times) {
  const m = median(v);
  console.log(`${label.padEnd(16)} median ${m.toFixed(1)} ms/step` + (label === 'plain fit' ? '' : `  (+${(100 * (m / plain - 1)).toFixed(0)}%)`));
}
console.log(`numTensors after − before (students, optimizers and data disposed): ${tf.memory().numTensors - n0}`);
console.log(`max |w_fit − w_handwritten| after one DBT step (adam 1e-3): ${(await exactness(teacher)).toExponential(2)}`);
