/**
 * PackedUpsampleTail: the tail of a deployed model whose last upsampler stage is binary (FRBC-M, this project's
 * extension beyond the FRB paper): that stage (a PackedUpsampleUnit), the conv_hr unit with the LeakyReLU after it
 * (a PackedBinaryUnit) and the float conv to RGB (3×3 'same', with bias), as one layer. With the native kernels
 * (FrbXnorTail) the three run in one row-by-row pass: the stage's and conv_hr's outputs, C channels each at the
 * output size (268 MB apiece at 64 channels for a 256² input at x4), are never whole tensors; each thread keeps a
 * few of their rows in cache. Elsewhere the parts run one after the other as their own layers would. Either way the
 * output is, bit for bit, that of the three layers deployed apart (deployModel finds the pattern, deploy_units.ts in
 * @frb/models).
 *
 * Weights: the stage's (PackedUpsampleUnit's, prefixed 'stage/'), conv_hr's ('conv_hr/'), then kernel
 * [3, 3, C, filters] and bias [filters] (the conv to RGB's, as tfjs' Conv2D names them).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { FrbXnorTail, hasFrbKernel, runFrbKernel } from '../kernels/contracts.js';
import type { SummaryCounts, SummaryShape } from '../summary.js';
import { singleInput, singleShape } from '../layers/stock.js';
import { getPackedKernel } from './packed-common.js';
import { PackedBinaryUnit, type PackedBinaryUnitArgs } from './packed-unit.js';
import { PackedUpsampleUnit, type PackedUpsampleUnitArgs } from './packed-upsample-unit.js';
import { readFloat, WeightCache } from './prepared.js';

export interface PackedUpsampleTailArgs extends LayerArgs {
  /** The binary upsampler stage's config (PackedUpsampleUnit). */
  stage: PackedUpsampleUnitArgs;
  /** The conv_hr unit's config (PackedBinaryUnit, its leakyAlpha the tail's LeakyReLU). */
  unit: PackedBinaryUnitArgs;
  /** Output channels of the conv to RGB. */
  filters: number;
  /** Whether the conv to RGB has a bias (default true, as the backbone's fpConv). */
  useBias?: boolean;
}

/** Where the native pass applies: the conv to RGB on the narrow kernel (≤ 4 outputs, channels in whole 16s). */
export function tailPassFits(channels: number, filters: number): boolean {
  return filters <= 4 && channels % 16 === 0;
}

/** A part's config without its undefined entries (tfjs' config conversion cannot take nested undefined values). */
export function definedOnly(c: tf.serialization.ConfigDict): tf.serialization.ConfigDict {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

export class PackedUpsampleTail extends tfl.layers.Layer {
  static className = 'PackedUpsampleTail';
  readonly stage: PackedUpsampleUnit;
  readonly unit: PackedBinaryUnit;
  readonly filters: number;
  readonly useBias: boolean;
  kernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;
  private readonly lastCache = new WeightCache<{ kernel: Float32Array; bias: Float32Array | null }>();

  constructor(args: PackedUpsampleTailArgs) {
    super({ ...args, trainable: false });
    const who = this.who;
    if (args.stage == null || args.unit == null) throw new Error(`${who}: the stage and unit configs are required`);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${who}: filters must be a positive integer, got ${JSON.stringify(args.filters)}`);
    this.filters = args.filters;
    this.useBias = args.useBias ?? true;
    this.stage = new PackedUpsampleUnit(args.stage);
    this.unit = new PackedBinaryUnit(args.unit);
    this.stage.weightPrefix = 'stage/';
    this.unit.weightPrefix = 'conv_hr/';
    this.trainable = false;
  }

  protected get who(): string {
    return `${this.getClassName()} '${this.name}'`;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const s = singleShape(inputShape, this.who);
    if (s.length !== 4 || s[3] == null) throw new Error(`${this.who}: expected a rank-4 input [batch, height, width, channels] with known channels, got shape [${s}]`);
    this.stage.build(s);
    const mid = this.stage.computeOutputShape(s) as (number | null)[];
    if (mid[3] !== this.unit.filters) {
      throw new Error(`${this.who}: the stage makes ${mid[3]} channels and conv_hr '${this.unit.name}' has ${this.unit.filters} filters; they must match`);
    }
    this.unit.build(mid);
    this.kernel = this.addWeight('kernel', [3, 3, mid[3], this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros(), undefined, false);
    this.built = true;
  }

  // The parts' weights first, in their creation order, then the conv to RGB's: the order of weights.bin.
  override get trainableWeights(): LayerVariable[] {
    return [];
  }

  override get nonTrainableWeights(): LayerVariable[] {
    const own = [this.kernel, this.bias].filter((v): v is LayerVariable => v !== null);
    return [...this.stage.weights, ...this.unit.weights, ...own];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape, this.who);
    const r = this.stage.scale;
    return [s[0], s[1] == null ? null : s[1] * r, s[2] == null ? null : s[2] * r, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = singleInput(inputs, this.who);
    const channels = this.unit.filters;
    if (x.rank === 4 && x.shape[3] === this.stage.inputChannels && getPackedKernel() === 'native' && hasFrbKernel(FrbXnorTail) && tailPassFits(channels, this.filters)) {
      const { kernel, bias } = this.lastWeights();
      return runFrbKernel(FrbXnorTail, { x }, {
        scale: this.stage.scale, stage: this.stage.tailConv(), unit: { ...this.unit.tailConv(), leaky: this.unit.leakyAlpha },
        kernel, bias, outChannels: this.filters,
      }) as tf.Tensor;
    }
    // The parts in turn (each checks its input), the conv to RGB as tfjs' Conv2D runs it.
    return tf.tidy(() => {
      const y = this.stage.call(x, {}) as tf.Tensor;
      const z = this.unit.call(y, {}) as tf.Tensor4D;
      return tf.fused.conv2d({
        x: z, filter: this.kernel!.read() as tf.Tensor4D, strides: [1, 1], pad: 'same', dataFormat: 'NHWC',
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

  /** The three parts' counts, so the fused form reports what the three layers do (binarySummary). */
  summaryCounts(inputShapes: SummaryShape[], outputShapes: SummaryShape[]): SummaryCounts {
    const [b, h, w] = outputShapes[0];
    const mid: SummaryShape = [b, h, w, this.unit.filters];
    const st = this.stage.summaryCounts(inputShapes, [mid]);
    const un = this.unit.summaryCounts([mid], [mid]);
    const positions = [b, h, w].reduce<number>((a, d) => a * (d ?? NaN), 1);
    const taps = 9 * this.unit.filters * this.filters;
    const parts = [st, un];
    return {
      fpMacs: parts.reduce((a, c) => a + c.fpMacs, positions * taps),
      binaryMacs: parts.reduce((a, c) => a + (c.binaryMacs ?? 0), 0),
      fpParams: parts.reduce((a, c) => a + (c.fpParams ?? 0), taps + (this.useBias ? this.filters : 0)),
      binaryParams: parts.reduce((a, c) => a + (c.binaryParams ?? 0), 0),
      scalars: parts.reduce((a, c) => a + (c.scalars ?? 0), 0),
    };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      stage: definedOnly(this.stage.getConfig()),
      unit: definedOnly(this.unit.getConfig()),
      filters: this.filters,
      useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(PackedUpsampleTail);
