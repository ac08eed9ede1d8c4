// The packed wasm conv on a thread pool (worker_threads here, page Workers in the demo): the same output, bit for
// bit, as on the calling thread alone, the workers really take rows, and stopping the pool falls back cleanly.
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  packedThreads, packedThreadsUnavailable, packLayer, packUnit, rprelu, setPackedKernel, srbConv2d, startPackedThreads,
  stopPackedThreads, type SRBConv2D,
} from '../src/index.js';
import { nodeWorkerSpawner } from '../src/node.js';
import { rand } from './helpers.js';

const why = packedThreadsUnavailable();
if (why !== null) console.warn(`xnor-threads.test: skipped: ${why}`);

/** An SRB conv with random latent weights (thresholds small, as trained ones are). */
function randomConv(cin: number, filters: number, dilationRate: number, seed: number): SRBConv2D {
  const srb = srbConv2d({ filters, kernelSize: 3, padding: 'same', dilationRate, order: 2, useBias: true });
  srb.build([1, 4, 4, cin]);
  const vals = srb.weights.map((w, i) => rand(w.shape as number[], seed + i, w.originalName.endsWith('threshold') ? 0.3 : 1));
  srb.setWeights(vals);
  tf.dispose(vals);
  return srb;
}

describe.skipIf(why !== null)('packed wasm conv on a thread pool', () => {
  afterEach(() => {
    stopPackedThreads();
    setPackedKernel('auto');
  });

  // On the wasm backend the single-thread kernel runs in the backend's memory and the pool copies straight between
  // that memory and its own (xnorConvHeap); on cpu both go through host arrays.
  it.each(['cpu', 'wasm'])('on %s: equals the single-thread output bit for bit (conv and unit, several shapes), with rows done by the workers', async (backend) => {
    const backendBefore = tf.getBackend();
    await tf.setBackend(backend);
    setPackedKernel('wasm');
    const cases = [
      { cin: 32, filters: 32, dilation: 1, hw: [37, 29], batch: 2 }, // the FRBC body's width, more rows than threads
      { cin: 64, filters: 16, dilation: 2, hw: [9, 7], batch: 1 },
      { cin: 32, filters: 8, dilation: 1, hw: [1, 5], batch: 1 }, // fewer rows than threads
    ];
    const layers = cases.map((c, i) => {
      const srb = randomConv(c.cin, c.filters, c.dilation, 10 * i + 1);
      const x = rand([c.batch, c.hw[0], c.hw[1], c.cin], 100 + i);
      return { conv: packLayer(srb), srb, x };
    });
    const unitSrb = randomConv(32, 32, 1, 77);
    const act = rprelu();
    act.build([null, 32]);
    const unit = packUnit(unitSrb, act);
    const ux = rand([1, 23, 31, 32], 300);
    const run = () => [...layers.map(({ conv, x }) => conv.apply(x) as tf.Tensor), unit.apply(ux) as tf.Tensor];

    const single = run();
    const want = single.map((t) => Array.from(t.dataSync()));
    tf.dispose(single);

    expect(await startPackedThreads(3, nodeWorkerSpawner)).toBe(3);
    expect(packedThreads()).toEqual({ threads: 3, workerRows: 0 });
    const before = tf.memory().numTensors;
    // Several rounds: the workers must take part in some, and every round must agree exactly.
    for (let round = 0; round < 4; round++) {
      const got = run();
      got.forEach((t, i) => expect(Array.from(t.dataSync()), `output ${i}, round ${round}`).toEqual(want[i]));
      tf.dispose(got);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(packedThreads().workerRows).toBeGreaterThan(0);

    // Stopped: back on the calling thread alone, still the same output.
    stopPackedThreads();
    expect(packedThreads()).toEqual({ threads: 1, workerRows: 0 });
    const after = run();
    after.forEach((t, i) => expect(Array.from(t.dataSync()), `output ${i} after stop`).toEqual(want[i]));
    tf.dispose([...after, ux, ...layers.map((l) => l.x)]);
    await tf.setBackend(backendBefore);
  }, 120_000);

  it('refuses a pool of fewer than 2 threads, naming the count', async () => {
    await expect(startPackedThreads(1, nodeWorkerSpawner)).rejects.toThrow(/at least 2 threads, got 1/);
    expect(packedThreads().threads).toBe(1);
  });

  it('names the worker that failed to start', async () => {
    const broken = () => nodeWorkerSpawner('throw new Error("no such thing");\n');
    await expect(startPackedThreads(2, broken)).rejects.toThrow(/packed threads: worker 1 failed: .*no such thing/);
    expect(packedThreads().threads).toBe(1);
  });
});
