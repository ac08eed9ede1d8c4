/**
 * SwinIR-S (lightweight SwinIR, Liang et al. 2021, upsampler 'pixelshuffledirect'), the graph FRBT (../frbt.ts)
 * binarizes: FRBT is this graph with every Linear inside the Swin layers an SRBDense.
 *
 *   pad → −mean → conv_first → LN (patch_embed/norm) → RSTB × blocks → LN (norm) → conv_after_body → + conv_first
 *       → conv (C → out·s²) → PixelShuffle(s) → +mean → crop to H·s × W·s
 *
 * Full precision in both: conv_first, LayerNorms, attention matmuls / softmax / bias tables, the RSTB convs,
 * conv_after_body and the upsampler. Not modelled: SwinIR's training-time drop path (rate 0.1) and dropout (0).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { PixelShuffle } from '../pixel_shuffle.js';
import { PadToMultiple, CropToScale, type PadMode } from './padding.js';
import { MeanShift, DIV2K_RGB_MEAN } from './mean_shift.js';
import { rstb, conv3x3 } from './rstb.js';
import { LayerNorm } from './layer_norm.js';
import type { LinearSpec } from './linear.js';

export interface SwinIROptions {
  /** Upscale factor (any integer ≥ 1; SwinIR uses 2, 3, 4). Default 4. */
  scale?: number;
  /** Embedding width C. Default 60. */
  embedDim?: number;
  /** Number of RSTBs. Default 4. */
  blocks?: number;
  /** Swin layers per RSTB. Default 6. */
  depth?: number;
  /** Attention heads (must divide embedDim). Default 6. */
  numHeads?: number;
  /** Window size; inputs are padded to a multiple of it. Default 8. */
  windowSize?: number;
  /** MLP hidden width / C. Default 2. */
  mlpRatio?: number;
  /** Image channels in and out. Default 3 (the DIV2K mean is subtracted only for 3 channels, as in SwinIR). */
  channels?: number;
  /** Padding of inputs that are not a multiple of the window: 'reflect' (default, BasicSR) or 'symmetric'. */
  padMode?: PadMode;
  /** Model name. */
  name?: string;
}

export const SWINIR_S_DEFAULTS = { scale: 4, embedDim: 60, blocks: 4, depth: 6, numHeads: 6, windowSize: 8, mlpRatio: 2, channels: 3 } as const;

function positiveInt(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where}: ${what} must be a positive integer, got ${String(v)}`);
  return v;
}

/** The SwinIR-S graph with its Swin-layer Linears built as `spec` says (full precision, or SRBDense in FRBT). */
export function buildSwinIR(o: SwinIROptions, spec: LinearSpec, defaultName: string): tfl.LayersModel {
  const where = defaultName;
  const d = { ...SWINIR_S_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Required<SwinIROptions>;
  const scale = positiveInt(d.scale, 'scale', where);
  const dim = positiveInt(d.embedDim, 'embedDim', where);
  const blocks = positiveInt(d.blocks, 'blocks', where);
  const depth = positiveInt(d.depth, 'depth', where);
  const numHeads = positiveInt(d.numHeads, 'numHeads', where);
  const windowSize = positiveInt(d.windowSize, 'windowSize', where);
  const channels = positiveInt(d.channels, 'channels', where);
  if (dim % numHeads !== 0) throw new Error(`${where}: embedDim ${dim} must be divisible by numHeads ${numHeads}`);
  if (typeof d.mlpRatio !== 'number' || !(d.mlpRatio > 0)) throw new Error(`${where}: mlpRatio must be a positive number, got ${String(d.mlpRatio)}`);

  const input = tfl.input({ shape: [null, null, channels], name: 'lr' });
  let x = new PadToMultiple({ multiple: windowSize, mode: o.padMode ?? 'reflect', name: 'pad' }).apply(input) as tfl.SymbolicTensor;
  const useMean = channels === 3;
  if (useMean) x = new MeanShift({ mean: [...DIV2K_RGB_MEAN], sign: -1, name: 'sub_mean' }).apply(x) as tfl.SymbolicTensor;
  const shallow = conv3x3(dim, 'conv_first').apply(x) as tfl.SymbolicTensor;

  let t = new LayerNorm({ epsilon: 1e-5, name: 'patch_embed/norm' }).apply(shallow) as tfl.SymbolicTensor;
  for (let i = 0; i < blocks; i++) {
    t = rstb(t, { index: i, depth, numHeads, windowSize, mlpRatio: d.mlpRatio, linear: spec });
  }
  t = new LayerNorm({ epsilon: 1e-5, name: 'norm' }).apply(t) as tfl.SymbolicTensor;
  t = conv3x3(dim, 'conv_after_body').apply(t) as tfl.SymbolicTensor;
  t = tfl.layers.add({ name: 'long_skip' }).apply([t, shallow]) as tfl.SymbolicTensor;

  let y = conv3x3(channels * scale * scale, 'upsample/conv').apply(t) as tfl.SymbolicTensor;
  y = new PixelShuffle({ scale, name: 'upsample/shuffle' }).apply(y) as tfl.SymbolicTensor;
  if (useMean) y = new MeanShift({ mean: [...DIV2K_RGB_MEAN], sign: 1, name: 'add_mean' }).apply(y) as tfl.SymbolicTensor;
  const out = new CropToScale({ scale, name: 'crop' }).apply([y, input]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: o.name ?? defaultName });
}

/** Full-precision SwinIR-S (x4 defaults: 929,628 weights, 897,228 without the bias tables = SwinIR's "897K"). */
export function buildSwinIRS(opts: SwinIROptions = {}): tfl.LayersModel {
  return buildSwinIR(opts, { kind: 'fp' }, 'swinir_s');
}
