// SwinIR-S and FRBT: the Transformer half of the model zoo, registered as 'swinir-s' and 'frbt'.
import { registerModel, type CreateModelOptions } from '../registry.js';
import { buildSwinIRS, buildFRBT, SWINIR_S_DEFAULTS, type FRBTOptions } from './swinir.js';

export * from './window.js';
export * from './relative_position.js';
export * from './shift_mask.js';
export * from './window_attention.js';
export * from './padding.js';
export * from './mean_shift.js';
export * from './channel_shortcut.js';
export * from './linear.js';
export * from './swin_layer.js';
export * from './rstb.js';
export * from './swinir.js';

/** Registry options → builder options: `features` is the embedding width, `blocks` the RSTB count. */
function fromRegistry(opts: CreateModelOptions): FRBTOptions {
  const { features, weights: _weights, ...rest } = opts;
  return { ...(rest as FRBTOptions), embedDim: (opts.embedDim as number | undefined) ?? (features as number | undefined) };
}

const defaults = { ...SWINIR_S_DEFAULTS };

registerModel('swinir-s', (o) => buildSwinIRS(fromRegistry(o)), {
  description: 'SwinIR-S (lightweight SwinIR, pixelshuffledirect upsampler), full precision',
  family: 'transformer',
  binary: false,
  defaults,
});

registerModel('frbt', (o) => buildFRBT(fromRegistry(o)), {
  description: 'FRBT: SwinIR-S with every Swin-layer Linear (qkv, proj, fc1, fc2) an SRBDense with shortcut',
  family: 'transformer',
  binary: true,
  fpTwin: 'swinir-s',
  defaults: { ...defaults, shortcut: 'match' },
});
