// FRBT (Zhang et al., ICML 2024, Sec. 4): FRB applied to a Transformer. The SwinIR-S graph
// (transformer/swinir.ts) with qkv, proj, fc1 and fc2 of every Swin layer an SRBDense: second-order residual
// binarization of the activations (SRB), the weights' binarization with learned scales, and a full-precision
// shortcut around each binary Linear (the shortcut policy decides how it meets a change of width; see
// transformer/linear.ts). Attention matmuls, softmax, LayerNorms, the convs and the upsampler stay full
// precision, as in the paper. Registered in the zoo as 'frbt' (transformer/index.ts), with SwinIR-S its FP twin.
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BinaryLayerArgs } from '@frb/layers';
import { buildSwinIR, type SwinIROptions } from './transformer/swinir.js';
import type { LinearShortcut } from './transformer/linear.js';

export interface FRBTOptions extends SwinIROptions {
  /** Options of every SRBDense (order, inputQuantizer, ...). */
  binary?: BinaryLayerArgs;
  /** Shortcut policy of the binary Linears (see transformer/linear.ts). Default 'match'. */
  shortcut?: LinearShortcut;
}

/** FRBT: SwinIR-S with qkv, proj, fc1 and fc2 of every Swin layer as SRBDense with shortcuts. */
export function buildFRBT(opts: FRBTOptions = {}): tfl.LayersModel {
  const { binary, shortcut, ...rest } = opts;
  return buildSwinIR(rest, { kind: 'srb', binary, shortcut }, 'frbt');
}
