// One image of `frb upscale`: read it upright with alpha kept, super-resolve it tile by tile, write the PNG
// atomically. The in-process loop and the pool's worker threads both call upscaleImage, so their PNGs are the
// same bytes.
import type * as tfl from '@tensorflow/tfjs-layers';
import { conversionNote, readImage, readImageInfo, writePng, type ImageInfo } from '@frb/datasets';
import { MemoryBudgetError, formatBytes, superResolve, tileRanges } from '@frb/bench';
import { createModel, findPretrained } from '@frb/models';
import { UsageError } from '../context.js';
import { loadModelFile, packModel } from '../model-source.js';

export const MODEL = 'frbc';

export interface UpscaleJob {
  input: string;
  out: string;
}

/** What every image of a run shares; plain data, so it can be sent to worker threads as it is. */
export interface UpscaleSettings {
  weights: { set: string } | { file: string };
  scale: number;
  /** LR tile size; 0 = the whole image in one call. */
  tile: number;
  overlap?: number;
  inputRange?: 1 | 255;
  outputRange?: 1 | 255;
  maxMemoryBytes: number;
  force: boolean;
  /** Run the deployed form (binary layers packed to XNOR-popcount), as `--packed` asks. */
  packed?: boolean;
}

/** What one upscaled image reports back. */
export interface ImageDone {
  lrWidth: number;
  lrHeight: number;
  srWidth: number;
  srHeight: number;
  tiles: number;
  seconds: number;
  notes: string[];
}

/** The model as messages name it: `model "<file>"` or `frbc '<set>'`. */
export function describeModel(s: UpscaleSettings): string {
  return ('file' in s.weights ? `model "${s.weights.file}"` : `${MODEL} '${s.weights.set}'`) + (s.packed ? ' (packed)' : '');
}

export function tilesOf(s: UpscaleSettings, height: number, width: number): number {
  return s.tile > 0 ? tileRanges(height, s.tile).length * tileRanges(width, s.tile).length : 1;
}

export async function loadUpscaleModel(s: UpscaleSettings): Promise<tfl.LayersModel> {
  if ('file' in s.weights) {
    const model = await loadModelFile(s.weights.file);
    return s.packed ? packModel(model, `--weights "${s.weights.file}" for --packed`) : model;
  }
  // A shipped set's packed form is shipped pre-made (pinned like the latent weights): nothing to pack at load.
  const shipped = s.packed === true && findPretrained(MODEL, s.weights.set, s.scale)?.files.packed !== undefined;
  const model = await createModel(MODEL, { scale: s.scale, weights: s.weights.set, packed: shipped });
  return s.packed && !shipped ? packModel(model, `${MODEL} '${s.weights.set}' for --packed`) : model;
}

/** Upscales `job.input` into `job.out`; `info` is the header when the caller has read it already. */
export async function upscaleImage(model: tfl.LayersModel, job: UpscaleJob, s: UpscaleSettings, info: ImageInfo | undefined, onTile: () => void): Promise<ImageDone> {
  const t0 = performance.now();
  const header = info ?? (await readImageInfo(job.input));
  const lr = await readImage(job.input, { keepGray: true, allow16Bit: true, alpha: 'keep', orientation: 'apply' });
  let sr;
  try {
    sr = await superResolve(model, lr, {
      scale: s.scale, tile: s.tile || undefined, tileOverlap: s.overlap, inputRange: s.inputRange, outputRange: s.outputRange,
      maxMemoryBytes: s.maxMemoryBytes, onStep: onTile,
    });
  } catch (err) {
    if (err instanceof MemoryBudgetError) {
      throw new UsageError(
        `frb upscale: --tile 0: ${err.message} (--tile ${err.tile}), or raise --max-memory (now ${formatBytes(err.budgetBytes)}) on "${job.input}"`,
      );
    }
    throw new Error(`${describeModel(s)} on "${job.input}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  await writePng(job.out, sr, { overwrite: s.force, icc: header.icc, density: header.density });
  const notes = [
    conversionNote(header),
    header.orientation !== 1 ? `EXIF orientation ${header.orientation} applied` : null,
    lr.channels === 2 || lr.channels === 4 ? 'alpha enlarged with bicubic' : null,
  ].filter((n): n is string => n !== null);
  return {
    lrWidth: lr.width, lrHeight: lr.height, srWidth: sr.width, srHeight: sr.height,
    tiles: tilesOf(s, lr.height, lr.width), seconds: (performance.now() - t0) / 1000, notes,
  };
}
