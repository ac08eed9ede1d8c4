// A progress bar (like tfjs-node's ProgbarLogger) is registered with registerCallbackConstructor and runs
// before user callbacks; it must already see `distill` in the batch and epoch logs.
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DBTCallback, DISTILL_LOG_KEY } from '@frb/distill';
import { tinySR, randomData } from './helpers.js';

const seen: { batch: string[][]; epoch: string[][] } = { batch: [], epoch: [] };

class FakeProgbar extends tfl.Callback {
  override async onBatchEnd(_b: number, logs?: tfl.Logs | Record<string, unknown>) {
    seen.batch.push(Object.keys(logs ?? {}));
  }
  override async onEpochEnd(_e: number, logs?: tfl.Logs | Record<string, unknown>) {
    seen.epoch.push(Object.keys(logs ?? {}));
  }
}
tfl.registerCallbackConstructor(1, FakeProgbar as unknown as new () => tfl.Callback);

describe('progress display', () => {
  it('a verbose-registered logger (which runs before DBTCallback) sees logs.distill per batch and epoch', async () => {
    const student = tinySR({ seed: 1 });
    const teacher = tinySR({ seed: 2 });
    student.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanAbsoluteError' });
    const x = randomData([4, 6, 6, 2], 1);
    await student.fit(x, x, { epochs: 2, batchSize: 2, verbose: 1, callbacks: [new DBTCallback({ teacher })] });
    expect(seen.batch).toHaveLength(4);
    expect(seen.batch.every((k) => k.includes(DISTILL_LOG_KEY) && k.includes('loss'))).toBe(true);
    expect(seen.epoch).toHaveLength(2);
    expect(seen.epoch.every((k) => k.includes(DISTILL_LOG_KEY))).toBe(true);
    x.dispose();
  });
});
