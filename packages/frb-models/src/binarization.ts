// The binarization schemes compared on the SRResNet backbone (FRB's comparison table and ablation).
// Each is an SRB option set for the body convs plus the shape of the unit around each conv.
// What each means and where it comes from is in this package's README; (paper) = stated in the FRB/BBCU papers,
// (inferred) = our reading of the authors' group code or of the original baseline papers.
import type { BinaryLayerArgs } from '@frb/layers';

export const BINARIZATIONS = ['bnn', 'xnor', 'bireal', 'reactnet', 'bbcu', 'frb1', 'frb2'] as const;
export type Binarization = (typeof BINARIZATIONS)[number];

/**
 * How a binary body conv sits in its block:
 * - 'plain':    block(x) = x + bconv2(bconv1(x)) (SRResNet's block with binary convs; its inner ReLU is dropped
 *               because sign(ReLU(x)) is constant +1 (inferred))
 * - 'bireal':   u(x) = bconv(x) + x, two units per block (Bi-Real's per-conv shortcut)
 * - 'reactnet': u(x) = RPReLU(bconv(x) + x), two units per block (ReActNet's activation after the shortcut)
 * - 'bbcu':     u(x) = RPReLU(bconv(x)) + x, two units per block (BBCU's unit; FRBC's binary unit)
 */
export type UnitKind = 'plain' | 'bireal' | 'reactnet' | 'bbcu';

export interface BinarizationPreset {
  /** SRBConv2D options of every body conv. */
  conv: Required<Pick<BinaryLayerArgs, 'order' | 'centerWeights' | 'scaleWeights' | 'learnableThreshold'>> & {
    inputQuantizer: 'approxSign' | 'steSign';
  };
  unit: UnitKind;
  /** Whether BBCU's residual alignment (input ×k, output ÷k, k = 130·C/64) is on by default. */
  alignment: boolean;
  description: string;
}

export const BINARIZATION_PRESETS: Readonly<Record<Binarization, BinarizationPreset>> = Object.freeze({
  bnn: {
    conv: { order: 1, centerWeights: false, scaleWeights: false, inputQuantizer: 'steSign', learnableThreshold: false },
    unit: 'plain', alignment: false,
    description: 'BNN: sign weights (no scale) and sign activations (STE), SRResNet block structure',
  },
  xnor: {
    conv: { order: 1, centerWeights: false, scaleWeights: true, inputQuantizer: 'steSign', learnableThreshold: false },
    unit: 'plain', alignment: false,
    description: 'XNOR-style: α·sign(W) per output channel, sign activations (STE), SRResNet block structure',
  },
  bireal: {
    conv: { order: 1, centerWeights: false, scaleWeights: true, inputQuantizer: 'approxSign', learnableThreshold: false },
    unit: 'bireal', alignment: false,
    description: 'Bi-Real: approxSign activations, α·sign(W), an identity shortcut around every binary conv',
  },
  reactnet: {
    conv: { order: 1, centerWeights: false, scaleWeights: true, inputQuantizer: 'approxSign', learnableThreshold: true },
    unit: 'reactnet', alignment: false,
    description: 'ReActNet: RSign (learnable threshold), α·sign(W), RPReLU after the shortcut',
  },
  bbcu: {
    conv: { order: 1, centerWeights: false, scaleWeights: true, inputQuantizer: 'approxSign', learnableThreshold: true },
    unit: 'bbcu', alignment: true,
    description: 'BBCU-L: RSign, α·sign(W), RPReLU before the shortcut, residual alignment k = 130·C/64',
  },
  frb1: {
    conv: { order: 1, centerWeights: true, scaleWeights: true, inputQuantizer: 'approxSign', learnableThreshold: true },
    unit: 'bbcu', alignment: true,
    description: 'FRB order 1: SRB with one base (centered α·sign), BBCU unit (ablation)',
  },
  frb2: {
    conv: { order: 2, centerWeights: true, scaleWeights: true, inputQuantizer: 'approxSign', learnableThreshold: true },
    unit: 'bbcu', alignment: true,
    description: 'FRB order 2 (FRBC): second-order SRB weights, RSign, RPReLU, BBCU unit',
  },
});

/** Resolve a binarization name (snake/camel/upper case and a few aliases accepted) or throw naming the choices. */
export function resolveBinarization(name: unknown, where = 'binarization'): Binarization {
  const key = typeof name === 'string' ? name.toLowerCase().replace(/[-_\s]/g, '') : '';
  const aliases: Record<string, Binarization> = {
    bnn: 'bnn', xnor: 'xnor', xnornet: 'xnor', bireal: 'bireal', birealnet: 'bireal', reactnet: 'reactnet',
    bbcu: 'bbcu', bbcul: 'bbcu', frb1: 'frb1', frborder1: 'frb1', frb2: 'frb2', frborder2: 'frb2', frb: 'frb2',
  };
  const b = aliases[key];
  if (!b) throw new Error(`${where}: unknown binarization ${JSON.stringify(name)}; expected one of ${BINARIZATIONS.join(', ')}`);
  return b;
}

/** BBCU's empirical residual-alignment factor k = 130·C/64 for C feature channels (inferred from BBCU's README). */
export function residualAlignmentFactor(features: number): number {
  return (130 * features) / 64;
}
