/**
 * A Node file-system IOHandler for tfjs-layers models that needs no tfjs-node: it writes and
 * reads the standard tfjs "layers-model" format (model.json + weights.bin, as tfjs-node's
 * `file://` handler does), so saved models load in tfjs-node, the browser or tfjs-converter.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { float16Artifacts } from './float16.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const SCHEME = 'file://';

/** 'file:///a/b' or '/a/b' → '/a/b'. */
function stripScheme(p: string): string {
  return p.startsWith(SCHEME) ? p.slice(SCHEME.length) : p;
}

/** Directory and model.json path for a directory or a path ending in .json. */
function locate(target: string): { dir: string; modelJson: string } {
  const p = stripScheme(target);
  if (p.endsWith('.json')) return { dir: path.dirname(p), modelJson: p };
  return { dir: p, modelJson: path.join(p, MODEL_JSON) };
}

async function readOrThrow(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`fileSystemIO: cannot read ${what} '${file}': ${err.code ?? err.message}`);
  }
}

/**
 * IOHandler saving to / loading from `target`: a directory (model.json and weights.bin inside)
 * or the path of a model.json (weights resolved next to it). A `file://` prefix is accepted.
 */
export function fileSystemIO(target: string): tf.io.IOHandler {
  if (typeof target !== 'string' || stripScheme(target).length === 0) {
    throw new Error(`fileSystemIO: target must be a non-empty path string, got ${JSON.stringify(target)}`);
  }
  const { dir, modelJson } = locate(target);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(`fileSystemIO: saving binary (GraphDef) topologies is not supported ('${modelJson}')`);
      }
      await mkdir(dir, { recursive: true });
      const weightsManifest: tf.io.WeightsManifestConfig = [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }];
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        ...(artifacts.trainingConfig != null ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.signature != null ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata != null ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.modelInitializer != null ? { modelInitializer: artifacts.modelInitializer } : {}),
      };
      const weightData = artifacts.weightData == null
        ? new ArrayBuffer(0)
        : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeFile(path.join(dir, WEIGHTS_BIN), Buffer.from(weightData));
      await writeFile(modelJson, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const text = (await readOrThrow(modelJson, 'model JSON')).toString('utf8');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`fileSystemIO: '${modelJson}' is not valid JSON: ${(e as Error).message}`);
      }
      if (json == null || typeof json !== 'object' || json.modelTopology == null) {
        throw new Error(`fileSystemIO: '${modelJson}' has no modelTopology; is it a tfjs model.json?`);
      }
      if (json.weightsManifest != null && !Array.isArray(json.weightsManifest)) {
        throw new Error(`fileSystemIO: '${modelJson}' has a weightsManifest that is not an array`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.join(path.dirname(modelJson), p);
            const buf = await readOrThrow(file, 'weights file');
            buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
          }
        }
        const data = tf.io.CompositeArrayBuffer.join(buffers);
        const expected = specs.reduce((s, w) => s + bytesOf(w), 0);
        if (data.byteLength !== expected) {
          throw new Error(`fileSystemIO: weights for '${modelJson}' hold ${data.byteLength} bytes, the manifest needs ${expected}`);
        }
        return [specs, data];
      });
    },
  };
}

/** Byte size of one manifest entry (float32/int32 = 4, bool/uint8 = 1; quantized per its dtype). */
function bytesOf(w: tf.io.WeightsManifestEntry): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.quantization != null) return n * (w.quantization.dtype === 'uint16' || w.quantization.dtype === 'float16' ? 2 : 1);
  if (w.dtype === 'bool') return n;
  if (w.dtype === 'string') throw new Error(`fileSystemIO: string weights ('${w.name}') are not supported`);
  return n * 4;
}

/** How saveModel / saveModelAtomic store the weights. */
export interface SaveWeightsOptions {
  /**
   * Store float32 weights as float16 (tfjs' manifest quantization, as tfjs-converter's --quantize_float16; int32
   * sign words unchanged): about half the bytes of the float parts, each value rounded to its nearest float16.
   * Refused, naming the weight, for values float16 cannot hold. Default false.
   */
  float16?: boolean;
}

/** Saves `model` to `dir` (model.json + weights.bin). */
export async function saveModel(model: tfl.LayersModel, dir: string, opts: SaveWeightsOptions = {}): Promise<tf.io.SaveResult> {
  const io = fileSystemIO(dir);
  if (!opts.float16) return model.save(io);
  return model.save({ save: (artifacts) => io.save!(float16Artifacts(artifacts)) });
}

/** The error saveModelAtomic throws (code 'EEXIST') for a target it may not replace. */
export class ModelExistsError extends Error {
  readonly code = 'EEXIST';
  constructor(readonly dir: string, reason: string) {
    super(`saveModelAtomic: '${dir}' ${reason}`);
    this.name = 'ModelExistsError';
  }
}

/**
 * Why `dir` may not receive a saved model, or null when it may: a file, or (without `overwrite`) any existing
 * folder, or a folder holding anything but model.json / weights.bin (replacing it would delete those files).
 */
export async function modelDirConflict(dir: string, overwrite: boolean): Promise<string | null> {
  let st;
  try {
    st = await stat(dir);
  } catch {
    return null;
  }
  if (!st.isDirectory()) return 'exists and is not a folder';
  if (!overwrite) return 'already exists; not overwritten';
  const others = (await readdir(dir)).filter((n) => n !== MODEL_JSON && n !== WEIGHTS_BIN);
  return others.length ? `holds other files than ${MODEL_JSON} and ${WEIGHTS_BIN} (${others.slice(0, 5).join(', ')}); not replaced` : null;
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Saves `model` to folder `dir` whole or not at all: model.json and weights.bin are written and fsynced in a
 * temporary sibling folder, which then takes `dir`'s name by rename, so a killed process never leaves a model.json
 * beside weights of another model. An existing `dir` is refused unless `overwrite`, and even then only when it holds
 * nothing but a saved model (ModelExistsError, nothing changed).
 */
export async function saveModelAtomic(model: tfl.LayersModel, dir: string, opts: { overwrite?: boolean } & SaveWeightsOptions = {}): Promise<tf.io.SaveResult> {
  const target = path.resolve(stripScheme(dir));
  const overwrite = opts.overwrite ?? false;
  const early = await modelDirConflict(target, overwrite);
  if (early) throw new ModelExistsError(target, early);
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const old = `${tmp}.old`;
  try {
    const result = await saveModel(model, tmp, { float16: opts.float16 });
    for (const f of [WEIGHTS_BIN, MODEL_JSON]) await fsyncFile(path.join(tmp, f));
    // Checked again: the folder may have appeared while the model was written.
    const late = await modelDirConflict(target, overwrite);
    if (late) throw new ModelExistsError(target, late);
    let replaced = false;
    try {
      await rename(target, old);
      replaced = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      await rename(tmp, target);
    } catch (e) {
      if (replaced) await rename(old, target); // put the previous model back
      throw e;
    }
    return result;
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
}

/** Loads a layers model saved by {@link saveModel} (or tfjs-node) from a directory or model.json path. */
export async function loadModel(target: string, options: { strict?: boolean } = {}): Promise<tfl.LayersModel> {
  const { modelJson } = locate(target);
  try {
    await stat(modelJson);
  } catch {
    throw new Error(`loadModel: no model.json at '${modelJson}'`);
  }
  return tfl.loadLayersModel(fileSystemIO(target), { strict: options.strict ?? true });
}

/**
 * Makes `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` use
 * {@link fileSystemIO}, unless a `file://` handler (e.g. tfjs-node's) is already registered.
 * Returns whether it registered.
 */
export function registerFileSystemRouter(): boolean {
  if (tf.io.getSaveHandlers(`${SCHEME}probe`).length > 0 || tf.io.getLoadHandlers(`${SCHEME}probe`).length > 0) return false;
  // Routers return null for URLs they do not handle (tfjs' IORouter type omits the null).
  const router = ((url: string | string[]) =>
    typeof url === 'string' && url.startsWith(SCHEME) ? fileSystemIO(url) : null) as unknown as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
  return true;
}
