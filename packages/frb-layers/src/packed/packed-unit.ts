/**
 * PackedBinaryUnit: the inference form of a whole BBCU/FRB binary unit, y = RPReLU(SRBConv2D(x)) + x, as one layer.
 * The packed conv's epilogue applies RPReLU (per channel: t = conv − γ, (t < 0 ? t·β : t) + ζ, layers/rprelu.ts)
 * and adds the unit's input in the same pass over the output: on the native kernel inside FrbXnorConv, per pixel,
 * while the conv's sums are in cache; on the wasm direct kernel as one SIMD pass in the kernel's memory (after the
 * border correction, which must come first); on the JS paths as one host loop. No intermediate tensors.
 *
 * Each step rounds to float32 as the separate RPReLU and Add layers do, so a model deployed with units gives the
 * output of the same model deployed with plain PackedConv2D + RPReLU + Add (deployModel's `fuse: false`).
 * Weights: PackedConv2D's, then rprelu_gamma, rprelu_alpha, rprelu_zeta [filters] (the RPReLU layer's).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { PackedConv2D, type PackedConv2DArgs, type UnitEpilogue } from './packed-conv2d.js';
import type { FrbXnorChainLevel } from '../kernels/contracts.js';
import type { SummaryCounts, SummaryShape } from '../summary.js';
import { readFloat, WeightCache } from './prepared.js';
import { singleInput } from '../layers/stock.js';

export interface PackedBinaryUnitArgs extends PackedConv2DArgs {
  /**
   * The slope of a LeakyReLU that follows the unit (FRBC-M's conv_hr unit, then the tail's LeakyReLU(0.1)):
   * y = LeakyReLU(RPReLU(conv(x)) + x), applied in the native kernel's epilogue too (default: none).
   */
  leakyAlpha?: number | null;
}

export class PackedBinaryUnit extends PackedConv2D {
  static override className = 'PackedBinaryUnit';
  rpreluGamma: LayerVariable | null = null;
  rpreluAlpha: LayerVariable | null = null;
  rpreluZeta: LayerVariable | null = null;
  readonly leakyAlpha: number | null;
  private readonly unitCache = new WeightCache<UnitEpilogue>();

  constructor(args: PackedBinaryUnitArgs) {
    super(args);
    this.leakyAlpha = args.leakyAlpha ?? null;
    if (this.leakyAlpha !== null && !Number.isFinite(this.leakyAlpha)) {
      throw new Error(`${this.who}: leakyAlpha must be a finite number or null, got ${String(args.leakyAlpha)}`);
    }
    // The residual add (or an upsampler stage's enlarged input) needs an output of the input's size.
    if (this.strides[0] !== 1 || this.strides[1] !== 1 || this.padding !== 'same') {
      throw new Error(`${this.who}: a fused binary unit needs strides 1 and padding 'same', got strides [${this.strides}] and padding '${this.padding}'`);
    }
    if (this.activationFn.name !== 'linear') {
      throw new Error(`${this.who}: a fused binary unit's conv has no activation of its own (RPReLU follows), got activation '${this.activationFn.name}'`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    super.build(inputShape);
    const r = this.shuffle;
    if (r === 1 && this.inputChannels !== this.filters) {
      throw new Error(`${this.who}: the residual add needs filters = input channels, got ${this.filters} filters for ${this.inputChannels} channels`);
    }
    if (this.filters !== this.inputChannels * r * r) {
      throw new Error(`${this.who}: a scale-${r} stage needs filters = input channels · ${r * r} (${this.inputChannels * r * r}), got ${this.filters}`);
    }
    const c = [this.filters];
    this.rpreluGamma = this.addWeight('rprelu_gamma', c, 'float32', tfl.initializers.zeros(), undefined, false);
    this.rpreluAlpha = this.addWeight('rprelu_alpha', c, 'float32', tfl.initializers.constant({ value: 0.25 }), undefined, false);
    this.rpreluZeta = this.addWeight('rprelu_zeta', c, 'float32', tfl.initializers.zeros(), undefined, false);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return this.convolve(singleInput(inputs, this.who), this.unitParams());
  }

  /** The packed conv's counts plus the RPReLU's 3·C scalars it absorbed, so the fused form reports what the unfused one does. */
  override summaryCounts(inputShapes: SummaryShape[], outputShapes: SummaryShape[]): SummaryCounts {
    const c = super.summaryCounts(inputShapes, outputShapes);
    return { ...c, scalars: (c.scalars ?? 0) + 3 * this.filters };
  }

  /**
   * The kernels' output channel order: perm[q] = the trained channel computed at position q, or null for the
   * trained order (PackedUpsampleUnit reorders for its shuffle).
   */
  protected channelOrder(): Int32Array | null {
    return null;
  }

  /** The RPReLU parameters as float32 host arrays in the kernels' channel order (read once per weight change). */
  protected unitParams(): UnitEpilogue {
    return this.unitCache.get([this.rpreluGamma, this.rpreluAlpha, this.rpreluZeta], () => {
      const perm = this.channelOrder();
      const read = (v: LayerVariable) => { const d = readFloat(v); return perm ? Float32Array.from(perm, (o) => d[o]) : d.slice(); };
      const u: UnitEpilogue = { gamma: read(this.rpreluGamma!), slope: read(this.rpreluAlpha!), zeta: read(this.rpreluZeta!) };
      if (this.leakyAlpha !== null) u.leaky = this.leakyAlpha;
      return u;
    });
  }

  /** This unit as one level of the native chain pass (PackedChain): the native kernel's weights, order, epilogue. */
  chainLevel(): FrbXnorChainLevel {
    const { gamma, slope, zeta } = this.unitParams();
    return { ...this.nativeWeights(), order: this.order, rprelu: { gamma, slope, zeta }, scale: this.shuffle, leaky: this.leakyAlpha };
  }

  override getConfig(): tf.serialization.ConfigDict {
    const c = super.getConfig();
    return this.leakyAlpha === null ? c : { ...c, leakyAlpha: this.leakyAlpha };
  }
}
tf.serialization.registerClass(PackedBinaryUnit);
