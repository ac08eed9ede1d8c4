// FRBC and the binarization baselines: SRResNet with every body conv replaced by a binary unit.
// Head, upsampler, conv_hr and conv_last stay full precision (paper: "heads and tails are not quantized"),
// unless `upsampler: 'binary'` (FRBC-M, this project's extension beyond the FRB paper, after BBCU-M): then the
// upsampler convs and conv_hr are binary too and only conv_first and conv_last stay full precision.
// Block boundaries carry the same names as in the FP twin (`body/block_NN`), so DBT can pair them.
import * as tfl from '@tensorflow/tfjs-layers';
import { rprelu, srbConv2d, type BinaryLayerArgs } from '@frb/layers';
import { buildBackbone, checkBackboneOptions } from './backbone.js';
import { PixelShuffle } from './pixel_shuffle.js';
import { blockName } from './naming.js';
import {
  BINARIZATION_PRESETS, residualAlignmentFactor, resolveBinarization, type Binarization,
} from './binarization.js';

type SymbolicTensor = tfl.SymbolicTensor;

export interface BinarySRResNetOptions {
  /** Upscale factor 2, 3 or 4 (default 4). */
  scale?: number;
  /** Feature channels C (default 64). */
  features?: number;
  /** Residual blocks N (default 16). */
  blocks?: number;
  /** Image channels (default 3). */
  channels?: number;
  /** Which scheme binarizes the body (default 'frb2' = FRBC). */
  binarization?: Binarization | string;
  /**
   * BBCU residual alignment: true = k = 130·C/64, false = off, a number = that k. Default per scheme
   * (on for bbcu/frb1/frb2, off for the older baselines).
   */
  alignment?: boolean | number;
  /** Overrides of the scheme's SRBConv2D options (e.g. `{order: 3}`). */
  srb?: BinaryLayerArgs;
  /** Fix the LR input size [height, width] (default: any size). */
  inputSize?: [number, number];
  /** Model name (default `{binarization}_x{scale}`). */
  name?: string;
  /**
   * 'fp' (default, as the paper): full-precision upsampler and conv_hr. 'binary' (FRBC-M, this project's
   * extension, BBCU-M's layout): binary upsampler stages and a binary conv_hr unit; needs a scheme with the BBCU unit.
   */
  upsampler?: 'fp' | 'binary';
}

export const UPSAMPLERS = ['fp', 'binary'] as const;

/**
 * Initial latent weights of binary convs: U(±1/√fan_in), PyTorch's Conv2d default that BBCU keeps for its binary
 * convs (inferred). Only the sign and per-channel mean magnitude matter in the forward pass.
 */
function binaryInitializer() {
  return tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' });
}

export function binarySRResNet(opts: BinarySRResNetOptions = {}): tfl.LayersModel {
  const binarization = resolveBinarization(opts.binarization ?? 'frb2', 'binarySRResNet');
  const preset = BINARIZATION_PRESETS[binarization];
  const scale = opts.scale ?? 4;
  const features = opts.features ?? 64;
  const blocks = opts.blocks ?? 16;
  const name = opts.name ?? `${binarization}_x${scale}`;
  checkBackboneOptions({ scale, features, blocks, channels: opts.channels }, `binarySRResNet '${name}'`);

  let alignment: number | undefined;
  const a = opts.alignment ?? preset.alignment;
  if (a === true) alignment = residualAlignmentFactor(features);
  else if (typeof a === 'number') {
    if (!Number.isFinite(a) || a <= 0) throw new Error(`binarySRResNet '${name}': alignment must be a positive number or boolean, got ${a}`);
    alignment = a;
  } else if (a !== false) {
    throw new Error(`binarySRResNet '${name}': alignment must be a positive number or boolean, got ${JSON.stringify(a)}`);
  }

  const upsampler = opts.upsampler ?? 'fp';
  if (!(UPSAMPLERS as readonly string[]).includes(upsampler)) {
    throw new Error(`binarySRResNet '${name}': upsampler must be one of ${UPSAMPLERS.join(', ')}, got ${JSON.stringify(upsampler)}`);
  }
  if (upsampler === 'binary' && preset.unit !== 'bbcu') {
    throw new Error(`binarySRResNet '${name}': upsampler 'binary' needs a scheme with the BBCU unit (RPReLU around each binary conv: bbcu, frb1, frb2), got '${binarization}'`);
  }

  const convArgs: BinaryLayerArgs = { ...preset.conv, ...(opts.srb ?? {}) };
  const bconv = (layerName: string, filters = features) =>
    srbConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: binaryInitializer(), name: layerName, ...convArgs });

  const unit = (x: SymbolicTensor, p: string, outName: string): SymbolicTensor => {
    const y = bconv(`${p}/conv`).apply(x) as SymbolicTensor;
    switch (preset.unit) {
      case 'bbcu': {
        const r = rprelu({ name: `${p}/rprelu` }).apply(y) as SymbolicTensor;
        return tfl.layers.add({ name: outName }).apply([r, x]) as SymbolicTensor;
      }
      case 'reactnet': {
        const s = tfl.layers.add({ name: `${p}/add` }).apply([y, x]) as SymbolicTensor;
        return rprelu({ name: outName }).apply(s) as SymbolicTensor;
      }
      case 'bireal':
        return tfl.layers.add({ name: outName }).apply([y, x]) as SymbolicTensor;
      default:
        throw new Error(`binarySRResNet: unit kind '${preset.unit}' is not a per-conv unit`);
    }
  };

  const block = (x: SymbolicTensor, i: number): SymbolicTensor => {
    const p = blockName(i);
    if (preset.unit === 'plain') {
      const y = bconv(`${p}/conv1`).apply(x) as SymbolicTensor;
      const z = bconv(`${p}/conv2`).apply(y) as SymbolicTensor;
      return tfl.layers.add({ name: p }).apply([x, z]) as SymbolicTensor;
    }
    const u1 = unit(x, `${p}/unit1`, `${p}/unit1/out`);
    return unit(u1, `${p}/unit2`, p);
  };

  // Binary upsampler stage (inferred from BBCU-M's BinaryUpConv2d in the BBCU code): RSign, binary conv C→C·r²,
  // RPReLU on the C·r² channels, PixelShuffle(r); the shortcut cannot be the identity where the shape changes, so
  // the input is enlarged by nearest neighbour (C channels at r× size) and added. No LeakyReLU between stages.
  const binaryStage = (x: SymbolicTensor, r: number, k: number): SymbolicTensor => {
    const n = k + 1;
    let y = bconv(`upsampler/upconv${n}`, features * r * r).apply(x) as SymbolicTensor;
    y = rprelu({ name: `upsampler/rprelu${n}` }).apply(y) as SymbolicTensor;
    y = new PixelShuffle({ scale: r, name: `upsampler/shuffle${n}` }).apply(y) as SymbolicTensor;
    const skip = tfl.layers.upSampling2d({ size: [r, r], interpolation: 'nearest', name: `upsampler/nearest${n}` }).apply(x) as SymbolicTensor;
    return tfl.layers.add({ name: `upsampler/out${n}` }).apply([y, skip]) as SymbolicTensor;
  };
  // conv_hr keeps C channels, so it is a whole BBCU unit with its identity shortcut (as BBCU-M's BinaryConv2d).
  const binaryConvHr = (x: SymbolicTensor): SymbolicTensor => unit(x, 'tail/conv_hr', 'tail/conv_hr/out');

  return buildBackbone({
    scale, features, blocks, channels: opts.channels, name, block, alignment, inputSize: opts.inputSize,
    ...(upsampler === 'binary' ? { upsampleStage: binaryStage, convHr: binaryConvHr } : {}),
  });
}

export interface FRBCOptions extends Omit<BinarySRResNetOptions, 'binarization'> {
  /** SRB order: 2 (FRBC, default) or 1 (the paper's first-order ablation). */
  order?: 1 | 2;
}

/** FRBC: the SRResNet backbone with FRB binary units (SRB weights of the given order, RSign, RPReLU, own shortcut). */
export function frbc(opts: FRBCOptions = {}): tfl.LayersModel {
  const order = opts.order ?? 2;
  if (order !== 1 && order !== 2) throw new Error(`frbc: order must be 1 or 2, got ${String(order)}`);
  const { order: _o, ...rest } = opts;
  const m = opts.upsampler === 'binary' ? '_m' : '';
  return binarySRResNet({ ...rest, binarization: order === 1 ? 'frb1' : 'frb2', name: opts.name ?? `frbc${m}${order === 1 ? '_o1' : ''}_x${opts.scale ?? 4}` });
}
