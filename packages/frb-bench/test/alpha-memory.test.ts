// Alpha channels around the model, and the memory estimate that refuses whole-image calls that cannot fit.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { imresize, splitAlpha } from '@frb/datasets';
import { createModel } from '@frb/models';
import { MemoryBudgetError, estimateCallBytes, superResolve, tileThatFits } from '@frb/bench';
import { rawImage } from './helpers.js';

describe('superResolve with an alpha channel', () => {
  it('RGBA: colour through the model (= the RGB image alone), alpha by MATLAB bicubic, re-attached; gray+alpha too', async () => {
    const model = createModel('frbc', { scale: 2, features: 8, blocks: 1 });
    const before = tf.memory().numTensors;
    const rgba = rawImage(7, 9, 4, 3);
    const { color, alpha } = splitAlpha(rgba);
    const sr = await superResolve(model, rgba, { scale: 2 });
    expect([sr.height, sr.width, sr.channels]).toEqual([14, 18, 4]);
    const want = splitAlpha(sr);
    const rgbOnly = await superResolve(model, color, { scale: 2 });
    expect(Buffer.from(want.color.data).equals(Buffer.from(rgbOnly.data))).toBe(true);
    expect(Buffer.from(want.alpha.data).equals(Buffer.from(imresize(alpha, 2).data))).toBe(true);

    const ga = rawImage(5, 6, 2, 4);
    const g = await superResolve(model, ga, { scale: 2 });
    expect(g.channels).toBe(2);
    const parts = splitAlpha(ga);
    expect(Buffer.from(splitAlpha(g).color.data).equals(Buffer.from((await superResolve(model, parts.color, { scale: 2 })).data))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('memory estimate of an untiled call', () => {
  const model = createModel('frbc', { scale: 4, features: 32, blocks: 4 });

  it('grows with the image area and covers the 768,000,000-value tensor that a 1500x1000 photo at x4 allocates', () => {
    const a = estimateCallBytes(model, 40, 60);
    expect(estimateCallBytes(model, 80, 120)).toBe(4 * a);
    // FRBC x4's second upsampling conv outputs (2H x 2W x 128) floats: for 1000x1500 that is 768e6 values.
    expect(estimateCallBytes(model, 1000, 1500)).toBeGreaterThanOrEqual(4 * 768_000_000);
  });

  it('a call over the budget is refused before running, with a tile size that fits; tiled it runs', async () => {
    const model = createModel('frbc', { scale: 4, features: 8, blocks: 1 });
    const lr = rawImage(100, 100, 3, 9);
    const need = estimateCallBytes(model, 100, 100);
    const budget = Math.floor(need / 3);
    const before = tf.memory().numTensors;
    const err = await superResolve(model, lr, { scale: 4, maxMemoryBytes: budget }).catch((e) => e);
    expect(err).toBeInstanceOf(MemoryBudgetError);
    expect(err.estimateBytes).toBe(need);
    const tile = tileThatFits(model, budget, 4);
    expect(err.message).toMatch(/100x100 image .* needs about .* tensor memory \(limit .*\); tiles of \d+ pixels fit/);
    expect(estimateCallBytes(model, tile + 8, tile + 8)).toBeLessThanOrEqual(budget);
    expect(estimateCallBytes(model, tile + 16 + 8, tile + 16 + 8)).toBeGreaterThan(budget);
    expect(tile).toBeGreaterThan(16);
    expect(tf.memory().numTensors).toBe(before);
    const small = rawImage(20, 20, 3, 9);
    const ok = await superResolve(model, small, { scale: 4, maxMemoryBytes: estimateCallBytes(model, 20, 20) });
    expect([ok.height, ok.width]).toEqual([80, 80]);
    const tiled = await superResolve(model, lr, { scale: 4, maxMemoryBytes: budget, tile, tileOverlap: 4 });
    expect([tiled.height, tiled.width]).toEqual([400, 400]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
