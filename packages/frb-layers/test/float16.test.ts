// float16Bits against tfjs' own float16 decoder over every finite pattern, and float16Artifacts' checks.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { float16Artifacts, float16Bits } from '../src/float16.js';

/** Every float16 pattern decoded by tfjs (the decoder tf.loadLayersModel uses for quantization 'float16'). */
function decodeAll(): Float32Array {
  const bits = new Uint16Array(65536).map((_, i) => i);
  const spec: tf.io.WeightsManifestEntry = { name: 'all', shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } };
  const t = tf.io.decodeWeights(bits.buffer, [spec]).all;
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

describe('float16Bits', () => {
  const dec = decodeAll();
  // The finite non-negative patterns 0x0000..0x7bff are increasing: the nearest one by bisection, ties to even.
  const nearest = (v: number): number => {
    const a = Math.abs(v);
    let lo = 0, hi = 0x7bff;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (dec[mid] <= a) lo = mid; else hi = mid;
    }
    let k = a - dec[lo] < dec[hi] - a ? lo : a - dec[lo] > dec[hi] - a ? hi : lo % 2 === 0 ? lo : hi;
    if (a > dec[0x7bff]) k = 0x7bff; // only reached below the overflow bound, checked apart
    return (v < 0 || Object.is(v, -0) ? 0x8000 : 0) | k;
  };

  it('gives the nearest float16 (ties to even) for normal, subnormal, tie and boundary values, as tfjs decodes them', () => {
    const values: number[] = [0, -0, 1, -1, 0.1, 1 / 3, 65504, -65504, 65519, 2 ** -14, 2 ** -24, 2 ** -25, 1.5 * 2 ** -25, 2 ** -26, 3e-8, 6.1e-5];
    // Exact midpoints between neighbours (ties) across the range, and float32 values just beside them.
    for (const k of [0, 1, 2, 0x3ff, 0x400, 0x401, 0x3c00, 0x3c01, 0x5000, 0x7bfe]) {
      const m = Math.fround((dec[k] + dec[k + 1]) / 2);
      values.push(m, -m, Math.fround(m * (1 + 2 ** -20)), Math.fround(m * (1 - 2 ** -20)));
    }
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 4000; i++) values.push(Math.fround((rnd() - 0.5) * 2 ** (rnd() * 50 - 34)));
    for (const v of values) {
      const h = float16Bits(v);
      expect(h, `float16Bits(${v})`).toBe(nearest(Math.fround(v)));
    }
    // Decoded, the pattern of a float16 value is that value again.
    for (let k = 0; k < 0x7c00; k += 37) expect(float16Bits(dec[k])).toBe(k);
  });

  it('refuses what float16 cannot hold: NaN, ±Infinity, |x| rounding past 65504', () => {
    for (const v of [NaN, Infinity, -Infinity, 65520, -65520, 1e6]) expect(float16Bits(v), String(v)).toBe(-1);
    expect(float16Bits(65519.99)).toBe(0x7bff);
  });
});

describe('float16Artifacts', () => {
  const artifacts = (f: number[], i: number[]): tf.io.ModelArtifacts => {
    const buf = new ArrayBuffer(4 * (f.length + i.length));
    new Float32Array(buf, 0, f.length).set(f);
    new Int32Array(buf, 4 * f.length, i.length).set(i);
    return {
      modelTopology: {},
      weightSpecs: [{ name: 'conv/kernel', shape: [f.length], dtype: 'float32' }, { name: 'conv/packed_kernel', shape: [i.length], dtype: 'int32' }],
      weightData: buf,
    };
  };

  it('quantizes float32 entries, copies int32 ones bit for bit, and round-trips through tfjs decodeWeights', () => {
    const f = [0.1, -2.5, 1e-6, 300.7], ints = [-1, 0x7fffffff, 12345];
    const out = float16Artifacts(artifacts(f, ints));
    expect(out.weightSpecs).toEqual([
      { name: 'conv/kernel', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'conv/packed_kernel', shape: [3], dtype: 'int32' },
    ]);
    const data = tf.io.CompositeArrayBuffer.join(out.weightData!);
    expect(data.byteLength).toBe(4 * 2 + 3 * 4);
    const w = tf.io.decodeWeights(data, out.weightSpecs!);
    const k = Array.from(w['conv/kernel'].dataSync());
    // Half a step: relative 2^-11 for normal values, 2^-25 absolute among the subnormals (1e-6 is one).
    k.forEach((v, j) => expect(Math.abs(v - f[j])).toBeLessThanOrEqual(Math.max(Math.abs(f[j]) * 2 ** -11, 2 ** -25)));
    expect(k[1]).toBe(-2.5); // exactly representable values stay exact
    expect(Array.from(w['conv/packed_kernel'].dataSync())).toEqual(ints);
    tf.dispose(Object.values(w));
  });

  it('names the weight and index of a value it cannot store, and refuses quantized or mismatched input', () => {
    expect(() => float16Artifacts(artifacts([1, 7e4], [0]))).toThrow(/weight 'conv\/kernel' holds 70000 at flat index 1, which float16 cannot store/);
    expect(() => float16Artifacts(artifacts([NaN], [0]))).toThrow(/weight 'conv\/kernel' holds NaN at flat index 0/);
    const a = artifacts([1], [0]);
    a.weightSpecs![0] = { ...a.weightSpecs![0], quantization: { dtype: 'float16' } };
    expect(() => float16Artifacts(a)).toThrow(/weight 'conv\/kernel' is already quantized \(float16\)/);
    const short = artifacts([1, 2], [0]);
    short.weightSpecs![1] = { ...short.weightSpecs![1], shape: [5] };
    expect(() => float16Artifacts(short)).toThrow(/the weight data ends inside weight 'conv\/packed_kernel'/);
  });
});
