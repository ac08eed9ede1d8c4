// The SRResNet backbone shared by the FP twin, FRBC and the baselines: BasicSR's MSRResNet layout.
//   conv_first 3→C + LeakyReLU(0.1) → N residual blocks (pluggable) → upsampler (conv C→C·s² + PixelShuffle
//   + LeakyReLU(0.1); x4 = two x2 stages) → conv_hr C→C + LeakyReLU(0.1) → conv_last C→3, plus the
//   bilinear-upsampled input. No BatchNorm, no global skip around the body (as in MSRResNet and BBCU-L).
// Head, upsampler and tail are full precision by default (paper: "heads and tails are not quantized"); the
// upsampleStage / convHr hooks let a variant binarize them (FRBC-M, frbc.ts: this project's extension).
import * as tfl from '@tensorflow/tfjs-layers';
import { PixelShuffle } from './pixel_shuffle.js';
import { BilinearUpsample } from './bilinear_upsample.js';
import { ConstantScale } from './constant_scale.js';
import { blockName } from './naming.js';

type SymbolicTensor = tfl.SymbolicTensor;

export const SUPPORTED_SCALES = [2, 3, 4] as const;
export type Scale = (typeof SUPPORTED_SCALES)[number];

export interface BackboneOptions {
  /** Upscale factor: 2, 3 or 4. */
  scale: number;
  /** Feature channels C. */
  features: number;
  /** Residual blocks N. */
  blocks: number;
  /** Image channels in and out (3 for RGB). */
  channels?: number;
  /** Model name. */
  name: string;
  /**
   * Builds residual block `i` from its input; the returned tensor's layer must be named `blockName(i)`.
   */
  block: (x: SymbolicTensor, i: number) => SymbolicTensor;
  /** Residual alignment factor k: the input is multiplied by k and the output divided by k (BBCU). */
  alignment?: number;
  /** Fix the LR input to [height, width] (default: any size). Fixed shapes give every layer a concrete outputShape. */
  inputSize?: [number, number];
  /**
   * Builds upsampling stage k (0-based) from C channels at size s to C channels at size s·r. Default (MSRResNet):
   * FP conv C→C·r² `upsampler/upconv{k+1}` + PixelShuffle(r) + LeakyReLU(0.1).
   */
  upsampleStage?: (x: SymbolicTensor, r: number, k: number) => SymbolicTensor;
  /** Builds conv_hr (C→C, followed by the tail's LeakyReLU). Default: the FP conv `tail/conv_hr`. */
  convHr?: (x: SymbolicTensor) => SymbolicTensor;
}

/**
 * BasicSR's default_init_weights for MSRResNet: Kaiming-normal (fan_in, gain √2) scaled by 0.1, i.e. variance
 * 0.02 / fan_in, biases zero (inferred from BasicSR's code; tfjs draws from a truncated normal).
 */
export function msrInitializer(): ReturnType<typeof tfl.initializers.varianceScaling> {
  return tfl.initializers.varianceScaling({ scale: 0.02, mode: 'fanIn', distribution: 'normal' });
}

/** A 3x3 'same' full-precision conv with bias and MSRResNet's initialisation. */
export function fpConv(filters: number, name: string): tfl.layers.Layer {
  return tfl.layers.conv2d({
    filters, kernelSize: 3, padding: 'same', useBias: true, name,
    kernelInitializer: msrInitializer(), biasInitializer: 'zeros',
  });
}

export function checkBackboneOptions(o: { scale: unknown; features: unknown; blocks: unknown; channels?: unknown }, where: string): void {
  if (!SUPPORTED_SCALES.includes(o.scale as Scale)) {
    throw new Error(`${where}: scale must be one of ${SUPPORTED_SCALES.join(', ')}, got ${String(o.scale)}`);
  }
  if (typeof o.features !== 'number' || !Number.isInteger(o.features) || o.features < 1) {
    throw new Error(`${where}: features must be a positive integer, got ${String(o.features)}`);
  }
  if (typeof o.blocks !== 'number' || !Number.isInteger(o.blocks) || o.blocks < 0 || o.blocks > 100) {
    throw new Error(`${where}: blocks must be an integer in 0..100, got ${String(o.blocks)}`);
  }
  if (o.channels !== undefined && (typeof o.channels !== 'number' || !Number.isInteger(o.channels) || o.channels < 1)) {
    throw new Error(`${where}: channels must be a positive integer, got ${String(o.channels)}`);
  }
}

/** The upsampler's stage factors: x2/x3 one stage, x4 two x2 stages (as MSRResNet). */
export function upsampleStages(scale: number): number[] {
  return scale === 4 ? [2, 2] : [scale];
}

export function buildBackbone(opts: BackboneOptions): tfl.LayersModel {
  checkBackboneOptions(opts, opts.name);
  const { scale, features: C, blocks, name } = opts;
  const channels = opts.channels ?? 3;
  const size = opts.inputSize;
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0))) {
    throw new Error(`${name}: inputSize must be [height, width] of positive integers, got ${JSON.stringify(size)}`);
  }
  const input = tfl.input({ shape: [size?.[0] ?? null, size?.[1] ?? null, channels], name: 'lr' });
  let x: SymbolicTensor = input;
  if (opts.alignment !== undefined && opts.alignment !== 1) {
    x = new ConstantScale({ factor: opts.alignment, name: 'align/scale_in' }).apply(x) as SymbolicTensor;
  }
  const aligned = x;

  let feat = fpConv(C, 'head/conv_first').apply(x) as SymbolicTensor;
  feat = tfl.layers.leakyReLU({ alpha: 0.1, name: 'head/lrelu' }).apply(feat) as SymbolicTensor;

  for (let i = 0; i < blocks; i++) {
    const out = opts.block(feat, i);
    const producer = out.sourceLayer?.name;
    if (producer !== blockName(i)) {
      throw new Error(`${name}: block ${i} must end in a layer named '${blockName(i)}', got '${producer}'`);
    }
    feat = out;
  }

  // x2/x3: one conv C→C·s² + shuffle(s); x4: two conv C→4C + shuffle(2) stages.
  const fpStage = (x: SymbolicTensor, r: number, k: number): SymbolicTensor => {
    let y = fpConv(C * r * r, `upsampler/upconv${k + 1}`).apply(x) as SymbolicTensor;
    y = new PixelShuffle({ scale: r, name: `upsampler/shuffle${k + 1}` }).apply(y) as SymbolicTensor;
    return tfl.layers.leakyReLU({ alpha: 0.1, name: `upsampler/lrelu${k + 1}` }).apply(y) as SymbolicTensor;
  };
  const stage = opts.upsampleStage ?? fpStage;
  upsampleStages(scale).forEach((r, k) => {
    feat = stage(feat, r, k);
  });

  feat = (opts.convHr ?? ((x: SymbolicTensor) => fpConv(C, 'tail/conv_hr').apply(x) as SymbolicTensor))(feat);
  feat = tfl.layers.leakyReLU({ alpha: 0.1, name: 'tail/lrelu' }).apply(feat) as SymbolicTensor;
  feat = fpConv(channels, 'tail/conv_last').apply(feat) as SymbolicTensor;

  const base = new BilinearUpsample({ scale, name: 'skip/bilinear' }).apply(aligned) as SymbolicTensor;
  let out = tfl.layers.add({ name: 'skip/add' }).apply([feat, base]) as SymbolicTensor;
  if (opts.alignment !== undefined && opts.alignment !== 1) {
    out = new ConstantScale({ factor: 1 / opts.alignment, name: 'align/scale_out' }).apply(out) as SymbolicTensor;
  }
  return tfl.model({ inputs: input, outputs: out, name });
}
