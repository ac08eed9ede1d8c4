/**
 * Relative position bias of Swin / SwinIR window attention.
 *
 * A learnable table of (2w−1)² rows × heads is indexed by the relative offset of two tokens in a w×w window.
 * `relativePositionIndex` reproduces SwinIR's construction (coordinates, pairwise differences, shift to
 * non-negative, row-major flatten). The bias itself is computed without `gather`: tfjs 4.22 differentiates
 * gather through UnsortedSegmentSum, which the wasm backend lacks, so training would fail there. The offset
 * table is separable (row offset × column offset), so two small one-hot matmuls (w²×(2w−1) each) select the
 * same entries, with gradients on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';

/** SwinIR's `relative_position_index`: an [N, N] row-major Int32Array, N = window². */
export function relativePositionIndex(window: number): Int32Array {
  if (!Number.isInteger(window) || window < 1) throw new Error(`relativePositionIndex: window must be a positive integer, got ${window}`);
  const n = window * window;
  const coordsH = new Int32Array(n);
  const coordsW = new Int32Array(n);
  for (let t = 0; t < n; t++) { coordsH[t] = Math.floor(t / window); coordsW[t] = t % window; }
  const out = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dh = coordsH[i] - coordsH[j] + window - 1; // shift to start from 0
      const dw = coordsW[i] - coordsW[j] + window - 1;
      out[i * n + j] = dh * (2 * window - 1) + dw;
    }
  }
  return out;
}

/** One-hot [w², 2w−1]: row (a, b) selects offset a − b + w − 1 along one axis. */
function offsetOneHot(window: number): tf.Tensor2D {
  const m = 2 * window - 1;
  const data = new Float32Array(window * window * m);
  for (let a = 0; a < window; a++) {
    for (let b = 0; b < window; b++) data[(a * window + b) * m + (a - b + window - 1)] = 1;
  }
  return tf.tensor2d(data, [window * window, m]);
}

/**
 * Bias [heads, N, N] from a table [(2w−1)², heads]; equals `table[relativePositionIndex(w)]` permuted to
 * heads-first, as SwinIR adds it to the attention logits.
 */
export function relativePositionBias(table: tf.Tensor2D, window: number): tf.Tensor3D {
  const m = 2 * window - 1;
  const [rows, heads] = table.shape;
  if (rows !== m * m) throw new Error(`relativePositionBias: table has ${rows} rows, expected (2·${window}−1)² = ${m * m}`);
  return tf.tidy(() => {
    const n = window * window;
    const p = offsetOneHot(window); // [(r1,r2), a] for rows, [(c1,c2), b] for columns
    const u = tf.matMul(p, tf.reshape(table, [m, m * heads])); // [(r1,r2), (b, head)]
    const uh = tf.reshape(tf.transpose(tf.reshape(u, [n, m, heads]), [2, 0, 1]), [heads * n, m]); // [(head, r1, r2), b]
    const v = tf.matMul(uh, p, false, true); // [(head, r1, r2), (c1, c2)]
    // [head·r1, r2, c1, c2] -> [head·r1, c1, r2, c2]: rank ≤ 4 transposes only (wasm's rank-5 path is slow).
    return tf.reshape(tf.transpose(tf.reshape(v, [heads * window, window, window, window]), [0, 2, 1, 3]), [heads, n, n]);
  });
}
