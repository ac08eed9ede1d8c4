// Registers the convolutional models of this package in the registry.
import { registerModel, type CreateModelOptions } from './registry.js';
import { srresnet } from './srresnet.js';

const convDefaults = { scale: 4, features: 64, blocks: 16 };

function num(opts: CreateModelOptions, key: string): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new Error(`createModel: option '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

registerModel(
  'srresnet',
  (o) => srresnet({ scale: num(o, 'scale'), features: num(o, 'features'), blocks: num(o, 'blocks'), channels: num(o, 'channels'), name: o.name }),
  { description: 'SRResNet (BasicSR MSRResNet), full precision: the FP twin of FRBC', family: 'conv', binary: false, defaults: convDefaults },
);
