// Half-precision storage of a saved model's float weights (tfjs' weight-manifest quantization 'float16', the form
// tfjs-converter's --quantize_float16 writes; tf.loadLayersModel decodes it back to float32 on load). For a deployed
// model this stores the full-precision parts (first/last convs, α's, thresholds, RPReLU) in 2 bytes instead of 4;
// the 1-bit sign words (int32) are kept as they are. Lossy: each value becomes its nearest float16.
import * as tf from '@tensorflow/tfjs-core';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The float16 bit pattern nearest to `v` (IEEE 754 round to nearest, ties to even; subnormals kept), or -1 where
 * `v` is NaN or rounds beyond the float16 range (|v| ≥ 65520): those cannot be stored, and are never made ±Inf
 * silently.
 */
export function float16Bits(v: number): number {
  f32[0] = v; // float32 first: the weights are float32, and rounding them once more to float16 from there is exact
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return -1; // NaN or ±Inf
  const e = exp - 127 + 15;
  let half: number;
  if (e <= 0) {
    // Below float16's normal range: a subnormal k·2⁻²⁴ (or zero), k = the 24-bit significand shifted right.
    if (e < -10) return sign; // under half the smallest subnormal (2⁻²⁵, a tie, goes to the even 0 too)
    const m = mant | 0x800000, shift = 14 - e;
    half = m >>> shift;
    const rem = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half++; // a carry into the exponent is the right result
  } else {
    half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  }
  if (half >= 0x7c00) return -1; // rounded to infinity
  return sign | half;
}

/**
 * Model artifacts whose float32 weights are stored as float16 (manifest entries get `quantization: {dtype:
 * 'float16'}`; other dtypes, e.g. a packed layer's int32 sign words, are copied unchanged). Throws naming the weight
 * when a value is NaN, infinite or beyond float16's range (65504), since storing it would change it to another
 * kind of value. Used by saveModel / saveModelAtomic's `float16` option (@frb/layers/node); loads with any tfjs
 * loader.
 */
export function float16Artifacts(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const parts: ArrayBuffer[] = [];
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (w.quantization != null) throw new Error(`float16Artifacts: weight '${w.name}' is already quantized (${w.quantization.dtype})`);
    if (w.dtype === 'string' || w.dtype === 'complex64') throw new Error(`float16Artifacts: weight '${w.name}' has dtype ${w.dtype}, which cannot be stored`);
    const bytes = n * (w.dtype === 'bool' ? 1 : 4);
    if (offset + bytes > data.byteLength) throw new Error(`float16Artifacts: the weight data ends inside weight '${w.name}'`);
    if (w.dtype !== 'float32') {
      parts.push(data.slice(offset, offset + bytes));
      outSpecs.push({ ...w });
    } else {
      const src = new Float32Array(data.slice(offset, offset + bytes));
      const dst = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const h = float16Bits(src[i]);
        if (h < 0) throw new Error(`float16Artifacts: weight '${w.name}' holds ${src[i]} at flat index ${i}, which float16 cannot store (finite, |x| ≤ 65504)`);
        dst[i] = h;
      }
      parts.push(dst.buffer);
      outSpecs.push({ ...w, quantization: { dtype: 'float16' } });
    }
    offset += bytes;
  }
  if (offset !== data.byteLength) throw new Error(`float16Artifacts: the weight data holds ${data.byteLength} bytes, the specs ${offset}`);
  return { ...artifacts, weightSpecs: outSpecs, weightData: tf.io.CompositeArrayBuffer.join(parts) };
}
