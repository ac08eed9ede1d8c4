// Training checkpoints: everything a resumed run needs to continue exactly where it stopped.
//
// <output>/checkpoints/iter_00000100/
//   model.json + weights.bin   the model, loadable on its own (`frb eval <dir>/model.json`)
//   state.bin                  raw float32 of the model weights and the Adam state, in the order of state.json
//   state.json                 iteration, data-pipeline RNG state, Adam scalars, tensor table, config digest
// <output>/checkpoints/latest.json   { "dir": "iter_00000100", "iteration": 100 }
//
// Atomic: a checkpoint is written into a temporary folder and renamed into place, then latest.json is
// replaced by rename, so a SIGKILL at any moment leaves the previous checkpoint whole and pointed to.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from '@frb/datasets';
import { saveModel } from '@frb/layers/node';

export const CHECKPOINT_FORMAT = 'frb-train-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Byte offset in state.bin. */
  offset: number;
}

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Iterations completed (the next one to run is iteration + 1, 1-based). */
  iteration: number;
  /** The data pipeline is a pure function of (seed, iteration): that pair is its whole RNG state. */
  data: { seed: number; iteration: number };
  /** Learning rate used by the last completed iteration. */
  lr: number;
  /** Adam's bias-correction accumulators (β1^t, β2^t) as the optimizer holds them, so the next step is bit-identical. */
  adam: { iterations: number; accBeta1: number; accBeta2: number };
  model: TensorEntry[];
  optimizer: TensorEntry[];
  /** SHA-256 per config section that must not change across a resume (model, data, optimizer, DBT, seed). */
  digests: Record<string, string>;
  /** Last logged values, for the record. */
  metrics: Record<string, number>;
  savedAt: string;
}

/** Adam keeps β1^t and β2^t in private variables; setWeights recomputes them with pow, which can differ in
 * the last float32 bit from the running product, so checkpoints store and restore them as they are. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations: number;
}

export function digestOf(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex');
}

const dirName = (iteration: number) => `iter_${String(iteration).padStart(8, '0')}`;

/** True when every model weight is finite (a checkpoint must never hold NaN/Inf weights). */
export function weightsAreFinite(model: tfl.LayersModel): boolean {
  return model.weights.every((w) => {
    const v = w.read();
    if (v.dtype !== 'float32') return true;
    const d = v.dataSync() as Float32Array;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return false;
    return true;
  });
}

function pack(tensors: Array<{ name: string; tensor: tf.Tensor }>, offset0: number): { entries: TensorEntry[]; chunks: Uint8Array[]; end: number } {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = offset0;
  for (const { name, tensor } of tensors) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') throw new Error(`checkpoint: tensor '${name}' has dtype ${tensor.dtype} (float32/int32 only)`);
    const data = tensor.dataSync() as Float32Array | Int32Array;
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    entries.push({ name, shape: tensor.shape.slice(), dtype: tensor.dtype, offset });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  return { entries, chunks, end: offset };
}

export interface SaveCheckpointArgs {
  root: string;
  iteration: number;
  model: tfl.LayersModel;
  optimizer: tf.AdamOptimizer;
  seed: number;
  lr: number;
  digests: Record<string, string>;
  metrics: Record<string, number>;
  /** Checkpoints kept; older ones are deleted after the new one is in place. */
  keep: number;
}

/** Writes a checkpoint atomically and returns its folder. Refuses to write non-finite weights. */
export async function saveCheckpoint(a: SaveCheckpointArgs): Promise<string> {
  if (!weightsAreFinite(a.model)) {
    throw new Error(`checkpoint at iteration ${a.iteration}: the model holds NaN/Inf weights; not written (the last good checkpoint is kept)`);
  }
  await mkdir(a.root, { recursive: true });
  const final = join(a.root, dirName(a.iteration));
  const tmp = join(a.root, `.tmp-${dirName(a.iteration)}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await saveModel(a.model, tmp);
  const m = pack(a.model.weights.map((w) => ({ name: w.originalName, tensor: w.read() })), 0);
  const optWeights = await a.optimizer.getWeights();
  // getWeights' first entry is the iteration count (a fresh scalar); the rest are the moment variables.
  const [iterEntry, ...moments] = optWeights;
  const o = pack(moments, m.end);
  const adamIter = (await iterEntry!.tensor.data())[0]!;
  iterEntry!.tensor.dispose();
  const internals = a.optimizer as unknown as AdamInternals;
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    iteration: a.iteration,
    data: { seed: a.seed, iteration: a.iteration },
    lr: a.lr,
    adam: { iterations: adamIter, accBeta1: internals.accBeta1.dataSync()[0]!, accBeta2: internals.accBeta2.dataSync()[0]! },
    model: m.entries,
    optimizer: o.entries,
    digests: a.digests,
    metrics: a.metrics,
    savedAt: new Date().toISOString(),
  };
  await writeFile(join(tmp, 'state.bin'), Buffer.concat([...m.chunks, ...o.chunks]));
  await writeFile(join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  await rm(final, { recursive: true, force: true }); // a leftover from a run that died after this point
  await rename(tmp, final);
  await writeFileAtomic(join(a.root, 'latest.json'), JSON.stringify({ dir: dirName(a.iteration), iteration: a.iteration }) + '\n');
  await prune(a.root, a.keep);
  return final;
}

/** Deletes all but the newest `keep` checkpoints and any temporary folders of dead writers. */
async function prune(root: string, keep: number): Promise<void> {
  const names = (await readdir(root)).sort();
  const done = names.filter((n) => /^iter_\d{8}$/.test(n));
  for (const n of done.slice(0, Math.max(0, done.length - keep))) await rm(join(root, n), { recursive: true, force: true });
  for (const n of names.filter((x) => x.startsWith('.tmp-') && !x.endsWith(`-${process.pid}`))) await rm(join(root, n), { recursive: true, force: true });
}

export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
}

/** The newest complete checkpoint under `root` (latest.json, else the highest iter_ folder), or null. */
export async function findCheckpoint(root: string): Promise<LoadedCheckpoint | null> {
  if (!existsSync(root)) return null;
  const candidates: string[] = [];
  try {
    const latest = JSON.parse(await readFile(join(root, 'latest.json'), 'utf8')) as { dir: string };
    candidates.push(latest.dir);
  } catch {
    // no pointer yet: fall back to the folders
  }
  const dirs = (await readdir(root)).filter((n) => /^iter_\d{8}$/.test(n)).sort().reverse();
  candidates.push(...dirs);
  for (const d of candidates) {
    const dir = join(root, d);
    try {
      const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState;
      if (state.format !== CHECKPOINT_FORMAT) continue;
      return { dir, state };
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * Restores model weights and Adam state from a checkpoint into a model built from the same config and a
 * fresh Adam optimizer. Errors name the checkpoint and the mismatching weight.
 */
export async function restoreCheckpoint(ck: LoadedCheckpoint, model: tfl.LayersModel, optimizer: tf.AdamOptimizer): Promise<void> {
  const { state, dir } = ck;
  if (state.version !== CHECKPOINT_VERSION) throw new Error(`checkpoint "${dir}": version ${state.version}, this frb reads ${CHECKPOINT_VERSION}`);
  const buf = await readFile(join(dir, 'state.bin'));
  const read = (e: TensorEntry): tf.Tensor => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const bytes = buf.subarray(e.offset, e.offset + n * 4);
    if (bytes.byteLength !== n * 4) throw new Error(`checkpoint "${dir}": state.bin is truncated at tensor '${e.name}'`);
    const copy = new Uint8Array(bytes); // aligned copy
    const arr = e.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return tf.tensor(arr, e.shape, e.dtype);
  };
  const ws = model.weights;
  if (ws.length !== state.model.length) {
    throw new Error(`checkpoint "${dir}": holds ${state.model.length} model weights, the model has ${ws.length} (different model or options?)`);
  }
  const values = state.model.map((e, i) => {
    const w = ws[i]!;
    if (w.shape.join(',') !== e.shape.join(',')) {
      throw new Error(`checkpoint "${dir}": weight #${i} '${e.name}' has shape [${e.shape}], the model's '${w.originalName}' has [${w.shape}]`);
    }
    return read(e);
  });
  model.setWeights(values);
  tf.dispose(values);
  const iterT = tf.scalar(state.adam.iterations, 'int32');
  const moments = state.optimizer.map((e) => ({ name: e.name, tensor: read(e) }));
  await optimizer.setWeights([{ name: 'iter', tensor: iterT }, ...moments]);
  // setWeights wraps each tensor in a new variable; the originals are no longer needed.
  tf.dispose([iterT, ...moments.map((m) => m.tensor)]);
  const internals = optimizer as unknown as AdamInternals;
  tf.tidy(() => {
    internals.accBeta1.assign(tf.scalar(state.adam.accBeta1));
    internals.accBeta2.assign(tf.scalar(state.adam.accBeta2));
  });
}
