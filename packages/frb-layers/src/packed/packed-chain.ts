/**
 * PackedChain: consecutive deployed binary units and upsampler stages (PackedBinaryUnit, PackedUpsampleUnit), each
 * reading only the previous one's output, and optionally the float conv to RGB after them (3×3 'same', with bias),
 * as one layer. With the native kernels (FrbXnorChain) they run in one row-by-row pass: the outputs between the
 * parts are never whole tensors (at FRBC-M x4 on a 256² input, the two after upsampler stage 2 are 268 MB apiece
 * at 64 channels); each thread keeps a few of their rows in cache. Elsewhere the parts run one after the other as
 * their own layers would. Either way the output is, bit for bit, that of the parts deployed apart (deployModel
 * makes chains, deploy_units.ts in @frb/models).
 *
 * Weights: each part's (its PackedConv2D and RPReLU weights, prefixed 'part<i>/'), then, with a conv to RGB, its
 * kernel [3, 3, C, filters] and bias [filters] as tfjs' Conv2D names them.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { FrbXnorChain, hasFrbKernel, runFrbKernel } from '../kernels/contracts.js';
import type { SummaryCounts, SummaryShape } from '../summary.js';
import { singleInput, singleShape } from '../layers/stock.js';
import { definedOnly, getPackedKernel } from './packed-common.js';
import { PackedBinaryUnit, type PackedBinaryUnitArgs } from './packed-unit.js';
import { PackedUpsampleUnit, type PackedUpsampleUnitArgs } from './packed-upsample-unit.js';
import { readFloat, WeightCache } from './prepared.js';

export interface PackedChainArgs extends LayerArgs {
  /** The parts in order: PackedUpsampleUnit configs (they have a scale) and PackedBinaryUnit configs. */
  parts: (PackedBinaryUnitArgs | PackedUpsampleUnitArgs)[];
  /** The float conv to RGB after the parts (3×3 'same'), if any: its filters and whether it has a bias. */
  last?: { filters: number; useBias: boolean } | null;
}

/** Binary levels one native pass takes; a longer chain runs as consecutive passes (the same bits). */
export const CHAIN_PASS_LEVELS = 16;

/** Where a conv to RGB can end a chain's native pass: the narrow kernel (≤ 4 outputs, channels in whole 16s). */
export function chainLastFits(channels: number, filters: number): boolean {
  return filters <= 4 && channels % 16 === 0;
}

export class PackedChain extends tfl.layers.Layer {
  static className = 'PackedChain';
  readonly parts: PackedBinaryUnit[];
  readonly last: { filters: number; useBias: boolean } | null;
  kernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;
  private readonly lastCache = new WeightCache<{ kernel: Float32Array; bias: Float32Array | null }>();

  constructor(args: PackedChainArgs) {
    super({ ...args, trainable: false });
    const who = this.who;
    if (!Array.isArray(args.parts) || args.parts.length === 0) throw new Error(`${who}: parts must be a non-empty list of unit configs, got ${JSON.stringify(args.parts)}`);
    this.parts = args.parts.map((p, i) => {
      const part = (p as PackedUpsampleUnitArgs).scale !== undefined ? new PackedUpsampleUnit(p as PackedUpsampleUnitArgs) : new PackedBinaryUnit(p);
      part.weightPrefix = `part${i}/`;
      return part;
    });
    const last = args.last ?? null;
    if (last !== null && (!Number.isInteger(last.filters) || last.filters < 1)) {
      throw new Error(`${who}: last.filters must be a positive integer, got ${JSON.stringify(last.filters)}`);
    }
    this.last = last === null ? null : { filters: last.filters, useBias: last.useBias ?? true };
    this.trainable = false;
  }

  protected get who(): string {
    return `${this.getClassName()} '${this.name}'`;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    let s = singleShape(inputShape, this.who);
    if (s.length !== 4 || s[3] == null) throw new Error(`${this.who}: expected a rank-4 input [batch, height, width, channels] with known channels, got shape [${s}]`);
    for (const part of this.parts) {
      if (part.built && part.inputChannels !== s[3]) throw new Error(`${this.who}: part '${part.name}' takes ${part.inputChannels} channels, gets ${s[3]}`);
      part.build(s);
      s = part.computeOutputShape(s) as (number | null)[];
    }
    if (this.last) {
      this.kernel = this.addWeight('kernel', [3, 3, s[3]!, this.last.filters], 'float32', tfl.initializers.zeros(), undefined, false);
      if (this.last.useBias) this.bias = this.addWeight('bias', [this.last.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    }
    this.built = true;
  }

  // The parts' weights first, in order, then the conv to RGB's: the order of weights.bin.
  override get trainableWeights(): LayerVariable[] {
    return [];
  }

  override get nonTrainableWeights(): LayerVariable[] {
    const own = [this.kernel, this.bias].filter((v): v is LayerVariable => v !== null);
    return [...this.parts.flatMap((p) => p.weights), ...own];
  }

  /** The product of the parts' upsampling factors. */
  get scale(): number {
    return this.parts.reduce((r, p) => r * (p instanceof PackedUpsampleUnit ? p.scale : 1), 1);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape, this.who);
    const r = this.scale;
    // Every part keeps the channel count (a stage maps C to C·r² and shuffles back to C).
    return [s[0], s[1] == null ? null : s[1] * r, s[2] == null ? null : s[2] * r, this.last ? this.last.filters : s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = singleInput(inputs, this.who);
    const channels = this.parts[0].inputChannels;
    if (x.rank === 4 && x.shape[3] === channels && getPackedKernel() === 'native' && hasFrbKernel(FrbXnorChain) &&
        (!this.last || chainLastFits(channels, this.last.filters))) {
      // At most CHAIN_PASS_LEVELS binary levels per pass (the module reads a bounded number of arrays per call).
      const levels = this.parts.map((p) => p.chainLevel());
      let y = x;
      for (let i = 0; i < levels.length; i += CHAIN_PASS_LEVELS) {
        const end = i + CHAIN_PASS_LEVELS >= levels.length;
        const last = end && this.last ? { ...this.lastWeights(), outChannels: this.last.filters } : null;
        const z = runFrbKernel(FrbXnorChain, { x: y }, { levels: levels.slice(i, i + CHAIN_PASS_LEVELS), last }) as tf.Tensor;
        if (y !== x) y.dispose();
        y = z;
      }
      return y;
    }
    // The parts in turn (each checks its input), the conv to RGB as tfjs' Conv2D runs it.
    return tf.tidy(() => {
      let y = x;
      for (const part of this.parts) y = part.call(y, {}) as tf.Tensor;
      if (!this.kernel) return y;
      return tf.fused.conv2d({
        x: y as tf.Tensor4D, filter: this.kernel.read() as tf.Tensor4D, strides: [1, 1], pad: 'same', dataFormat: 'NHWC',
        dilations: [1, 1], bias: this.bias?.read(),
      });
    });
  }

  /** The conv to RGB's weights as host arrays (read once per weight change). */
  private lastWeights(): { kernel: Float32Array; bias: Float32Array | null } {
    return this.lastCache.get([this.kernel, this.bias], () => ({
      kernel: readFloat(this.kernel!).slice(), bias: this.bias ? readFloat(this.bias).slice() : null,
    }));
  }

  /** The parts' counts plus the conv to RGB's, so the chain reports what its layers do apart (binarySummary). */
  summaryCounts(inputShapes: SummaryShape[], outputShapes: SummaryShape[]): SummaryCounts {
    let s = inputShapes[0];
    const total = { fpMacs: 0, binaryMacs: 0, fpParams: 0, binaryParams: 0, scalars: 0 };
    for (const part of this.parts) {
      const out = part.computeOutputShape(s) as SummaryShape;
      const c = part.summaryCounts([s], [out]);
      total.fpMacs += c.fpMacs;
      total.binaryMacs += c.binaryMacs ?? 0;
      total.fpParams += c.fpParams ?? 0;
      total.binaryParams += c.binaryParams ?? 0;
      total.scalars += c.scalars ?? 0;
      s = out;
    }
    if (this.last) {
      const [b, h, w] = outputShapes[0];
      const taps = 9 * (s[3] as number) * this.last.filters;
      total.fpMacs += [b, h, w].reduce<number>((a, d) => a * (d ?? NaN), 1) * taps;
      total.fpParams += taps + (this.last.useBias ? this.last.filters : 0);
    }
    return total;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      parts: this.parts.map((p) => definedOnly(p.getConfig())),
      last: this.last ? { ...this.last } : null,
    };
  }
}
tf.serialization.registerClass(PackedChain);
