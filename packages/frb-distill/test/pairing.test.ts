import { describe, it, expect } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { autoPairs, resolvePairs, BLOCK_NAME_PATTERN, findLayer } from '@frb/distill';
import { tinySR } from './helpers.js';

describe('block pairing', () => {
  it('pairs the shared body/block_NN names in student order', () => {
    const s = tinySR({ seed: 1, blocks: 3 });
    const t = tinySR({ seed: 2, blocks: 2 });
    expect(autoPairs(s, t)).toEqual([
      { student: 'body/block_00', teacher: 'body/block_00' },
      { student: 'body/block_01', teacher: 'body/block_01' },
    ]);
  });

  it('recognizes block_NN and rstb_NN names only', () => {
    for (const n of ['body/block_07', 'block_1', 'layers/rstb_03', 'rstb_12']) expect(BLOCK_NAME_PATTERN.test(n)).toBe(true);
    for (const n of ['body/block_07/conv', 'myblock_1', 'body/blocks_1', 'block_x', 'rstb_']) {
      expect(BLOCK_NAME_PATTERN.test(n)).toBe(false);
    }
  });

  it('accepts explicit pairs as objects or tuples and checks they exist', () => {
    const s = tinySR({ seed: 1 });
    const t = tinySR({ seed: 2 });
    expect(resolvePairs(s, t, [['body/conv_00', 'body/conv_01'], { student: 'tail', teacher: 'tail' }])).toEqual([
      { student: 'body/conv_00', teacher: 'body/conv_01' }, { student: 'tail', teacher: 'tail' }]);
    expect(() => resolvePairs(s, t, [['nope', 'tail']])).toThrow(/student '.*' has no layer named 'nope'/);
    expect(() => resolvePairs(s, t, [['tail', 'nope']])).toThrow(/teacher '.*' has no layer named 'nope'/);
    expect(() => resolvePairs(s, t, [])).toThrow(/non-empty/);
    expect(() => resolvePairs(s, t, [['tail', 'tail'], ['tail', 'head']])).toThrow(/'tail' is paired more than once/);
  });

  it('names both layers on a shape mismatch', () => {
    const s = tinySR({ seed: 1, features: 4 });
    const t = tinySR({ seed: 2, features: 8 });
    expect(() => resolvePairs(s, t)).toThrow(
      /student layer 'body\/block_00' \[N, 6, 6, 4\] and teacher layer 'body\/block_00' \[N, 6, 6, 8\]/);
    // Unknown spatial sizes are left to the run-time check; channels still must agree.
    const sf = tinySR({ seed: 1, size: null });
    const tf8 = tinySR({ seed: 2, size: null, features: 8 });
    expect(resolvePairs(sf, tinySR({ seed: 3, size: null }))).toHaveLength(2);
    expect(() => resolvePairs(sf, tf8)).toThrow(/\[N, \?, \?, 4\] and teacher layer 'body\/block_00' \[N, \?, \?, 8\]/);
  });

  it('finds layers inside nested models', () => {
    const xi = tfl.input({ shape: [3] });
    const inner = tfl.model({ inputs: xi, outputs: tfl.layers.dense({ units: 2, name: 'deep/block_00' }).apply(xi) as tfl.SymbolicTensor });
    const xo = tfl.input({ shape: [3] });
    const outer = tfl.model({ inputs: xo, outputs: inner.apply(xo) as tfl.SymbolicTensor, name: 'outer' });
    expect(findLayer(outer, 'deep/block_00').name).toBe('deep/block_00');
    expect(() => findLayer(outer, 'x', 'student')).toThrow(/student 'outer' has no layer named 'x'/);
  });
});
