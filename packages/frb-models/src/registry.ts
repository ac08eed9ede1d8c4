// The model registry: one name per architecture, built by `createModel(name, opts)`.
// Conv models register in zoo.ts; the transformer models (SwinIR-S / FRBT) register from ./transformer.
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadPretrained, pretrainedNames, type PretrainedOptions } from './pretrained.js';

export interface CreateModelOptions {
  /** Upscale factor (2, 3 or 4 for the conv models). */
  scale?: number;
  /** Feature channels. */
  features?: number;
  /** Residual blocks (conv) or their equivalent. */
  blocks?: number;
  /**
   * Named pretrained weight set (e.g. 'small-291', see ModelInfo.weights and ./pretrained.ts). With it, createModel
   * returns a Promise of the loaded model (the files are fetched and their SHA-256 checked).
   */
  weights?: string;
  /** Model name inside tfjs (defaults per factory). */
  name?: string;
  /** Further model-specific options (see each factory). */
  [option: string]: unknown;
}

export type ModelFactory = (opts: CreateModelOptions) => tfl.LayersModel;

export interface ModelInfo {
  /** One line saying what the model is. */
  description: string;
  /** 'conv' or 'transformer'. */
  family: string;
  /** True when the body uses binary (SRB or baseline) layers. */
  binary: boolean;
  /** Name of this model's full-precision twin in the registry, for distillation. */
  fpTwin?: string;
  /** Defaults the factory applies (for docs and CLIs). */
  defaults?: Record<string, unknown>;
  /** Pretrained weight sets available for this model (pinned in ./pretrained.ts). */
  weights?: string[];
}

export interface RegisteredModel extends ModelInfo {
  name: string;
}

const registry = new Map<string, { factory: ModelFactory; info: ModelInfo }>();

/** Register a model factory under `name`. Re-registering a name is an error unless `override` is set. */
export function registerModel(name: string, factory: ModelFactory, info: ModelInfo, override = false): void {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(name)) {
    throw new Error(`registerModel: name must be lower-case letters, digits, '.', '_' or '-', got '${String(name)}'`);
  }
  if (typeof factory !== 'function') throw new Error(`registerModel '${name}': factory must be a function`);
  if (!info || typeof info.description !== 'string' || typeof info.family !== 'string') {
    throw new Error(`registerModel '${name}': info needs a description and a family`);
  }
  if (registry.has(name) && !override) {
    throw new Error(`registerModel: a model named '${name}' is already registered (pass override = true to replace it)`);
  }
  registry.set(name, { factory, info: { ...info } });
}

/**
 * Build a registered model. Unknown names are errors naming what exists.
 *
 * Without `weights` the architecture is returned synchronously (fresh initial weights). With `weights` (a pinned
 * set, e.g. `{ scale: 4, weights: 'small-291' }`) it returns a Promise of the model loaded from the shipped files
 * (see loadPretrained). An unknown set (listing the available ones) or options contradicting the weights throw
 * synchronously; a file that cannot be read or fails its hash check rejects the Promise.
 * When the options' static type does not show `weights: string`, TypeScript picks the synchronous overload;
 * call `loadPretrained` directly in that case.
 */
export function createModel(name: string, opts: CreateModelOptions & PretrainedOptions & { weights: string }): Promise<tfl.LayersModel>;
export function createModel(name: string, opts?: CreateModelOptions): tfl.LayersModel;
export function createModel(name: string, opts: CreateModelOptions = {}): tfl.LayersModel | Promise<tfl.LayersModel> {
  const entry = registry.get(name);
  if (!entry) {
    throw new Error(`createModel: unknown model '${name}'; registered: ${[...registry.keys()].sort().join(', ')}`);
  }
  if (opts.weights !== undefined) return loadPretrained(name, opts as PretrainedOptions);
  return entry.factory(opts);
}

/** ModelInfo with the pinned weight sets of `name` merged into `weights`. */
function withWeights(name: string, info: ModelInfo): ModelInfo {
  const sets = [...new Set([...(info.weights ?? []), ...pretrainedNames(name)])].sort();
  return sets.length ? { ...info, weights: sets } : { ...info };
}

/** All registered models with their info, sorted by name. */
export function listModels(): RegisteredModel[] {
  return [...registry.entries()]
    .map(([name, { info }]) => ({ name, ...withWeights(name, info) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Info of one registered model, or undefined. */
export function modelInfo(name: string): RegisteredModel | undefined {
  const e = registry.get(name);
  return e ? { name, ...withWeights(name, e.info) } : undefined;
}
