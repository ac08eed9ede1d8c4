import { describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { binarySummary, formatBinarySummary, rprelu, srbConv2d, srbDense } from '@frb/layers';

describe('binarySummary on hand-computed models', () => {
  it('conv model: FP / binary / scalar params, memory and MACs per layer', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [null, null, 3], filters: 4, kernelSize: 3, padding: 'same', name: 'head' }),
      srbConv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', name: 'b1' }),
      rprelu({ name: 'act' }),
      srbConv2d({ filters: 6, kernelSize: 1, order: 1, inputQuantizer: null, name: 'b2' }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', name: 'dw' }),
    ] });
    const s = binarySummary(model, { inputShape: [8, 10, 3] });
    const byName = Object.fromEntries(s.rows.map((r) => [r.name, r]));
    expect(s.rows.map((r) => r.name)).toEqual(['head', 'b1', 'act', 'b2', 'dw']);
    // head: 3·3·3·4 + 4 params; 8·10 outputs × 108 MACs.
    expect(byName.head).toMatchObject({ fpParams: 112, binaryParams: 0, scalars: 0, fpMacs: 8640, binaryMacs: 0, outputShape: [1, 8, 10, 4] });
    // b1: kernel 3·3·4·6 = 216, two bases; threshold 4 + α 2·6; 4·5 outputs × 216 × 2.
    expect(byName.b1).toMatchObject({ fpParams: 0, binaryParams: 432, scalars: 16, fpMacs: 0, binaryMacs: 8640, memoryBits: 432 + 32 * 16, outputShape: [1, 4, 5, 6] });
    expect(byName.act).toMatchObject({ scalars: 18, fpMacs: 0, binaryMacs: 0 });
    // b2: full-precision activations → its MACs count as FP, once.
    expect(byName.b2).toMatchObject({ binaryParams: 36, scalars: 6, fpMacs: 720, binaryMacs: 0 });
    // dw: 3·3·6·2 + 12 params; 2·3 outputs × 108.
    expect(byName.dw).toMatchObject({ fpParams: 120, fpMacs: 648, outputShape: [1, 2, 3, 12] });
    expect(s.totals).toEqual({
      fpParams: 232, binaryParams: 468, scalars: 40, params: 232 + 468 / 32,
      memoryBits: 32 * 232 + 468 + 32 * 40, memoryBytes: (32 * 232 + 468 + 32 * 40) / 8,
      fpMacs: 10008, binaryMacs: 8640, ops: 10008 + 8640 / 64,
      // Stored values: head 112; b1 latent kernel 216 (once, not × order) + threshold 4; act 18; b2 kernel 36
      // (no threshold: full-precision activations); dw 120. α's are computed from the kernel, not stored.
      storedParams: 112 + 220 + 18 + 36 + 120,
    });
    expect(s.totals.storedParams).toBe(model.countParams());
    const text = s.toString();
    expect(text).toContain('b1 (SRBConv2D)');
    expect(text).toContain('OPs (FP + binary/64)');
    expect(text).toContain('Stored values (tfjs countParams): 506');
    expect(formatBinarySummary(s)).toBe(text);
  });

  it('functional model: nested model, rank-3 dense tokens, a shared layer counted per application', () => {
    const innerIn = tfl.input({ shape: [5, 8] });
    const inner = tfl.model({ inputs: innerIn, outputs: srbDense({ units: 4, name: 'srbd' }).apply(innerIn) as tfl.SymbolicTensor, name: 'inner' });
    const x = tfl.input({ shape: [5, 8] });
    const shared = tfl.layers.dense({ units: 8, name: 'shared' });
    const h = shared.apply(shared.apply(x)) as tfl.SymbolicTensor;
    const y = tfl.layers.dense({ units: 2, useBias: false, name: 'out' }).apply(inner.apply(h)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: y });
    const s = binarySummary(model, { inputShape: [5, 8] });
    const byName = Object.fromEntries(s.rows.map((r) => [r.name, r]));
    expect(byName.shared).toMatchObject({ fpParams: 72, fpMacs: 2 * 5 * 64 });
    expect(byName['inner/srbd']).toMatchObject({ binaryParams: 64, scalars: 8 + 8, binaryMacs: 5 * 32 * 2, outputShape: [1, 5, 4] });
    expect(byName.out).toMatchObject({ fpParams: 8, fpMacs: 40 });
    expect(s.totals).toMatchObject({ fpParams: 80, binaryParams: 64, scalars: 16, params: 82, fpMacs: 680, binaryMacs: 320, ops: 685 });
  });

  it('rejects missing or bad input shapes', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2 })] });
    expect(() => binarySummary(model, {} as never)).toThrow(/inputShape is required/);
    expect(() => binarySummary(model, { inputShape: [0] })).toThrow(/positive integers/);
    expect(() => binarySummary(model, { inputShape: [[3], [3]] })).toThrow(/has 1 input\(s\), got 2/);
  });
});
