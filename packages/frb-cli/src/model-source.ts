// `<model>` arguments: a name from the @frb/models zoo, or a path to a tfjs layers-model `model.json`
// (ours or a third party's). Loading a file needs the custom layer classes registered, which importing
// @frb/layers and @frb/models does.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { PackedChain, PackedConv2D, PackedDense } from '@frb/layers';
import { loadModel } from '@frb/layers/node';
import { PRETRAINED, bestPretrained, createModel, deployModel, listModels, modelInfo } from '@frb/models';
import { UsageError } from './context.js';

export interface ModelSpec {
  kind: 'zoo' | 'file';
  /** Zoo name, or the model.json path. */
  ref: string;
  /** Name used in tables: the zoo name or the file's folder name ("(untrained)" added for random weights). */
  label: string;
  /** Zoo models: the shipped weight set to load (none: fresh random weights, which --random-weights must ask for). */
  weights?: string;
}

export function looksLikePath(s: string): boolean {
  return s.endsWith('.json') || s.includes('/') || s.includes('\\') || s.startsWith('.');
}

/** A model.json path from a file or folder argument; a missing file is a usage error naming it. */
export function modelJsonPath(cmd: string, what: string, arg: string, cwd: string): string {
  let file = resolve(cwd, arg);
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'model.json');
  if (!existsSync(file)) throw new UsageError(`frb ${cmd}: ${what} "${file}" does not exist`);
  return file;
}

/** Decide what `<model>` names; a missing file or unknown zoo name is a usage error listing what exists. */
export function resolveModelSpec(cmd: string, arg: string | undefined, cwd: string): ModelSpec {
  if (!arg) throw new UsageError(`frb ${cmd}: missing <model> (a zoo name such as 'frbc', or a path to model.json)`);
  if (modelInfo(arg)) return { kind: 'zoo', ref: arg, label: arg };
  if (looksLikePath(arg)) {
    const file = modelJsonPath(cmd, 'model file', arg, cwd);
    const label = arg.endsWith('model.json') ? dirname(file).split(/[\\/]/).pop() || 'model' : arg.replace(/\.json$/, '').split(/[\\/]/).pop()!;
    return { kind: 'file', ref: file, label };
  }
  const names = listModels().map((m) => m.name);
  throw new UsageError(`frb ${cmd}: '${arg}' is neither a zoo model (${names.join(', ')}) nor a model.json path`);
}

/** Scales shipped weight set `set` of zoo model `model` exists for, ascending. */
/** Scales with shipped weights of `model` (of one set, or of any). */
export function shippedScales(model: string, set?: string): number[] {
  return [...new Set(PRETRAINED.filter((p) => p.model === model && (set === undefined || p.name === set)).map((p) => p.scale))].sort((a, b) => a - b);
}

/** The shipped set of `model` with the best logged Set5 PSNR at `scale` (the upscale default), if any. */
export function bestShippedSet(model: string, scale: number): string | undefined {
  return bestPretrained(model, scale)?.name;
}

/** `--weights W` for zoo model `name`: one of its shipped sets, or a model.json (file or folder). */
export function resolveWeights(cmd: string, name: string, w: string, cwd: string): { set: string } | { file: string } {
  const sets = modelInfo(name)?.weights ?? [];
  if (sets.includes(w)) return { set: w };
  if (looksLikePath(w)) return { file: modelJsonPath(cmd, '--weights file', w, cwd) };
  throw new UsageError(`frb ${cmd}: --weights '${w}' is neither a shipped weight set of '${name}' (${sets.join(', ') || 'none'}) nor a model.json path`);
}

/**
 * The model contract of commands that measure or run a zoo model: its weights must be named (--weights) or
 * fresh random weights asked for (--random-weights), so untrained numbers are never printed by accident.
 */
export function withWeights(cmd: string, spec: ModelSpec, weights: string | undefined, random: boolean, cwd: string): ModelSpec {
  if (spec.kind === 'file') {
    if (weights !== undefined || random) throw new UsageError(`frb ${cmd}: --weights/--random-weights apply to zoo models; "${spec.ref}" brings its own weights`);
    return spec;
  }
  if (weights !== undefined && random) throw new UsageError(`frb ${cmd}: give either --weights or --random-weights, not both`);
  if (random) return { ...spec, label: `${spec.label} (untrained)` };
  if (weights === undefined) {
    const sets = modelInfo(spec.ref)?.weights ?? [];
    throw new UsageError(
      `frb ${cmd}: zoo model '${spec.ref}' has no trained weights unless you name them: ` +
        `${sets.length ? `--weights ${sets.join('|')} (shipped) or ` : ''}--weights path/to/model.json, ` +
        'or --random-weights to measure the untrained architecture',
    );
  }
  const r = resolveWeights(cmd, spec.ref, weights, cwd);
  if ('set' in r) return { ...spec, weights: r.set, label: `${spec.label} ${r.set}` };
  return { kind: 'file', ref: r.file, label: spec.label };
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
  if (spec.weights !== undefined) return createModel(spec.ref, { ...opts, scale: o.scale, weights: spec.weights });
  return createModel(spec.ref, opts);
}

/**
 * The bit-packed form of `model` (deployModel: SRB layers → PackedConv2D / PackedDense); `model` is disposed.
 * Errors name `what` (the model argument): a model that is already packed, or one without binary layers.
 */
export async function packModel(model: tfl.LayersModel, what: string): Promise<tfl.LayersModel> {
  try {
    if (model.layers.some((l) => l instanceof PackedConv2D || l instanceof PackedDense || l instanceof PackedChain) && !model.layers.some((l) => /^SRB(Conv2D|Dense)$/.test(l.getClassName()))) {
      throw new Error('it is already packed (PackedConv2D / PackedDense / PackedChain layers); run it as it is');
    }
    return await deployModel(model);
  } catch (err) {
    throw new Error(`cannot pack ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    model.dispose();
  }
}
