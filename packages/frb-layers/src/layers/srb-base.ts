/**
 * The one SRB base of SRBConv2D and SRBDense: `srbLayer(Stock, spec)` extends a stock tfjs layer (Conv2D, Dense)
 * with the two binarizers, as Larq adds quantizers to stock layers. The stock class keeps its arguments,
 * initializers, output shape and config; the base adds
 *  - the options (order, centering, scaling, input quantizer, learnable threshold) and their config entries,
 *  - the SRB weight binarizer Ŵ = Σ_k α_k·sign(R_{k−1}) (paper) with its per-base straight-through gradient
 *    (inferred, srb.ts),
 *  - RSign, sign(x + b) with a learnable per-input-channel threshold b (ReActNet; FRB inherits it from BBCU
 *    (inferred)), trained through the input quantizer's pseudo-gradient (approxSign by default; quantizers.ts),
 *  - the `threshold` weight, created in build after the stock weights (kernel, [bias]), so saved weight orders hold,
 *  - the parts the packed/deploy path and binarySummary read (`isSRBLayer`, `binary`, `latentKernel`,
 *    `biasWeight`, `threshold`, `decompose()`).
 * A subclass gives only its op on the binarized input and kernel (`linearOp`) and its argument checks.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { getQuantizer, normalizeQuantizerName, quantizeShifted, type QuantizerIdentifier, type QuantizerName } from '../quantizers.js';
import { resolveSRBOptions, srbBinarize, srbDecompose, type SRBDecomposition } from '../srb.js';
import { singleInput, singleShape } from './stock.js';

export interface BinaryLayerArgs {
  /** Number of residual binary bases of the weights (SRB order). Default 2. */
  order?: number;
  /** Center the latent weights per output channel before binarizing. Default true. */
  centerWeights?: boolean;
  /** Scale each base by its per-channel α. Default true; false (BNN baseline) requires order 1. */
  scaleWeights?: boolean;
  /**
   * Activation quantizer: 'approxSign' (default), 'steSign', 'sign', 'identity' (snake_case
   * accepted), or null for no activation binarization (full-precision inputs, binary weights).
   */
  inputQuantizer?: QuantizerIdentifier | null;
  /** RSign: learnable per-input-channel threshold b in sign(x + b). Default true; unused when inputQuantizer is null. */
  learnableThreshold?: boolean;
}

export interface ResolvedBinaryArgs {
  order: number;
  centerWeights: boolean;
  scaleWeights: boolean;
  inputQuantizer: QuantizerName | null;
  learnableThreshold: boolean;
}

export function resolveBinaryArgs(args: BinaryLayerArgs, layerName: string): ResolvedBinaryArgs {
  const srb = resolveSRBOptions({ order: args.order, center: args.centerWeights, scale: args.scaleWeights }, layerName);
  const q = args.inputQuantizer === undefined ? 'approxSign' : args.inputQuantizer;
  return {
    order: srb.order,
    centerWeights: srb.center,
    scaleWeights: srb.scale,
    inputQuantizer: q === null ? null : normalizeQuantizerName(q, `${layerName} (inputQuantizer)`),
    learnableThreshold: args.learnableThreshold ?? true,
  };
}

/** What differs between the SRB layers, besides their op. */
export interface SRBLayerSpec {
  /** The registered class name, used in errors before the layer has a name. */
  className: string;
  /** Input ranks the layer takes, batch included. */
  ranks: number[];
  /** The accepted input, for errors: "expected <expects>, got shape [...]". */
  expects: string;
  /** Checks the stock arguments whose tfjs errors would not name this layer; `who` is e.g. "SRBDense 'fc1'". */
  checkArgs(args: Record<string, unknown>, who: string): void;
}

/** The members every SRB layer has; code that handles both SRB layers needs only these. */
export interface SRBLayer extends tfl.layers.Layer {
  /** Resolved binarization options (order, centering, scaling, input quantizer, threshold). */
  readonly binary: ResolvedBinaryArgs;
  /** RSign threshold b, shape [input channels]; null before build or when not learnable. */
  threshold: LayerVariable | null;
  /** The latent full-precision kernel variable, output channels last (null before build). */
  readonly latentKernel: LayerVariable | null;
  /** The stock bias variable (null without a bias or before build). */
  readonly biasWeight: LayerVariable | null;
  /** Ŵ's ±1 bases and per-channel α's (and the centering mean), e.g. for bit-packed inference. Caller disposes. */
  decompose(): SRBDecomposition;
}

// `any[]`: TypeScript's rule for a class that a mixin extends.
export type StockLayerClass = new (...args: any[]) => tfl.layers.Layer;

/** What the SRB base adds to a stock layer's instances. */
export interface SRBLayerMembers extends SRBLayer {
  /** "SRBConv2D 'name'", for errors. */
  readonly who: string;
  /** The stock op on the binarized input and kernel, before bias and activation (conv or matmul); subclasses give it. */
  linearOp(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor;
}

/**
 * The class `srbLayer` returns, spelled out: TypeScript cannot write the inferred type of a class expression over
 * tfjs' Layer (protected members) into declaration files.
 */
export type SRBLayerClass<T extends StockLayerClass> = T & (abstract new (...args: any[]) => SRBLayerMembers);

/** The stock layer's variables and activation, which Dense keeps private in its typings. */
interface StockInternals {
  kernel: LayerVariable | undefined;
  bias: LayerVariable | null | undefined;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
}

const srbBases = new Set<abstract new (...args: never[]) => SRBLayer>();

/** Whether `layer` is an SRBConv2D, an SRBDense or any other layer built on the SRB base. */
export function isSRBLayer(layer: unknown): layer is SRBLayer {
  for (const base of srbBases) if (layer instanceof base) return true;
  return false;
}

function stockOf(layer: tfl.layers.Layer): StockInternals {
  return layer as unknown as StockInternals;
}

function checkRank(spec: SRBLayerSpec, shape: readonly (number | null)[], who: string): void {
  if (!spec.ranks.includes(shape.length)) throw new Error(`${who}: expected ${spec.expects}, got shape [${shape}]`);
}

/** Checks the arguments common to both layers and defaults useBias to false (BBCU's counts exclude body biases). */
function prepareArgs(spec: SRBLayerSpec, args: unknown): Record<string, unknown> {
  if (args == null || typeof args !== 'object') throw new Error(`${spec.className}: args object is required`);
  const a = args as Record<string, unknown>;
  spec.checkArgs(a, `${spec.className}${a.name ? ` '${a.name}'` : ''}`);
  return { ...a, useBias: a.useBias ?? false };
}

/** The stock layer class `Stock` with SRB weights and RSign inputs; see the file header. */
export function srbLayer<T extends StockLayerClass>(Stock: T, spec: SRBLayerSpec): SRBLayerClass<T> {
  abstract class SRBBase extends Stock implements SRBLayerMembers {
    readonly binary: ResolvedBinaryArgs;
    threshold: LayerVariable | null = null;

    constructor(...args: any[]) {
      super(prepareArgs(spec, args[0]));
      this.binary = resolveBinaryArgs(args[0] as BinaryLayerArgs, this.who);
    }

    abstract linearOp(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor;

    get who(): string {
      return `${spec.className} '${this.name}'`;
    }

    get latentKernel(): LayerVariable | null {
      return stockOf(this).kernel ?? null;
    }

    get biasWeight(): LayerVariable | null {
      return stockOf(this).bias ?? null;
    }

    decompose(): SRBDecomposition {
      const kernel = this.latentKernel;
      if (kernel == null) throw new Error(`${this.who}: decompose() needs a built layer`);
      const { order, centerWeights: center, scaleWeights: scale } = this.binary;
      return srbDecompose(kernel.read(), { order, center, scale }, this.who);
    }

    override build(inputShape: tfl.Shape | tfl.Shape[]): void {
      const shape = singleShape(inputShape, this.who);
      checkRank(spec, shape, this.who);
      super.build(shape);
      // After the stock weights, so the weight order is kernel, [bias], threshold.
      if (this.binary.inputQuantizer !== null && this.binary.learnableThreshold && this.threshold == null) {
        this.threshold = this.addWeight('threshold', [shape[shape.length - 1] as number], 'float32', tfl.initializers.zeros(), undefined, true);
      }
    }

    override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
      return tf.tidy(() => {
        const x = singleInput(inputs, this.who);
        checkRank(spec, x.shape, this.who);
        const q = this.binary.inputQuantizer;
        const xb = q === null ? x : quantizeShifted(getQuantizer(q), x, this.threshold?.read() ?? null);
        const { order, centerWeights: center, scaleWeights: scale } = this.binary;
        const { kernel, bias, activation } = stockOf(this);
        const w = srbBinarize(kernel!.read(), { order, center, scale }, this.who);
        let y = this.linearOp(xb, w);
        if (bias != null) y = tf.add(y, bias.read());
        return activation != null ? activation.apply(y) : y;
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      // camelCase values; tfjs snake-cases them when saving and the constructor accepts both.
      const { order, centerWeights, scaleWeights, inputQuantizer, learnableThreshold } = this.binary;
      return { ...super.getConfig(), order, centerWeights, scaleWeights, inputQuantizer, learnableThreshold };
    }
  }
  srbBases.add(SRBBase);
  return SRBBase as unknown as SRBLayerClass<T>;
}
