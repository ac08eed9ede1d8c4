// Registers the convolutional models of this package in the registry.
import { registerModel, type CreateModelOptions } from './registry.js';
import { srresnet } from './srresnet.js';
import { binarySRResNet, type BinarySRResNetOptions } from './frbc.js';
import { BINARIZATION_PRESETS, type Binarization } from './binarization.js';
import type { BinaryLayerArgs } from '@frb/layers';

const convDefaults = { scale: 4, features: 64, blocks: 16 };

function num(opts: CreateModelOptions, key: string): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new Error(`createModel: option '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

const BASE_OPTIONS = ['scale', 'features', 'blocks', 'channels', 'name', 'weights', 'inputSize'];
function checkKeys(model: string, o: CreateModelOptions, extra: string[] = []): void {
  const ok = new Set([...BASE_OPTIONS, ...extra]);
  for (const k of Object.keys(o)) {
    if (!ok.has(k)) throw new Error(`createModel '${model}': unknown option '${k}'; allowed: ${[...ok].join(', ')}`);
  }
}

registerModel(
  'srresnet',
  (o) => {
    checkKeys('srresnet', o);
    return srresnet({ scale: num(o, 'scale'), features: num(o, 'features'), blocks: num(o, 'blocks'), channels: num(o, 'channels'), name: o.name, inputSize: o.inputSize as [number, number] | undefined });
  },
  { description: 'SRResNet (BasicSR MSRResNet), full precision: the FP twin of FRBC and of every baseline', family: 'conv', binary: false, defaults: convDefaults },
);

// Registry name → scheme (and upsampler). 'frbc' and 'frbc-m' also take `order: 1 | 2`. Every binary model's FP twin is
// 'srresnet' (same layout, all convs FP; DBT pairs the body blocks by name): for 'frbc-m' too, whose binarized
// upsampler and conv_hr have no counterpart in the twin's distilled blocks.
const BINARY_MODELS: Array<[string, Binarization, BinarySRResNetOptions['upsampler']?]> = [
  ['frbc', 'frb2'],
  ['frbc-m', 'frb2', 'binary'],
  ['frbc-o1', 'frb1'],
  ['bbcu-l', 'bbcu'],
  ['srresnet-reactnet', 'reactnet'],
  ['srresnet-bireal', 'bireal'],
  ['srresnet-xnor', 'xnor'],
  ['srresnet-bnn', 'bnn'],
];

/** frbc-m is this project's extension beyond the FRB paper: BBCU-M's binarized upsampler on FRBC. */
const FRBC_M_DESCRIPTION =
  'FRBC-M (ours, beyond the paper): FRBC with binary upsampler convs and conv_hr as in BBCU-M; only conv_first and conv_last full precision';

for (const [modelName, scheme, upsampler] of BINARY_MODELS) {
  const preset = BINARIZATION_PRESETS[scheme];
  registerModel(
    modelName,
    (o) => {
      checkKeys(modelName, o, scheme === 'frb2' ? ['alignment', 'srb', 'order'] : ['alignment', 'srb']);
      let binarization: Binarization = scheme;
      if (o.order !== undefined) {
        if (o.order !== 1 && o.order !== 2) throw new Error(`createModel '${modelName}': order must be 1 or 2, got ${JSON.stringify(o.order)}`);
        binarization = o.order === 1 ? 'frb1' : 'frb2';
      }
      const alignment = o.alignment;
      if (alignment !== undefined && typeof alignment !== 'boolean' && typeof alignment !== 'number') {
        throw new Error(`createModel '${modelName}': alignment must be a boolean or a number, got ${JSON.stringify(alignment)}`);
      }
      const srb = o.srb;
      if (srb !== undefined && (typeof srb !== 'object' || srb === null)) {
        throw new Error(`createModel '${modelName}': srb must be an object of SRBConv2D options`);
      }
      const scale = num(o, 'scale') ?? 4;
      return binarySRResNet({
        scale, features: num(o, 'features'), blocks: num(o, 'blocks'), channels: num(o, 'channels'),
        binarization, alignment, srb: srb as BinaryLayerArgs | undefined, inputSize: o.inputSize as [number, number] | undefined,
        name: o.name ?? `${modelName.replace(/-/g, '_')}_x${scale}`, upsampler,
      });
    },
    {
      description: upsampler === 'binary' ? FRBC_M_DESCRIPTION : preset.description, family: 'conv', binary: true, fpTwin: 'srresnet',
      defaults: { ...convDefaults, binarization: scheme, ...(upsampler ? { upsampler } : {}) },
    },
  );
}
