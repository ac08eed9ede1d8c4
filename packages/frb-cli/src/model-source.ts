// `<model>` arguments: a name from the @frb/models zoo, or a path to a tfjs layers-model `model.json`
// (ours or a third party's). Loading a file needs the custom layer classes registered, which importing
// @frb/layers and @frb/models does.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import '@frb/layers';
import { loadModel } from '@frb/layers/node';
import { createModel, listModels, modelInfo } from '@frb/models';
import { UsageError } from './context.js';

export interface ModelSpec {
  kind: 'zoo' | 'file';
  /** Zoo name, or the model.json path. */
  ref: string;
  /** Name used in tables: the zoo name or the file's folder name. */
  label: string;
}

function looksLikePath(s: string): boolean {
  return s.endsWith('.json') || s.includes('/') || s.includes('\\') || s.startsWith('.');
}

/** Decide what `<model>` names; a missing file or unknown zoo name is a usage error listing what exists. */
export function resolveModelSpec(cmd: string, arg: string | undefined, cwd: string): ModelSpec {
  if (!arg) throw new UsageError(`frb ${cmd}: missing <model> (a zoo name such as 'frbc', or a path to model.json)`);
  if (modelInfo(arg)) return { kind: 'zoo', ref: arg, label: arg };
  if (looksLikePath(arg)) {
    let file = resolve(cwd, arg);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'model.json');
    if (!existsSync(file)) throw new UsageError(`frb ${cmd}: model file "${file}" does not exist`);
    const label = arg.endsWith('model.json') ? dirname(file).split(/[\\/]/).pop() || 'model' : arg.replace(/\.json$/, '').split(/[\\/]/).pop()!;
    return { kind: 'file', ref: file, label };
  }
  const names = listModels().map((m) => m.name);
  throw new UsageError(`frb ${cmd}: '${arg}' is neither a zoo model (${names.join(', ')}) nor a model.json path`);
}

/** Load a tfjs layers model.json (weights from the files its manifest names) through @frb/layers/node. */
export async function loadModelFile(file: string): Promise<tfl.LayersModel> {
  try {
    return await loadModel(file);
  } catch (err) {
    throw new Error(`cannot load model "${file}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export interface ZooOptions {
  scale: number;
  features?: number;
  blocks?: number;
}

/** Build (zoo) or load (file) the model for one scale. */
export async function instantiate(spec: ModelSpec, o: ZooOptions): Promise<tfl.LayersModel> {
  if (spec.kind === 'file') return loadModelFile(spec.ref);
  const opts: Record<string, unknown> = { scale: o.scale };
  if (o.features !== undefined) opts.features = o.features;
  if (o.blocks !== undefined) opts.blocks = o.blocks;
  return createModel(spec.ref, opts);
}
