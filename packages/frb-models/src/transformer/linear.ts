/**
 * The Linear of a Swin layer: a full-precision Dense (SwinIR-S) or an SRBDense with a shortcut (FRBT).
 *
 * Both variants use the same layer name, so a SwinIR-S checkpoint's kernels and biases map onto FRBT's latent
 * weights by name. Init follows SwinIR: truncated normal (std 0.02) kernels, zero biases.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { srbDense, type BinaryLayerArgs } from '@frb/layers';
import { ShortcutAdd, shortcutFits } from './channel_shortcut.js';

/**
 * 'match' (default): identity shortcut where widths match, repeat / group-average shortcut where they differ by
 * an integer factor (see channel_shortcut.ts). 'identity': a shortcut only where the widths match (proj).
 * 'none': no shortcut at all (the plain binarized Linear).
 */
export type LinearShortcut = 'match' | 'identity' | 'none';

export interface LinearSpec {
  /** 'fp': tfjs Dense; 'srb': SRBDense (binary weights and activations). */
  kind: 'fp' | 'srb';
  /** SRB options passed to every SRBDense (order, quantizer, ...). */
  binary?: BinaryLayerArgs;
  shortcut?: LinearShortcut;
}

export function swinKernelInit(): ReturnType<typeof tfl.initializers.truncatedNormal> {
  return tfl.initializers.truncatedNormal({ stddev: 0.02 });
}

/** Apply a Linear of `units` outputs to `x` (rank 3 tokens), named `name`. */
export function linear(x: tfl.SymbolicTensor, units: number, name: string, spec: LinearSpec): tfl.SymbolicTensor {
  const common = { units, name, useBias: true, kernelInitializer: swinKernelInit(), biasInitializer: 'zeros' as const };
  if (spec.kind === 'fp') return tfl.layers.dense(common).apply(x) as tfl.SymbolicTensor;
  if (spec.kind !== 'srb') throw new Error(`linear '${name}': kind must be 'fp' or 'srb', got '${String(spec.kind)}'`);
  const y = srbDense({ ...common, ...(spec.binary ?? {}) }).apply(x) as tfl.SymbolicTensor;
  const din = x.shape[x.shape.length - 1] as number;
  const mode = spec.shortcut ?? 'match';
  if (mode !== 'match' && mode !== 'identity' && mode !== 'none') {
    throw new Error(`linear '${name}': shortcut must be 'match', 'identity' or 'none', got '${String(mode)}'`);
  }
  if (mode === 'none' || (din !== units && (mode === 'identity' || !shortcutFits(din, units)))) return y;
  return new ShortcutAdd({ name: `${name}_residual` }).apply([y, x]) as tfl.SymbolicTensor;
}
