/**
 * Window multi-head self-attention core of a Swin layer (SwinIR `WindowAttention` minus its two Linear layers).
 *
 * The qkv and proj Linears stay separate Dense / SRBDense layers in the functional graph, so FRBT can binarize
 * them and summaries see them; this layer holds only what is between them: the head split, the scaled dot
 * product, the relative position bias table (a learnable weight per layer), the shifted-window mask and softmax.
 * All matmuls are `tf.matMul` (tfjs 4.22 has no Einsum gradient).
 *
 * Inputs: [qkv [B·nW, N, 3C], reference [B, H, W, ·]] (the reference supplies the window grid for the mask).
 * Output: [B·nW, N, C], heads concatenated in SwinIR's order.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { relativePositionBias } from './relative_position.js';
import { shiftWindowMask } from './shift_mask.js';

export interface WindowAttentionArgs extends LayerArgs {
  numHeads: number;
  windowSize: number;
  /** 0 for a regular window layer, window/2 for the shifted ones. */
  shiftSize?: number;
  /** Logit scale; default head_dim^−0.5 as in SwinIR. */
  qkScale?: number | null;
}

/** [bw, N, 3·C] -> q, k, v [bw, heads, N, hd] with rank ≤ 4 transposes (wasm's rank-5 transpose is ~10x slower). */
function splitHeads(qkv: tf.Tensor3D, heads: number): tf.Tensor4D[] {
  const [bw, n, c3] = qkv.shape;
  const hd = c3 / 3 / heads;
  const t4 = tf.transpose(tf.reshape(qkv, [bw, n, 3 * heads, hd]), [0, 2, 1, 3]); // [bw, (3, heads), N, hd]
  const t3 = tf.transpose(tf.reshape(t4, [bw, 3, heads * n * hd]), [1, 0, 2]);
  return tf.unstack(tf.reshape(t3, [3, bw, heads, n, hd])) as tf.Tensor4D[];
}

/** Inverse of {@link splitHeads}. */
function mergeQKV(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor3D {
  const [bw, heads, n, hd] = q.shape;
  const t3 = tf.transpose(tf.reshape(tf.stack([q, k, v]), [3, bw, heads * n * hd]), [1, 0, 2]);
  return tf.reshape(tf.transpose(tf.reshape(t3, [bw, 3 * heads, n, hd]), [0, 2, 1, 3]), [bw, n, 3 * heads * hd]);
}

/** [bw, heads, N, hd] <-> [bw, N, heads·hd]. */
const mergeHeads = (o: tf.Tensor4D): tf.Tensor3D => {
  const [bw, heads, n, hd] = o.shape;
  return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [bw, n, heads * hd]);
};
const splitOut = (d: tf.Tensor3D, heads: number): tf.Tensor4D => {
  const [bw, n, c] = d.shape;
  return tf.transpose(tf.reshape(d, [bw, n, heads, c / heads]), [0, 2, 1, 3]);
};

/**
 * Window attention from qkv [B·nW, N, 3C] to [B·nW, N, C]: heads split as SwinIR's
 * `reshape(B_, N, 3, heads, hd)`, softmax(q·kᵀ·scale + bias (+ mask))·v, heads merged back. bias is [heads, N, N],
 * mask [1, nW, 1, N, N] or null. The gradient is written out (tf.customGrad) so that a training step keeps only q,
 * k, v and the softmax output: autodiff through the adds, reshapes and head transposes keeps about four more
 * [B·nW, heads, N, N] tensors per layer, which pushed SwinIR-S training on one 64x64 patch past the wasm heap.
 * Backward: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − Σ_j dP ⊙ P), dQ = dS·K·scale, dK = dSᵀ·Q·scale, dBias = Σ_windows dS.
 */
export function windowAttentionCore(qkv: tf.Tensor3D, bias: tf.Tensor3D, mask: tf.Tensor | null, scale: number): tf.Tensor3D {
  const heads = bias.shape[0];
  const [bw, n, c3] = qkv.shape;
  if (c3 % (3 * heads) !== 0 || bias.shape[1] !== n) {
    throw new Error(`windowAttentionCore: qkv [${qkv.shape}] does not fit ${heads} heads and a bias of shape [${bias.shape}]`);
  }
  const core = tf.customGrad((...args: unknown[]) => {
    const [qkvi, bi] = args as [tf.Tensor3D, tf.Tensor3D];
    const save = args[2] as (ts: tf.Tensor[]) => void;
    const [q, k, v] = splitHeads(qkvi, heads);
    let logits: tf.Tensor = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), bi);
    if (mask != null) {
      const nW = mask.shape[1] as number;
      logits = tf.reshape(tf.add(tf.reshape(logits, [bw / nW, nW, heads, n, n]), mask), [bw, heads, n, n]);
    }
    const p = tf.softmax(logits) as tf.Tensor4D;
    save([q, k, v, p]);
    return {
      value: mergeHeads(tf.matMul(p, v)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor4D[];
        const dout = splitOut((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor3D, heads);
        const dv = tf.matMul(sp, dout, true, false);
        const dp = tf.matMul(dout, sv, false, true);
        const ds = tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true)));
        const dq = tf.mul(tf.matMul(ds, sk), scale) as tf.Tensor4D;
        const dk = tf.mul(tf.matMul(ds, sq, true, false), scale) as tf.Tensor4D;
        return [mergeQKV(dq, dk, dv as tf.Tensor4D), tf.sum(ds, 0)];
      },
    };
  });
  return core(qkv, bias) as tf.Tensor3D;
}

export class WindowAttention extends tfl.layers.Layer {
  static className = 'WindowAttention';
  readonly numHeads: number;
  readonly windowSize: number;
  readonly shiftSize: number;
  readonly qkScale: number | null;
  private table!: tfl.LayerVariable;
  private readonly maskCache = new Map<string, Float32Array>();

  constructor(args: WindowAttentionArgs) {
    super(args);
    const a = args as WindowAttentionArgs & Record<string, unknown>;
    this.numHeads = (a.numHeads ?? a['num_heads']) as number;
    this.windowSize = (a.windowSize ?? a['window_size']) as number;
    this.shiftSize = (a.shiftSize ?? a['shift_size'] ?? 0) as number;
    this.qkScale = (a.qkScale ?? a['qk_scale'] ?? null) as number | null;
    const who = `WindowAttention '${this.name}'`;
    if (!Number.isInteger(this.numHeads) || this.numHeads < 1) throw new Error(`${who}: numHeads must be a positive integer, got ${this.numHeads}`);
    if (!Number.isInteger(this.windowSize) || this.windowSize < 1) throw new Error(`${who}: windowSize must be a positive integer, got ${this.windowSize}`);
    if (!Number.isInteger(this.shiftSize) || this.shiftSize < 0 || this.shiftSize >= this.windowSize) {
      throw new Error(`${who}: shiftSize must be in [0, windowSize), got ${this.shiftSize}`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = inputShape as tfl.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error(`WindowAttention '${this.name}': expects two inputs [qkv, reference]`);
    const c3 = shapes[0][2];
    if (c3 == null || c3 % 3 !== 0 || (c3 / 3) % this.numHeads !== 0) {
      throw new Error(`WindowAttention '${this.name}': qkv width ${c3} must be 3·C with C divisible by numHeads ${this.numHeads}`);
    }
    if (shapes[0][1] != null && shapes[0][1] !== this.windowSize * this.windowSize) {
      throw new Error(`WindowAttention '${this.name}': windows hold ${shapes[0][1]} tokens, expected ${this.windowSize ** 2}`);
    }
    const m = 2 * this.windowSize - 1;
    this.table = this.addWeight('relative_position_bias_table', [m * m, this.numHeads], 'float32',
      tfl.initializers.truncatedNormal({ stddev: 0.02 }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [qkv] = inputShape as tfl.Shape[];
    return [qkv[0], qkv[1], qkv[2] == null ? null : qkv[2] / 3];
  }

  /**
   * binarySummary protocol (@frb/layers `SummaryCountsLayer`): the two attention matmuls per window, QKᵀ and
   * A·V, each heads·N·N·hd = N²·C MACs, so 2·(B·nW)·N²·C in all. Full precision in FRBT too (the paper binarizes
   * only the Linears). As SwinIR's Mult-Adds count only matmuls/convs, the qk scale, the relative position bias
   * and mask adds and the softmax are not counted; the bias table is a per-layer scalar weight (the default rule
   * puts it in `scalars`, out of headline Params, as SwinIR's 897K excludes it).
   */
  summaryCounts(inputShapes: (number | null)[][]): { fpMacs: number; notes: string[] } {
    const [qkv] = inputShapes;
    const [bw, n, c3] = qkv;
    if (bw == null || n == null || c3 == null) {
      throw new Error(`WindowAttention '${this.name}': summary needs a concrete qkv shape, got [${qkv}]`);
    }
    return { fpMacs: 2 * bw * n * n * (c3 / 3), notes: [] };
  }

  /** Cached mask values for a padded H×W image (a plain array: the tensor is rebuilt per call, so nothing is kept). */
  private mask(h: number, w: number): Float32Array {
    const key = `${h}x${w}`;
    let m = this.maskCache.get(key);
    if (!m) {
      m = shiftWindowMask(h, w, this.windowSize, this.shiftSize);
      if (this.maskCache.size > 16) this.maskCache.clear();
      this.maskCache.set(key, m);
    }
    return m;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`WindowAttention '${this.name}': expects two inputs [qkv, reference]`);
      const [qkv, ref] = inputs as [tf.Tensor3D, tf.Tensor4D];
      const [bw, n, c3] = qkv.shape;
      const c = c3 / 3;
      const hd = c / this.numHeads;
      const [, h, w] = ref.shape;
      const nW = (h / this.windowSize) * (w / this.windowSize);
      if (n !== this.windowSize ** 2 || !Number.isInteger(nW) || bw % nW !== 0) {
        throw new Error(`WindowAttention '${this.name}': qkv [${qkv.shape}] does not match a ${h}x${w} image in ${this.windowSize}x${this.windowSize} windows`);
      }
      const scale = this.qkScale ?? 1 / Math.sqrt(hd);
      const bias = relativePositionBias(this.table.read() as tf.Tensor2D, this.windowSize);
      const mask = this.shiftSize > 0 ? tf.tensor(this.mask(h, w), [1, nW, 1, n, n]) : null;
      return windowAttentionCore(qkv, bias, mask, scale);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, windowSize: this.windowSize, shiftSize: this.shiftSize, qkScale: this.qkScale };
  }
}
tf.serialization.registerClass(WindowAttention);
