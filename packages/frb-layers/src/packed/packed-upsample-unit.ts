/**
 * PackedUpsampleUnit: the inference form of one binary upsampler stage of FRBC-M (this project's extension beyond
 * the FRB paper, after BBCU-M), y = PixelShuffle_r(RPReLU(SRBConv2D(x))) + nearest_r(x) with a conv C → C·r²,
 * as one layer. On the native kernel the conv's epilogue applies the RPReLU, writes each output channel to its
 * place in the r× larger output and adds the input pixel it was enlarged from (FrbXnorConv's shuffle), so the
 * stage makes one tensor instead of five (conv, RPReLU, shuffle, enlargement, sum). Elsewhere the packed conv runs
 * as PackedConv2D's and the rest is one host loop.
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

/**
 * The stage's epilogue on host data: y [n·h·w, C·r²] (conv output, depth-to-space order) → out [n, h·r, w·r, C]:
 * RPReLU (u in the same order), then each value to its enlarged place plus x [n·h·w, C] at its source pixel,
 * every step rounded to float32 as the separate layers round it.
 */
export function upsampleEpilogueHost(y: Float32Array, x: Float32Array, u: UnitEpilogue, n: number, h: number, w: number, r: number): Float32Array {
  const co = u.gamma.length;
  const C = co / (r * r);
  const out = new Float32Array(n * h * r * w * r * C);
  const { gamma, slope, zeta } = u;
  for (let m = 0; m < n * h * w; m++) {
    const b = Math.floor(m / (h * w)), oy = Math.floor((m % (h * w)) / w), ox = m % w;
    for (let ij = 0; ij < r * r; ij++) {
      const at = (((b * h + oy) * r + Math.floor(ij / r)) * w * r + ox * r + (ij % r)) * C;
      for (let c = 0; c < C; c++) {
        const q = ij * C + c;
        const t = Math.fround(y[m * co + q] - gamma[q]);
        out[at + c] = Math.fround((t < 0 ? Math.fround(t * slope[q]) : t) + zeta[q]) + x[m * C + c];
      }
    }
  }
  return out;
}

export class PackedUpsampleUnit extends PackedBinaryUnit {
  static override className = 'PackedUpsampleUnit';
  readonly scale: number;

  constructor(args: PackedUpsampleUnitArgs) {
    super(args);
    if (!Number.isInteger(args.scale) || args.scale < 2) throw new Error(`${this.who}: scale must be an integer >= 2, got ${JSON.stringify(args.scale)}`);
    this.scale = args.scale;
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
    const [n, h, w] = this.checkInput(x);
    const xs = x.dataSync() as Float32Array;
    const y = this.forward(xs, n, h, w, null);
    return tf.tensor4d(upsampleEpilogueHost(y, xs, u, n, h, w, this.scale), this.computeOutputShape(x.shape) as [number, number, number, number]);
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
