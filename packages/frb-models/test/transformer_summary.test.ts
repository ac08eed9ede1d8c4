// binarySummary on SwinIR-S / FRBT: every Linear counted over all tokens of the padded image (the window
// partition folds windows into the batch), the attention matmuls QKᵀ and A·V counted by WindowAttention's
// summaryCounts, convs as usual. Expected values come from the closed-form formulas below.
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { binarySummary } from '@frb/layers';
import { buildSwinIRS, buildFRBT, createModel, type SwinIROptions } from '@frb/models';

interface Cfg { C: number; blocks: number; depth: number; window: number; mlpRatio: number; scale: number; channels: number }

/** Closed-form MACs for a padded Hp×Wp LR image (batch 1). */
function swinMacs(cfg: Cfg, hp: number, wp: number) {
  const { C, blocks, depth, window, mlpRatio, scale, channels } = cfg;
  const T = hp * wp; // tokens = pixels of the padded image
  const r = mlpRatio * C;
  const linears = blocks * depth * T * (C * 3 * C + C * C + C * r + r * C); // qkv, proj, fc1, fc2
  const attention = blocks * depth * 2 * T * window * window * C; // QKᵀ and A·V
  const convs = T * 9 * (channels * C + blocks * C * C + C * C + C * channels * scale * scale); // first, RSTB, after_body, upsample
  return { linears, attention, convs };
}

const ceilTo = (n: number, m: number) => Math.ceil(n / m) * m;

describe('binarySummary on SwinIR-S / FRBT', () => {
  const tiny: SwinIROptions = { embedDim: 12, blocks: 2, depth: 2, numHeads: 2, windowSize: 4, mlpRatio: 2, scale: 2 };
  const cfg: Cfg = { C: 12, blocks: 2, depth: 2, window: 4, mlpRatio: 2, scale: 2, channels: 3 };

  it('tiny SwinIR-S: Linears over all tokens, attention matmuls and convs match the formula (padded 7x10 -> 8x12)', () => {
    const m = buildSwinIRS(tiny);
    const s = binarySummary(m, { inputShape: [7, 10, 3] });
    const e = swinMacs(cfg, 8, 12);
    expect(s.totals.fpMacs).toBe(e.linears + e.attention + e.convs);
    expect(s.totals.binaryMacs).toBe(0);
    const row = (n: string) => s.rows.find((r) => r.name === n)!;
    // One Linear of one Swin layer: 96 tokens (6 windows of 16), not 16.
    expect(row('body/rstb_0/layer_1/attn/qkv').fpMacs).toBe(96 * 12 * 36);
    expect(row('body/rstb_0/layer_1/attn/qkv').outputShape).toEqual([6, 16, 36]);
    expect(row('body/rstb_0/layer_1/attn').fpMacs).toBe(2 * 6 * 16 * 16 * 12);
    // Headline FP params are the Linears and convs (LayerNorms and bias tables go to scalars).
    expect(s.totals.fpParams + s.totals.scalars).toBe(m.countParams());
    m.dispose();
  });

  it("tiny FRBT: binary MACs = the Linears' MACs × order, FP MACs = attention + convs", () => {
    for (const order of [1, 2]) {
      const m = buildFRBT({ ...tiny, binary: { order } });
      const s = binarySummary(m, { inputShape: [8, 12, 3] });
      const e = swinMacs(cfg, 8, 12);
      expect(s.totals.binaryMacs).toBe(e.linears * order);
      expect(s.totals.fpMacs).toBe(e.attention + e.convs);
      expect(s.totals.ops).toBe(e.attention + e.convs + (e.linears * order) / 64);
      m.dispose();
    }
  });

  it('summary leaks no tensors and needs a concrete input shape', () => {
    const m = buildSwinIRS(tiny);
    const before = tf.memory().numTensors;
    binarySummary(m, { inputShape: [8, 8, 3] });
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('SwinIR-S x4 at 180x320 (padded to 184x320): 62.71 G MACs; 50.7 G without attention at 180x320, near the paper\'s 49.6 G', () => {
    const m = createModel('swinir-s', { scale: 4 });
    const s = binarySummary(m, { inputShape: [180, 320, 3] });
    const full: Cfg = { C: 60, blocks: 4, depth: 6, window: 8, mlpRatio: 2, scale: 4, channels: 3 };
    const e = swinMacs(full, ceilTo(180, 8), 320);
    expect(s.totals.fpMacs).toBe(e.linears + e.attention + e.convs);
    expect(s.totals.fpMacs).toBe(62_710_732_800);
    // SwinIR's 49.6 G Mult-Adds (x4, 1280x720 output) is close to Conv+Linear MACs on the unpadded 180x320 LR
    // image (attention matmuls excluded, as module-hook counters do): within 3%.
    const unpadded = swinMacs(full, 180, 320);
    expect(Math.abs(unpadded.linears + unpadded.convs - 49.6e9) / 49.6e9).toBeLessThan(0.03);
    m.dispose();
  });

  it('FRBT x4 at 180x320: binary MACs = SwinIR-S Linear MACs × 2 (order 2)', () => {
    const m = createModel('frbt', { scale: 4 });
    const s = binarySummary(m, { inputShape: [180, 320, 3] });
    const e = swinMacs({ C: 60, blocks: 4, depth: 6, window: 8, mlpRatio: 2, scale: 4, channels: 3 }, 184, 320);
    expect(s.totals.binaryMacs).toBe(2 * e.linears);
    expect(s.totals.fpMacs).toBe(e.attention + e.convs);
    m.dispose();
  });
});
