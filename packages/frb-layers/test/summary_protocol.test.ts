// binarySummary's SummaryCountsLayer protocol and batch-folding layers (e.g. a window partition).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { binarySummary, hasSummaryCounts, srbDense, type SummaryCounts, type SummaryShape } from '@frb/layers';

/** [B, H, W, C] -> [B·H·W/4, 4, C]: folds 2x2 blocks into the batch, reporting the concrete folded batch. */
class FoldBlocks extends tfl.layers.Layer {
  static className = 'TestFoldBlocks';
  constructor(private readonly concrete: boolean, args: { name: string }) { super(args); }
  override computeOutputShape(s: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w, c] = s as tfl.Shape;
    return [this.concrete && b != null && h != null && w != null ? (b * h * w) / 4 : null, 4, c];
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const t = (Array.isArray(x) ? x[0] : x);
    return tf.reshape(t, [-1, 4, t.shape[3] as number]);
  }
}

/** Token mixer with a weight: MACs = tokens² · C per block (like an attention matmul), reported via the protocol. */
class Mixer extends tfl.layers.Layer {
  static className = 'TestMixer';
  override build(): void {
    this.addWeight('table', [5], 'float32', tfl.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(s: tfl.Shape | tfl.Shape[]): tfl.Shape { return s as tfl.Shape; }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor { return tf.clone(Array.isArray(x) ? x[0] : x); }
  summaryCounts(inputShapes: SummaryShape[]): SummaryCounts {
    const [b, n, c] = inputShapes[0] as number[];
    return { fpMacs: b * n * n * c, scalars: 7, notes: ['mixer: softmax not counted'] };
  }
}

function model(concrete: boolean): tfl.LayersModel {
  const x = tfl.input({ shape: [4, 6, 3] });
  const f = new FoldBlocks(concrete, { name: 'fold' }).apply(x) as tfl.SymbolicTensor;
  const d = srbDense({ units: 5, name: 'lin' }).apply(f) as tfl.SymbolicTensor;
  const mix = new Mixer({ name: 'mix' }).apply(d) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, name: 'out' }).apply(mix) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: out });
}

describe('binarySummary: SummaryCountsLayer protocol and folded batches', () => {
  it('counts Linears over every folded block and takes custom layers\' own counts', () => {
    const m = model(true);
    const s = binarySummary(m, { inputShape: [4, 6, 3] });
    const byName = Object.fromEntries(s.rows.map((r) => [r.name, r]));
    // 6 blocks × 4 tokens = 24 tokens; lin: 24 × 3·5 × order 2 (default) binary MACs.
    expect(byName.lin.binaryMacs).toBe(24 * 15 * 2);
    expect(byName.fold).toMatchObject({ outputShape: [6, 4, 3], fpMacs: 0 });
    // mix: 6 blocks × 4² × 5 from summaryCounts; its scalars overridden to 7 (the table has 5).
    expect(byName.mix).toMatchObject({ fpMacs: 6 * 16 * 5, binaryMacs: 0, scalars: 7, notes: ['mixer: softmax not counted'] });
    expect(byName.out.fpMacs).toBe(24 * 5 * 2);
    expect(s.totals.fpMacs).toBe(480 + 240);
    expect(s.toString()).toContain('note: mix: mixer: softmax not counted');
    expect(hasSummaryCounts(m.getLayer('mix'))).toBe(true);
    expect(hasSummaryCounts(m.getLayer('lin'))).toBe(false);
    m.dispose();
  });

  it('a layer that loses the batch dimension is an error naming the next weighted layer, not a per-block count', () => {
    const m = model(false);
    expect(() => binarySummary(m, { inputShape: [4, 6, 3] })).toThrow(/layer 'lin' has an undefined dimension/);
    m.dispose();
  });

  it('invalid summaryCounts results are rejected with the layer name', () => {
    const x = tfl.input({ shape: [4, 3] });
    const bad = new Mixer({ name: 'mixbad' });
    (bad as unknown as { summaryCounts: () => SummaryCounts }).summaryCounts = () => ({ fpMacs: NaN });
    const m = tfl.model({ inputs: x, outputs: bad.apply(x) as tfl.SymbolicTensor });
    expect(() => binarySummary(m, { inputShape: [4, 3] })).toThrow(/layer 'mixbad' summaryCounts gave invalid MACs/);
    m.dispose();
  });
});
