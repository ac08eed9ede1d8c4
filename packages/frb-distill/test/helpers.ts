// Small plain tfjs models named like the zoo's twins (`body/block_NN` = output of residual block NN), and the
// hand-written DBT step the callback tests compare against.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { attentionLoss, type AttentionForm } from '@frb/distill';

// Conv filter gradients on wasm (FRB_TEST_BACKEND=wasm) come from @frb/layers' kernels, registered on import.
// Imported softly so the distill tests still run on cpu while @frb/layers is mid-change.
export const layersImport: string | null = await import('@frb/layers').then(() => null, (e: Error) => e.message);

export interface TinyOpts {
  seed: number;
  blocks?: number;
  features?: number;
  channels?: number;
  size?: number | null;
  name?: string;
  /** Extra layer name suffix so two models built in one test never clash. */
  blockName?: (i: number) => string;
}

/** conv head → residual conv blocks (each output an Add named body/block_NN) → conv tail. */
export function tinySR(o: TinyOpts): tfl.LayersModel {
  const f = o.features ?? 4;
  const c = o.channels ?? 2;
  const size = o.size === undefined ? 6 : o.size;
  const init = (k: number) => tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: o.seed * 100 + k });
  const x = tfl.input({ shape: [size, size, c] });
  let h = tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', name: 'head', kernelInitializer: init(0),
    biasInitializer: init(1) }).apply(x) as tfl.SymbolicTensor;
  for (let i = 0; i < (o.blocks ?? 2); i++) {
    const nn = String(i).padStart(2, '0');
    const r = tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu',
      name: `body/conv_${nn}`, kernelInitializer: init(2 + 2 * i), biasInitializer: init(3 + 2 * i) })
      .apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.add({ name: o.blockName ? o.blockName(i) : `body/block_${nn}` }).apply([h, r]) as tfl.SymbolicTensor;
  }
  const y = tfl.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same', name: 'tail', kernelInitializer: init(99),
    biasInitializer: init(98) }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: y, name: o.name ?? `tiny_${o.seed}` });
}

/** Dense residual blocks on flat vectors (for backends without conv filter gradients). */
export function tinyDense(o: { seed: number; blocks?: number; units?: number; inDim?: number; name?: string }): tfl.LayersModel {
  const u = o.units ?? 6;
  const d = o.inDim ?? 5;
  const init = (k: number) => tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: o.seed * 100 + k });
  const x = tfl.input({ shape: [d] });
  let h = tfl.layers.dense({ units: u, name: 'head', kernelInitializer: init(0), biasInitializer: init(1) })
    .apply(x) as tfl.SymbolicTensor;
  for (let i = 0; i < (o.blocks ?? 2); i++) {
    const nn = String(i).padStart(2, '0');
    const r = tfl.layers.dense({ units: u, activation: 'relu', name: `body/dense_${nn}`, kernelInitializer: init(2 + i),
      biasInitializer: init(50 + i) }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.add({ name: `body/block_${nn}` }).apply([h, r]) as tfl.SymbolicTensor;
  }
  const y = tfl.layers.dense({ units: d, name: 'tail', kernelInitializer: init(99) }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: y, name: o.name ?? `dense_${o.seed}` });
}

export function weightsOf(m: tfl.LayersModel): Float32Array[] {
  return m.getWeights().map((w) => w.dataSync().slice() as Float32Array);
}

export function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  if (a.length !== b.length) throw new Error(`weight lists differ in length: ${a.length} vs ${b.length}`);
  let m = 0;
  a.forEach((arr, i) => {
    if (arr.length !== b[i].length) throw new Error(`weight ${i} differs in size`);
    for (let j = 0; j < arr.length; j++) m = Math.max(m, Math.abs(arr[j] - b[i][j]));
  });
  return m;
}

/** Deterministic pseudo-random data in [0, 1). */
export function randomData(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, 0, 1, 'float32', seed);
}

/** One hand-written step minimizing L1 + weight · L_dis with `opt`, straight from the math (no callback). */
export function referenceStep(student: tfl.LayersModel, teacher: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor,
  opt: tf.Optimizer, weight: number, form: AttentionForm, pairs: string[]): void {
  const sFeat = tfl.model({ inputs: student.inputs,
    outputs: [...pairs.map((p) => student.getLayer(p).output as tfl.SymbolicTensor), student.outputs[0]] });
  const tFeat = tfl.model({ inputs: teacher.inputs, outputs: pairs.map((p) => teacher.getLayer(p).output as tfl.SymbolicTensor) });
  tf.tidy(() => {
    const tOut = [tFeat.predict(x) as tf.Tensor | tf.Tensor[]].flat();
    opt.minimize(() => {
      const outs = sFeat.apply(x, { training: true }) as tf.Tensor[];
      const pred = outs[outs.length - 1];
      const l1 = tf.mean(tf.abs(tf.sub(pred, y)));
      return tf.add(l1, tf.mul(attentionLoss(outs.slice(0, -1), tOut, form), weight)) as tf.Scalar;
    }, false, student.trainableWeights.map((w) => w.read() as tf.Variable));
  });
}
