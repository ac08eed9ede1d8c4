/**
 * PackedUpsampleUnit: the inference form of one binary upsampler stage of FRBC-M (this project's extension beyond
 * the FRB paper, after BBCU-M), y = PixelShuffle_r(RPReLU(SRBConv2D(x))) + nearest_r(x) with a conv C → C·r²,
 * as one layer. On the native kernel the conv's epilogue applies the RPReLU, writes each output channel to its
 * place in the r× larger output and adds the input pixel it was enlarged from (FrbXnorConv's shuffle), so the
 * stage makes one tensor instead of five (conv, RPReLU, shuffle, enlargement, sum). Elsewhere the packed conv runs
 * as PackedConv2D's and the rest as tfjs ops (RPReLU, depth to space, resizeNearestNeighbor, add).
 *
 * Weights are stored as trained, in PyTorch's PixelShuffle channel order o = c·r² + i·r + j (models' PixelShuffle);
 * the kernels get them permuted to depth-to-space order (i·r + j)·C + c, so that each (i, j) group of C output
 * channels is contiguous. Every step rounds to float32 as the separate layers do, so the output equals that of
 * the same stage deployed unfused. Weights: PackedConv2D's, then rprelu_gamma, rprelu_alpha, rprelu_zeta
 * [filters] (the RPReLU layer's, trained order).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import type { PackedConv2DArgs, UnitEpilogue } from './packed-conv2d.js';
import { PackedBinaryUnit } from './packed-unit.js';
import { getPackedKernel } from './packed-common.js';
import { rpreluOp } from '../layers/rprelu.js';
import type { SummaryCounts, SummaryShape } from '../summary.js';
import type { PreparedWeights } from './prepared.js';
import { singleInput, singleShape } from '../layers/stock.js';

export interface PackedUpsampleUnitArgs extends PackedConv2DArgs {
  /** The stage's factor r (integer >= 2): filters = input channels · r². */
  scale: number;
}

/** perm[q] = the trained channel at depth-to-space position q = (i·r + j)·C + c, i.e. c·r² + i·r + j. */
export function depthToSpaceOrder(channels: number, r: number): Int32Array {
  const perm = new Int32Array(channels * r * r);
  for (let ij = 0; ij < r * r; ij++) for (let c = 0; c < channels; c++) perm[ij * channels + c] = c * r * r + ij;
  return perm;
}

export class PackedUpsampleUnit extends PackedBinaryUnit {
  static override className = 'PackedUpsampleUnit';
  readonly scale: number;

  constructor(args: PackedUpsampleUnitArgs) {
    super(args);
    if (!Number.isInteger(args.scale) || args.scale < 2) throw new Error(`${this.who}: scale must be an integer >= 2, got ${JSON.stringify(args.scale)}`);
    this.scale = args.scale;
    if (this.leakyAlpha !== null) throw new Error(`${this.who}: an upsampler stage takes no leakyAlpha (its LeakyReLU, if any, stays a layer), got ${this.leakyAlpha}`);
  }

  protected override get shuffle(): number {
    return this.scale;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape, this.who);
    const r = this.scale;
    return [s[0], s[1] == null ? null : s[1] * r, s[2] == null ? null : s[2] * r, this.filters / (r * r)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = singleInput(inputs, this.who);
    const u = this.unitParams();
    if (getPackedKernel() === 'native') return this.convolve(x, u);
    // Elsewhere: the packed conv (channels in depth-to-space order), then the stage's ops on it.
    return tf.tidy(() => {
      const [n, h, w] = this.checkInput(x);
      const r = this.scale;
      const C = this.inputChannels;
      const y = rpreluOp(this.convolve(x, null), tf.tensor1d(u.gamma), tf.tensor1d(u.slope), tf.tensor1d(u.zeta));
      // Depth to space as a 5-d transpose (tfjs-backend-wasm's DepthToSpace took 1.2 s on 1024²×32, its Transpose ~25 ms).
      const shuffled = tf.reshape(tf.transpose(tf.reshape(y, [n * h, w, r, r, C]), [0, 2, 1, 3, 4]), [n, h * r, w * r, C]);
      return tf.add(shuffled, tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [h * r, w * r]));
    });
  }

  protected override channelOrder(): Int32Array {
    return depthToSpaceOrder(this.inputChannels, this.scale);
  }

  /** The conv's weights with output channels in depth-to-space order (every kernel path computes that order). */
  protected override buildPrepared(): PreparedWeights {
    const p = super.buildPrepared();
    const perm = this.channelOrder();
    const cout = this.filters;
    const rowLen = p.kernel.length / (this.order * cout);
    const kernel = new Int32Array(p.kernel.length);
    const alphas = new Float64Array(p.alphas.length);
    const tapSums = new Float64Array(p.tapSums.length);
    for (let k = 0; k < this.order; k++) {
      for (let q = 0; q < cout; q++) {
        const from = k * cout + perm[q], to = k * cout + q;
        kernel.set(p.kernel.subarray(from * rowLen, (from + 1) * rowLen), to * rowLen);
        tapSums.set(p.tapSums.subarray(from * this.taps, (from + 1) * this.taps), to * this.taps);
        alphas[to] = p.alphas[from];
      }
    }
    return { ...p, kernel, alphas, tapSums, bias: Float64Array.from(perm, (o) => p.bias[o]) };
  }

  /** The unit's counts at the conv's own output size (the shuffle and the enlargement count nothing). */
  override summaryCounts(inputShapes: SummaryShape[], outputShapes: SummaryShape[]): SummaryCounts {
    const [b, h, w] = outputShapes[0];
    const r = this.scale;
    return super.summaryCounts(inputShapes, [[b, h == null ? null : h / r, w == null ? null : w / r, this.filters]]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(PackedUpsampleUnit);
