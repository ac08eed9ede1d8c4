import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { learnableBias, rprelu, srbConv2d, srbDense } from '@frb/layers';
import { rand } from './helpers.js';

/**
 * Fits on one fixed batch, one `fit` call per step, recording the loss and the live tensor
 * count after each. (Within a single multi-epoch `fit`, tfjs itself holds one extra tensor per
 * epoch until fit returns, for stock layers too, so the count is taken between calls.)
 */
async function fitFixedBatch(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, steps: number) {
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanAbsoluteError' });
  const losses: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const h = await model.fit(x, y, { epochs: 1, batchSize: x.shape[0], shuffle: false, verbose: 0 });
    losses.push(h.history.loss[0] as number);
    counts.push(tf.memory().numTensors);
  }
  return { losses, counts };
}

describe('model.fit with SRB layers', () => {
  it('lowers an L1 loss on a fixed batch (conv model), tensor count flat per step', async () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
      srbConv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
      rprelu(),
      learnableBias(),
      srbConv2d({ filters: 4, kernelSize: 3, padding: 'same', order: 1, inputQuantizer: 'steSign', kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
      tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotNormal({ seed: 4 }) }),
    ] });
    const x = rand([4, 6, 6, 2], 10);
    const y = rand([4, 6, 6, 1], 11, 0.5);
    const { losses, counts } = await fitFixedBatch(model, x, y, 30);
    const first = losses[0], last = Math.min(...losses.slice(-5));
    expect(last).toBeLessThan(0.85 * first);
    // After the optimizer's slots exist (first step), every step leaves the same number of tensors.
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('lowers an L1 loss for SRBDense on rank-3 tokens', async () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [5, 8], units: 8, kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) }),
      srbDense({ units: 8, kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) }),
      rprelu(),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 7 }) }),
    ] });
    const x = rand([6, 5, 8], 12);
    const y = rand([6, 5, 3], 13, 0.5);
    const { losses, counts } = await fitFixedBatch(model, x, y, 30);
    expect(Math.min(...losses.slice(-5))).toBeLessThan(0.85 * losses[0]);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });
});
