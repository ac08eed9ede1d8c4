/**
 * Training pipeline: paired random crops (LR patch p×p, HR patch p·s×p·s at the same place), the same
 * hflip / vflip / transpose on both, batched into float32 tensors in [0, 1], as a tf.data.Dataset.
 *
 * - Seeded and reproducible: every sample's image, crop and flips are a pure function of (seed, epoch,
 *   position), independent of batch size, load order and timing.
 * - Epochs are shuffled passes over the images (`patchesPerImage` crops of each); `iterations` mode
 *   (BasicSR style) runs a fixed number of batches over back-to-back epochs.
 * - Each pass over the dataset (each `iterator()`, e.g. each `fitDataset` epoch) continues the random stream
 *   where the previous pass stopped, so passes differ; a new dataset with the same seed repeats them all.
 * - Images are decoded lazily and kept in a bounded LRU cache (`cacheSize` pairs), so a DIV2K-sized folder is
 *   never loaded whole; the next batch's images are decoded while the current batch is consumed.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { splitBySize, type ImagePair } from './layouts/pairs.js';
import { LruCache } from './lru.js';
import { loadPair, type LoadedPair, type PairLoadOptions } from './pair-loader.js';
import { hashInts, mulberry32, permutation } from './random.js';
import { assertScale } from './raw-image.js';

export interface AugmentOptions {
  hflip?: boolean;
  vflip?: boolean;
  /** Swap height and width (with the flips this gives all 8 rotations/reflections). */
  transpose?: boolean;
}

export interface PatchDatasetOptions extends Omit<PairLoadOptions, 'keepGray'> {
  /** Must equal the pairs' scale when given (a guard against mixing x2 pairs into a x4 run). */
  scale?: number;
  /** LR patch side p; the HR patch is p·scale. */
  patchSize: number;
  batchSize: number;
  /** Default 0. */
  seed?: number;
  /** true (default): hflip, vflip and transpose each with probability 1/2; false: none. */
  augment?: boolean | AugmentOptions;
  /** Batches per pass, drawn over consecutive shuffled epochs (BasicSR style). Give this or `epochs`. */
  iterations?: number;
  /** Shuffled passes over all images per pass of the dataset. Give this or `iterations`. */
  epochs?: number;
  /** Crops taken from each image per epoch (default 1). */
  patchesPerImage?: number;
  /** Epoch mode: leave out an epoch's last, smaller batch (default false: keep it). */
  dropRemainder?: boolean;
  /** Iterations mode: batches already done (to resume a run); epoch mode: use `startEpoch`. */
  startIteration?: number;
  startEpoch?: number;
  /** Decoded pairs kept in memory (default 32). */
  cacheSize?: number;
  /** Check that every image can hold a patch from the file headers before the first batch (default true). */
  checkSizes?: boolean;
}

export interface PatchBatch {
  /** [B, p, p, 3] LR patches in [0, 1]. */
  xs: Float32Array;
  /** [B, p·s, p·s, 3] HR patches in [0, 1]. */
  ys: Float32Array;
  batchSize: number;
  /** Names of the source images, in batch order. */
  names: string[];
}

interface Sample {
  image: number;
  uy: number;
  ux: number;
  hflip: boolean;
  vflip: boolean;
  transpose: boolean;
}

const U8_TO_UNIT = new Float32Array(256).map((_, i) => i / 255);

function posInt(v: unknown, name: string, min = 1): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new RangeError(`pairedPatchDataset: ${name} must be an integer >= ${min}, got ${v}`);
  return v as number;
}

/** Validated options with defaults, and the pass structure. */
function plan(pairs: ImagePair[], opts: PatchDatasetOptions) {
  if (!Array.isArray(pairs) || pairs.length === 0) throw new Error('pairedPatchDataset: no image pairs given');
  const scale = pairs[0]!.scale;
  assertScale(scale, `pairedPatchDataset: scale of "${pairs[0]!.hrPath}"`);
  for (const p of pairs) {
    if (p.scale !== scale) throw new Error(`pairedPatchDataset: "${p.hrPath}" is x${p.scale} but "${pairs[0]!.hrPath}" is x${scale}`);
  }
  if (opts.scale != null && opts.scale !== scale) throw new Error(`pairedPatchDataset: scale ${opts.scale} given but the pairs are x${scale}`);
  const patchSize = posInt(opts.patchSize, 'patchSize');
  const batchSize = posInt(opts.batchSize, 'batchSize');
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`pairedPatchDataset: seed must be an integer, got ${seed}`);
  const a = opts.augment ?? true;
  const aug: Required<AugmentOptions> =
    typeof a === 'boolean'
      ? { hflip: a, vflip: a, transpose: a }
      : { hflip: !!a.hflip, vflip: !!a.vflip, transpose: !!a.transpose };
  if ((opts.iterations == null) === (opts.epochs == null)) {
    throw new Error('pairedPatchDataset: give exactly one of iterations (batches per pass) or epochs (passes over the images)');
  }
  if (opts.iterations != null && (opts.startEpoch != null || opts.dropRemainder != null)) {
    throw new Error('pairedPatchDataset: startEpoch and dropRemainder apply to epochs mode; with iterations use startIteration');
  }
  if (opts.epochs != null && opts.startIteration != null) {
    throw new Error('pairedPatchDataset: startIteration applies to iterations mode; with epochs use startEpoch');
  }
  const ppi = posInt(opts.patchesPerImage ?? 1, 'patchesPerImage');
  const cacheSize = posInt(opts.cacheSize ?? 32, 'cacheSize', 0);
  const epochLen = pairs.length * ppi;
  return {
    scale,
    patchSize,
    batchSize,
    seed,
    aug,
    ppi,
    cacheSize,
    epochLen,
    iterations: opts.iterations != null ? posInt(opts.iterations, 'iterations') : null,
    epochs: opts.epochs != null ? posInt(opts.epochs, 'epochs') : null,
    startIteration: posInt(opts.startIteration ?? 0, 'startIteration', 0),
    startEpoch: posInt(opts.startEpoch ?? 0, 'startEpoch', 0),
    dropRemainder: opts.dropRemainder ?? false,
  };
}

type Plan = ReturnType<typeof plan>;

/** Sample `pos` of epoch `epoch`: which image, where to crop (as fractions), which flips. */
function sampleAt(pl: Plan, perm: Int32Array, epoch: number, pos: number, n: number): Sample {
  const r = mulberry32(hashInts(pl.seed, epoch, pos, 1));
  const uy = r();
  const ux = r();
  const hflip = pl.aug.hflip && r() < 0.5;
  const vflip = pl.aug.vflip && r() < 0.5;
  const transpose = pl.aug.transpose && r() < 0.5;
  return { image: perm[pos]! % n, uy, ux, hflip, vflip, transpose };
}

/** Lists of samples, one list per batch, for pass number `pass` (0 for the first iterator). */
function* batchPlan(pl: Plan, n: number, pass: number): Generator<Sample[]> {
  let permEpoch = -1;
  let perm: Int32Array = new Int32Array(0);
  const permFor = (e: number) => {
    if (e !== permEpoch) {
      perm = permutation(pl.epochLen, mulberry32(hashInts(pl.seed, e, 0)));
      permEpoch = e;
    }
    return perm;
  };
  if (pl.iterations != null) {
    // Samples run back to back over epochs; pass k covers batches [start + k·iters, start + (k+1)·iters).
    let k = (pl.startIteration + pass * pl.iterations) * pl.batchSize;
    for (let b = 0; b < pl.iterations; b++) {
      const batch: Sample[] = [];
      for (let i = 0; i < pl.batchSize; i++, k++) {
        const e = Math.floor(k / pl.epochLen);
        const pos = k - e * pl.epochLen;
        batch.push(sampleAt(pl, permFor(e), e, pos, n));
      }
      yield batch;
    }
    return;
  }
  const first = pl.startEpoch + pass * pl.epochs!;
  for (let e = first; e < first + pl.epochs!; e++) {
    const p = permFor(e);
    for (let start = 0; start < pl.epochLen; start += pl.batchSize) {
      const end = Math.min(start + pl.batchSize, pl.epochLen);
      if (end - start < pl.batchSize && pl.dropRemainder) break;
      const batch: Sample[] = [];
      for (let pos = start; pos < end; pos++) batch.push(sampleAt(pl, p, e, pos, n));
      yield batch;
    }
  }
}

/**
 * Copies one augmented patch (uint8 HWC source → float32 [0,1] destination at `dst`). Output (i, j) is the
 * source after hflip → vflip → transpose, applied in that order (BasicSR `augment`).
 */
function copyPatch(
  src: Uint8Array,
  srcW: number,
  top: number,
  left: number,
  size: number,
  s: Sample,
  dst: Float32Array,
  dstOff: number,
): void {
  const lut = U8_TO_UNIT;
  const rowStride = srcW * 3;
  let o = dstOff;
  if (!s.transpose) {
    // Output row i reads one source row: forwards, or backwards when h-flipped.
    for (let i = 0; i < size; i++) {
      const a = s.vflip ? size - 1 - i : i;
      const row = (top + a) * rowStride + left * 3;
      if (!s.hflip) {
        const end = row + size * 3;
        for (let q = row; q < end; q++) dst[o++] = lut[src[q]!]!;
      } else {
        for (let q = row + (size - 1) * 3; q >= row; q -= 3) {
          dst[o++] = lut[src[q]!]!;
          dst[o++] = lut[src[q + 1]!]!;
          dst[o++] = lut[src[q + 2]!]!;
        }
      }
    }
    return;
  }
  // Transposed: output row i reads source column b, top to bottom (or bottom to top when v-flipped).
  for (let i = 0; i < size; i++) {
    const b = s.hflip ? size - 1 - i : i;
    const col = top * rowStride + (left + b) * 3;
    const step = s.vflip ? -rowStride : rowStride;
    let q = s.vflip ? col + (size - 1) * rowStride : col;
    for (let j = 0; j < size; j++, q += step) {
      dst[o++] = lut[src[q]!]!;
      dst[o++] = lut[src[q + 1]!]!;
      dst[o++] = lut[src[q + 2]!]!;
    }
  }
}

/**
 * The batches of the dataset as plain typed arrays (no tensors): what `pairedPatchDataset` wraps, useful where
 * tensors are not wanted (benchmarks, worker threads). `pass` selects which pass of the random stream.
 */
export async function* patchBatches(
  pairs: ImagePair[],
  opts: PatchDatasetOptions,
  pass = 0,
  cache?: LruCache<number, Promise<LoadedPair>>,
): AsyncGenerator<PatchBatch> {
  const pl = plan(pairs, opts);
  const lru = cache ?? new LruCache<number, Promise<LoadedPair>>(pl.cacheSize);
  const loadOpts: PairLoadOptions = { allow16Bit: opts.allow16Bit, cacheDir: opts.cacheDir, cacheDecoded: opts.cacheDecoded };
  const get = (i: number): Promise<LoadedPair> => {
    let p = lru.get(i);
    if (!p) {
      p = loadPair(pairs[i]!, loadOpts);
      // A failed load must not stay cached; the error surfaces where the batch awaits it.
      p.catch(() => lru.delete(i));
      lru.set(i, p);
    }
    return p;
  };
  const load = (batch: Sample[]) => {
    const ids = [...new Set(batch.map((s) => s.image))];
    const all = Promise.all(ids.map(get)).then((ps) => new Map(ids.map((id, k) => [id, ps[k]!])));
    all.catch(() => {});
    return all;
  };
  const { patchSize: p, scale: s } = pl;
  const P = p * s;
  const it = batchPlan(pl, pairs.length, pass);
  let cur = it.next();
  let curLoad = cur.done ? null : load(cur.value);
  while (!cur.done) {
    const batch = cur.value;
    const loaded = await curLoad!;
    // Start decoding the next batch's images now, while this one is assembled and consumed.
    const nxt = it.next();
    const nxtLoad = nxt.done ? null : load(nxt.value);
    const n = batch.length;
    const xs = new Float32Array(n * p * p * 3);
    const ys = new Float32Array(n * P * P * 3);
    const names: string[] = [];
    for (let k = 0; k < n; k++) {
      const smp = batch[k]!;
      const pair = loaded.get(smp.image)!;
      const { lr, hr } = pair;
      if (lr.height < p || lr.width < p) {
        throw new Error(
          `pairedPatchDataset: LR patch ${p} does not fit image "${pair.hrPath}" (LR ${lr.height}x${lr.width}, x${s})`,
        );
      }
      if (lr.channels !== 3 || !(lr.data instanceof Uint8Array) || !(hr.data instanceof Uint8Array)) {
        throw new Error(`pairedPatchDataset: "${pair.hrPath}" did not decode to 3-channel uint8`);
      }
      const top = Math.floor(smp.uy * (lr.height - p + 1));
      const left = Math.floor(smp.ux * (lr.width - p + 1));
      copyPatch(lr.data, lr.width, top, left, p, smp, xs, k * p * p * 3);
      copyPatch(hr.data, hr.width, top * s, left * s, P, smp, ys, k * P * P * 3);
      names.push(pair.name);
    }
    yield { xs, ys, batchSize: n, names };
    cur = nxt;
    curLoad = nxtLoad;
  }
}

/** Every HR must give an LR of at least p×p: checked from headers so a bad image fails before training. */
async function checkSizes(pairs: ImagePair[], p: number, scale: number): Promise<void> {
  const { tooSmall } = await splitBySize(pairs, p);
  if (tooSmall.length) {
    const list = tooSmall.map(
      ({ pair, height, width }) =>
        `"${pair.hrPath}" (HR ${height}x${width} → LR ${Math.floor(height / scale)}x${Math.floor(width / scale)})`,
    );
    throw new Error(
      `pairedPatchDataset: LR patch ${p} (x${scale}) is larger than ${list.length} image(s): ${list.slice(0, 5).join(', ')}` +
        (list.length > 5 ? ', …' : '') +
        ' (splitBySize(pairs, patchSize) separates them if leaving them out is intended)',
    );
  }
}

/**
 * A tf.data.Dataset of `{ xs: [B, p, p, 3], ys: [B, p·s, p·s, 3] }` float32 batches in [0, 1] from HR/LR
 * pairs (from `benchmarkSet`, `div2k`, `df2k`, `imageFolder`). The caller owns (and disposes) each batch's
 * tensors; `model.fitDataset` does that itself.
 */
export function pairedPatchDataset(
  pairs: ImagePair[],
  opts: PatchDatasetOptions,
): tfd.Dataset<{ xs: tf.Tensor4D; ys: tf.Tensor4D }> {
  const pl = plan(pairs, opts);
  const list = pairs.slice();
  // The decoded-image cache is shared by all passes, so later fitDataset epochs start warm.
  const lru = new LruCache<number, Promise<LoadedPair>>(pl.cacheSize);
  let checked: Promise<void> | null = null;
  let pass = 0;
  return tfd.generator(async function* () {
    if (opts.checkSizes ?? true) {
      checked ??= checkSizes(list, pl.patchSize, pl.scale);
      await checked;
    }
    const P = pl.patchSize * pl.scale;
    for await (const b of patchBatches(list, opts, pass++, lru)) {
      yield {
        xs: tf.tensor4d(b.xs, [b.batchSize, pl.patchSize, pl.patchSize, 3], 'float32'),
        ys: tf.tensor4d(b.ys, [b.batchSize, P, P, 3], 'float32'),
      };
    }
  });
}
