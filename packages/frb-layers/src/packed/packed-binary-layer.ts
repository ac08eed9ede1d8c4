/**
 * PackedBinaryLayer: what PackedConv2D and PackedDense have in common — the binary options (order, RSign
 * threshold, input quantizer, activation, bias), the four packed weights and their creation order, the host-copy
 * cache and the shared tail of getConfig. Each subclass keeps only its geometry and its forward pass.
 *
 * Serialization is unchanged by this base: weight names and creation order (packed_kernel, alpha, threshold,
 * bias) fix their order in weights.bin, and getConfig keys keep their order, so saved packed models still load.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { checkOrder, makeActivation, type PackedBinaryArgs } from './packed-common.js';
import { WeightCache, type PreparedWeights } from './prepared.js';
import type { SummaryCounts, SummaryShape } from '../summary.js';

export interface PackedBinaryLayerArgs extends LayerArgs, PackedBinaryArgs {
  useBias?: boolean;
  activation?: string | null;
}

type AddWeightRest = Parameters<tfl.layers.Layer['addWeight']> extends [string, ...infer R] ? R : never;

export abstract class PackedBinaryLayer extends tfl.layers.Layer {
  readonly useBias: boolean;
  readonly order: number;
  readonly learnableThreshold: boolean;
  readonly inputQuantizer: string;
  protected readonly activationFn: ReturnType<typeof makeActivation>;
  packedKernel: LayerVariable | null = null;
  alpha: LayerVariable | null = null;
  threshold: LayerVariable | null = null;
  bias: LayerVariable | null = null;
  private readonly cache = new WeightCache();

  constructor(args: PackedBinaryLayerArgs) {
    super({ ...args, trainable: false });
    const who = this.who;
    this.useBias = args.useBias ?? false;
    this.order = checkOrder(args.order, who);
    this.learnableThreshold = args.learnableThreshold ?? true;
    this.inputQuantizer = args.inputQuantizer ?? 'sign';
    this.activationFn = makeActivation(args.activation, who);
    this.trainable = false;
  }

  /**
   * Prefix of this layer's weight names: empty for a layer of a model; the part's name inside a layer made of parts
   * (PackedUpsampleTail), whose parts are built in its name scope, so that their weights keep apart.
   */
  weightPrefix = '';

  override addWeight(name: string, ...rest: AddWeightRest): LayerVariable {
    return super.addWeight(this.weightPrefix + name, ...rest);
  }

  /** Latent weights per output unit of one base: kh·kw·Cin (conv) or Cin (dense); valid once built. */
  protected abstract get fanIn(): number;
  /** Output channels / units. */
  protected abstract get outUnits(): number;

  /**
   * binarySummary counts (its SummaryCountsLayer protocol), the same as for the SRB layer this was packed from,
   * so a model and its deployed form report the same Params / OPs: binary params = fanIn·Cout·order (the logical
   * weights, not the int32 words padded to 32 input channels), binary MACs = output positions·fanIn·Cout·order,
   * scalars = α's and the RSign threshold, FP params = the bias.
   */
  summaryCounts(_inputShapes: SummaryShape[], outputShapes: SummaryShape[]): SummaryCounts {
    const weights = this.fanIn * this.outUnits;
    const positions = outputShapes[0].slice(0, -1).reduce<number>((a, d) => a * (d ?? NaN), 1);
    const size = (v: LayerVariable | null) => (v ? v.shape.reduce<number>((a, d) => a * (d as number), 1) : 0);
    return {
      fpMacs: 0,
      binaryMacs: positions * weights * this.order,
      fpParams: size(this.bias),
      binaryParams: weights * this.order,
      scalars: size(this.alpha) + size(this.threshold),
    };
  }

  /** "PackedDense 'name'" etc., for error messages. */
  protected get who(): string {
    return `${this.getClassName()} '${this.name}'`;
  }

  /**
   * Creates the packed weights in their serialized order: sign bits [order·outUnits, kernelWords] int32,
   * α [order, outUnits], RSign threshold [inUnits] (when learnable) and bias [outUnits] (when used).
   */
  protected addPackedWeights(outUnits: number, kernelWords: number, inUnits: number): void {
    this.packedKernel = this.addWeight('packed_kernel', [this.order * outUnits, kernelWords], 'int32', tfl.initializers.zeros(), undefined, false);
    this.alpha = this.addWeight('alpha', [this.order, outUnits], 'float32', tfl.initializers.ones(), undefined, false);
    if (this.learnableThreshold) this.threshold = this.addWeight('threshold', [inUnits], 'float32', tfl.initializers.zeros(), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [outUnits], 'float32', tfl.initializers.zeros(), undefined, false);
  }

  /** Host copies of the weights, rebuilt by `build` only when a weight's data changed. */
  protected preparedWith(build: () => PreparedWeights): PreparedWeights {
    return this.cache.get([this.packedKernel, this.alpha, this.threshold, this.bias], build);
  }

  /** Applies the layer's activation (if any) to y, disposing y when a new tensor is made. */
  protected activate(y: tf.Tensor): tf.Tensor {
    if (!this.activationFn.apply) return y;
    const out = this.activationFn.apply(y);
    y.dispose();
    return out;
  }

  /** The getConfig keys every packed layer ends with, in their serialized order. */
  protected binaryConfig(): tf.serialization.ConfigDict {
    return {
      useBias: this.useBias,
      activation: this.activationFn.name,
      order: this.order,
      learnableThreshold: this.learnableThreshold,
      inputQuantizer: this.inputQuantizer,
    };
  }
}
