// SwinIR-S and FRBT: the Transformer half of the model zoo, registered as 'swinir-s' and 'frbt'.
import { registerModel, type CreateModelOptions } from '../registry.js';
import { buildSwinIRS, SWINIR_S_DEFAULTS } from './swinir.js';
import { buildFRBT, type FRBTOptions } from '../frbt.js';

export * from './window.js';
export * from './relative_position.js';
export * from './shift_mask.js';
export * from './window_attention.js';
export * from './padding.js';
export * from './layer_norm.js';
export * from './gelu.js';
export * from './mean_shift.js';
export * from './channel_shortcut.js';
export * from './linear.js';
export * from './swin_layer.js';
export * from './rstb.js';
export * from './swinir.js';

const SWINIR_KEYS = ['scale', 'features', 'embedDim', 'blocks', 'depth', 'numHeads', 'windowSize', 'mlpRatio', 'channels', 'padMode', 'name', 'weights'];
const FRBT_KEYS = [...SWINIR_KEYS, 'binary', 'shortcut'];

/** Registry options → builder options: `features` is the embedding width, `blocks` the RSTB count. Unknown keys are errors. */
function fromRegistry(model: string, opts: CreateModelOptions, allowed: string[]): FRBTOptions {
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw new Error(`createModel '${model}': unknown option '${k}'; allowed: ${allowed.join(', ')}`);
  }
  if (opts.features !== undefined && opts.embedDim !== undefined && opts.features !== opts.embedDim) {
    throw new Error(`createModel '${model}': features (${String(opts.features)}) and embedDim (${String(opts.embedDim)}) disagree`);
  }
  const { features, weights: _weights, ...rest } = opts;
  const scale = (opts.scale as number | undefined) ?? SWINIR_S_DEFAULTS.scale;
  return {
    ...(rest as FRBTOptions),
    embedDim: (opts.embedDim as number | undefined) ?? (features as number | undefined),
    name: (opts.name as string | undefined) ?? `${model.replace(/-/g, '_')}_x${scale}`,
  };
}

const defaults = { ...SWINIR_S_DEFAULTS };

registerModel('swinir-s', (o) => buildSwinIRS(fromRegistry('swinir-s', o, SWINIR_KEYS)), {
  description: 'SwinIR-S (lightweight SwinIR, pixelshuffledirect upsampler), full precision',
  family: 'transformer',
  binary: false,
  defaults,
});

registerModel('frbt', (o) => buildFRBT(fromRegistry('frbt', o, FRBT_KEYS)), {
  description: 'FRBT: SwinIR-S with every Swin-layer Linear (qkv, proj, fc1, fc2) an SRBDense with shortcut',
  family: 'transformer',
  binary: true,
  fpTwin: 'swinir-s',
  defaults: { ...defaults, shortcut: 'match' },
});
