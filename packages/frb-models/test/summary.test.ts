import { describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { createModel, deployModel } from '@frb/models';
import { binarySummary } from '@frb/layers';

// Hand count in BBCU's convention, from the layer shapes alone: conv MACs on a 320x180 LR input, binary MACs / 64
// (per SRB base), conv parameters (kernel + bias), binary kernel parameters / 32.
function handCount(m: tfl.LayersModel): { ops: number; params: number; fpParams: number; binaryWeights: number } {
  let ops = 0, params = 0, fpParams = 0, binaryWeights = 0;
  for (const l of m.layers) {
    const cls = l.getClassName();
    if (cls !== 'Conv2D' && cls !== 'SRBConv2D') continue;
    const [, h, w, cout] = l.outputShape as number[];
    const cin = (l.input as tfl.SymbolicTensor).shape[3] as number;
    const [kh, kw] = l.getConfig().kernelSize as number[];
    const macs = h * w * kh * kw * cin * cout;
    const kernel = kh * kw * cin * cout;
    const bias = l.getConfig().useBias ? cout : 0;
    if (cls === 'Conv2D') {
      ops += macs;
      params += kernel + bias;
      fpParams += kernel + bias;
    } else {
      const order = l.getConfig().order as number;
      ops += (order * macs) / 64;
      params += (order * kernel) / 32 + bias;
      binaryWeights += order * kernel;
    }
  }
  return { ops, params, fpParams, binaryWeights };
}

const within = (got: number, want: number, rel: number) => Math.abs(got - want) / want <= rel;

describe('summary parity with BBCU Table 1 (x4, 320x180 LR input)', () => {
  it('SRResNet x4 layer shapes give 146.14 G / 1,515 K within 0.5 %', () => {
    const m = createModel('srresnet', { scale: 4, inputSize: [180, 320] });
    const c = handCount(m);
    expect(c.params).toBe(1_517_571);
    expect(m.countParams()).toBe(1_517_571);
    expect(within(c.ops / 1e9, 146.14, 0.005)).toBe(true);
    expect(within(c.params / 1e3, 1515, 0.005)).toBe(true);
    m.dispose();
  });

  it('BBCU-L x4 layer shapes give 79.20 G / 372 K within 0.5 % (335,875 FP + 1,179,648 / 32 binary)', () => {
    const m = createModel('bbcu-l', { scale: 4, inputSize: [180, 320] });
    const c = handCount(m);
    expect(c.fpParams).toBe(335_875);
    expect(c.binaryWeights).toBe(1_179_648);
    expect(within(c.ops / 1e9, 79.2, 0.005)).toBe(true);
    expect(within(c.params / 1e3, 372, 0.005)).toBe(true);
    m.dispose();
  });

  it('binarySummary of srresnet and bbcu-l (any-size models) matches the published figures and the hand count', () => {
    for (const [name, gOps, kParams] of [['srresnet', 146.14, 1515], ['bbcu-l', 79.2, 372]] as const) {
      const m = createModel(name, { scale: 4 });
      const t = binarySummary(m, { inputShape: [180, 320, 3] }).totals;
      expect(within(t.ops / 1e9, gOps, 0.005), `${name} ops ${t.ops}`).toBe(true);
      expect(within(t.params / 1e3, kParams, 0.005), `${name} params ${t.params}`).toBe(true);
      const fixed = createModel(name, { scale: 4, inputSize: [180, 320] });
      const c = handCount(fixed);
      expect(t.ops).toBeCloseTo(c.ops, 0);
      expect(t.params).toBeCloseTo(c.params, 3);
      m.dispose();
      fixed.dispose();
    }
  });
});

describe('binarySummary of a model and of its deployed (packed) form agree', () => {
  // Issue 21: the packed form once reported 84,995 Params / 19.96 G OPs for the shipped FRBC size (its packed layers
  // were counted as scalars with no MACs) against 89,603 / 20.09 G for the float form.
  const cases = [
    { name: 'frbc', opts: { scale: 4, features: 32, blocks: 4 }, input: [180, 320, 3], params: 84_995 + (2 * 8 * 9 * 32 * 32) / 32 },
    { name: 'frbc-m', opts: { scale: 2, features: 8, blocks: 1 }, input: [12, 10, 3] },
    // 16 features: the stages, conv_hr and the conv to RGB deploy as one PackedChain.
    { name: 'frbc-m', opts: { scale: 4, features: 16, blocks: 1 }, input: [12, 10, 3], tail: true },
    { name: 'frbt', opts: { scale: 2, embedDim: 12, blocks: 1, depth: 2, numHeads: 2, windowSize: 4 }, input: [8, 8, 3] },
  ];
  for (const c of cases) {
    it(`${c.name}${c.tail ? ' (chain ending in the conv to RGB)' : ''}: same Params, OPs, FP/binary split and scalars; storedParams = tfjs countParams of each`, async () => {
      const m = createModel(c.name, c.opts);
      const d = await deployModel(m);
      const a = binarySummary(m, { inputShape: c.input }).totals;
      const b = binarySummary(d, { inputShape: c.input }).totals;
      expect(a.binaryParams).toBeGreaterThan(0);
      expect(d.layers.some((l) => l.getClassName() === 'PackedChain' && l.getConfig().last !== null), 'chain with the conv to RGB').toBe(c.tail === true);
      for (const k of ['fpParams', 'binaryParams', 'scalars', 'params', 'fpMacs', 'binaryMacs', 'ops', 'memoryBits'] as const) {
        expect(b[k], k).toBe(a[k]);
      }
      if (c.params !== undefined) expect(a.params).toBe(c.params);
      // What tfjs counts differs from Params, and differs between the forms: latent float32 kernels vs int32 words.
      expect(a.storedParams).toBe(m.countParams());
      expect(b.storedParams).toBe(d.countParams());
      expect(b.storedParams).toBeLessThan(a.storedParams);
      m.dispose();
      d.dispose();
    });
  }
});
