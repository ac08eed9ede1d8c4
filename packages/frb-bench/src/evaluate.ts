// The evaluation harness: super-resolve LR images with any tfjs LayersModel, a (x) => y predict
// function, or an image-level upscaler (bicubic), quantize to uint8 as saved PNGs are, and measure
// PSNR / SSIM against the mod-cropped HR with the published-table conventions (metrics/*).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { grayToRgb, imresize, joinAlpha, modcrop, splitAlpha, writePng, type RawImage } from '@frb/datasets';
import { MemoryBudgetError, estimateCallBytes, tileThatFits } from './memory.js';
import { quantizeUint8, type MetricChannel } from './metrics/color.js';
import { psnr } from './metrics/psnr.js';
import { ssim } from './metrics/ssim.js';
import { predictTiled, type FloatImage, type PredictFn } from './tiling.js';
import { selfEnsemble } from './ensemble.js';

export type { PredictFn } from './tiling.js';

/** Anything that upscales whole images directly (e.g. bicubic); output uint8 or float on 0..255. */
export interface ImageUpscaler {
  upscaleImage(lr: RawImage, scale: number): RawImage | Promise<RawImage>;
}

export type Predictor = tfl.LayersModel | PredictFn | ImageUpscaler;

/** Value range of model inputs/outputs: 1 for [0, 1], 255 for [0, 255]. */
export type ValueRange = 1 | 255;

export interface SROptions {
  /** Upscaling factor; the output must be exactly input x scale. */
  scale: number;
  /** Range the model expects its input in. Default 1. */
  inputRange?: ValueRange;
  /** Range the model's output is in. Default: inputRange. */
  outputRange?: ValueRange;
  /** Tile core size in LR pixels (0/undefined: whole image). */
  tile?: number;
  /** LR context pixels around each tile. Default 16. */
  tileOverlap?: number;
  /** Pad model inputs to a multiple of this (mirrored), e.g. a window size. Default 1. */
  padMultiple?: number;
  /** x8 self-ensemble. Default false. */
  selfEnsemble?: boolean;
  /** Channels the model takes; default read from a LayersModel's input shape, else the image's. */
  inputChannels?: number;
  /** Called after each model call (tile or ensemble member). */
  onStep?: () => void;
  /**
   * Untiled calls of a LayersModel whose estimated tensor memory (estimateCallBytes) exceeds this many bytes
   * are refused with a MemoryBudgetError naming a tile size that fits. Default: no check.
   */
  maxMemoryBytes?: number;
}

function isUpscaler(p: Predictor): p is ImageUpscaler {
  return typeof p === 'object' && p !== null && typeof (p as ImageUpscaler).upscaleImage === 'function';
}

function isLayersModel(p: Predictor): p is tfl.LayersModel {
  return typeof p === 'object' && p !== null && typeof (p as tfl.LayersModel).predict === 'function';
}

function checkRange(r: unknown, what: string): ValueRange {
  if (r !== 1 && r !== 255) throw new Error(`${what} must be 1 or 255, got ${String(r)}`);
  return r;
}

/** Channels a LayersModel takes (last dim of its first input), if declared. */
export function modelInputChannels(model: tfl.LayersModel): number | undefined {
  const shape = model.inputs?.[0]?.shape;
  const c = shape?.[shape.length - 1];
  return typeof c === 'number' ? c : undefined;
}

/**
 * Super-resolve one LR image (uint8 or float, 0..255) and return the uint8 SR image. A grayscale LR fed
 * to a 3-channel model is replicated to RGB and the output is averaged back to one channel, so gray
 * images are measured as gray (the MATLAB convention the published tables follow). An alpha channel
 * (2- or 4-channel image, model taking 1 or 3) does not go through the model: it is enlarged with MATLAB
 * bicubic and attached to the SR colour channels.
 */
export async function superResolve(model: Predictor, lr: RawImage, opts: SROptions): Promise<RawImage> {
  const { scale } = opts;
  if (!(Number.isInteger(scale) && scale >= 1)) throw new Error(`scale must be a positive integer, got ${scale}`);
  if (lr.channels === 2 || lr.channels === 4) {
    const takes = opts.inputChannels ?? (isLayersModel(model) ? modelInputChannels(model) : undefined);
    if (takes !== lr.channels) {
      const { color, alpha } = splitAlpha(lr);
      const sr = await superResolve(model, color, opts);
      const a = imresize(alpha, scale);
      return joinAlpha(sr, a.data instanceof Uint8Array ? a : { ...a, data: quantizeUint8(a.data, 255) });
    }
  }
  if (isLayersModel(model) && !(opts.tile && opts.tile > 0) && opts.maxMemoryBytes !== undefined) {
    const c = modelInputChannels(model) ?? 3;
    const need = estimateCallBytes(model, lr.height, lr.width, c);
    if (need > opts.maxMemoryBytes) {
      throw new MemoryBudgetError(need, opts.maxMemoryBytes, tileThatFits(model, opts.maxMemoryBytes, opts.tileOverlap ?? 16, c), lr.height, lr.width);
    }
  }
  if (isUpscaler(model)) {
    const out = await model.upscaleImage(lr, scale);
    checkOutputSize(out, lr, scale);
    return out.data instanceof Uint8Array ? out : { ...out, data: quantizeUint8(out.data, 255) };
  }
  const inRange = checkRange(opts.inputRange ?? 1, 'inputRange');
  const outRange = checkRange(opts.outputRange ?? inRange, 'outputRange');
  const predict: PredictFn = isLayersModel(model) ? (x) => model.predict(x) as tf.Tensor : model;
  const wantC = opts.inputChannels ?? (isLayersModel(model) ? modelInputChannels(model) : undefined) ?? lr.channels;
  let src: RawImage = lr;
  if (wantC === 3 && lr.channels === 1) src = grayToRgb(lr);
  else if (wantC !== lr.channels) {
    throw new Error(`the model takes ${wantC}-channel input but the image has ${lr.channels} channels`);
  }
  const k = inRange / 255;
  const x: FloatImage = {
    data: Float32Array.from(src.data, (v) => v * k),
    height: src.height,
    width: src.width,
    channels: src.channels,
  };
  const run = async (img: FloatImage) =>
    predictTiled(predict, img, {
      scale,
      tile: opts.tile,
      overlap: opts.tileOverlap,
      padMultiple: opts.padMultiple,
      onTile: () => opts.onStep?.(),
    });
  const y = opts.selfEnsemble ? await selfEnsemble(run, x) : await run(x);
  let bad = 0;
  for (let i = 0; i < y.data.length; i++) if (!Number.isFinite(y.data[i])) bad++;
  if (bad > 0) {
    // Quantizing would hide these as 0 or 255 and report a meaningless PSNR.
    throw new Error(`the model output has ${bad} non-finite values (NaN or Infinity) out of ${y.data.length}`);
  }
  if (y.channels !== src.channels) {
    throw new Error(`the model returned ${y.channels} channels for ${src.channels}-channel input`);
  }
  let data = quantizeUint8(y.data, outRange);
  let channels = y.channels;
  if (lr.channels === 1 && channels === 3) {
    // Back to gray: mean of the channels of the float output, then quantized.
    const n = y.height * y.width;
    const g = new Float32Array(n);
    for (let i = 0; i < n; i++) g[i] = (y.data[3 * i] + y.data[3 * i + 1] + y.data[3 * i + 2]) / 3;
    data = quantizeUint8(g, outRange);
    channels = 1;
  }
  return { data, height: y.height, width: y.width, channels };
}

function checkOutputSize(out: RawImage, lr: RawImage, scale: number): void {
  if (out.height !== lr.height * scale || out.width !== lr.width * scale) {
    throw new Error(
      `upscaler output is ${out.height}x${out.width} for a ${lr.height}x${lr.width} input; expected ` +
        `${lr.height * scale}x${lr.width * scale} (input x scale ${scale})`,
    );
  }
}

/** One image to evaluate: LR and HR in memory (HR is mod-cropped to the scale here if needed). */
export interface EvalItem {
  name: string;
  lr: RawImage;
  hr: RawImage;
}

export interface EvaluateOptions extends SROptions {
  /** Set name recorded in the result. Default 'custom'. */
  set?: string;
  /** Border pixels shaved before measuring. Default: scale. */
  shave?: number;
  /** Round Y before measuring (MATLAB uint8 rgb2ycbcr). Default false. */
  roundY?: boolean;
  /** Also measure PSNR/SSIM on RGB. Default false. */
  rgb?: boolean;
  /** Write each SR image to `<saveDir>/<name>.png`. */
  saveDir?: string;
  /** Called after each image. */
  onImage?: (result: ImageResult, done: number) => void;
}

export interface ImageResult {
  name: string;
  psnr: number;
  ssim: number;
  psnrRgb?: number;
  ssimRgb?: number;
  /** LR size [height, width]. */
  lrSize: [number, number];
  /** Seconds spent super-resolving (not measuring). */
  seconds: number;
}

export interface SetResult {
  set: string;
  scale: number;
  count: number;
  /** Means of the per-image values (as published tables average). */
  psnr: number;
  ssim: number;
  psnrRgb?: number;
  ssimRgb?: number;
  seconds: number;
  images: ImageResult[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Evaluate one image: SR, size check against the mod-cropped HR, metrics, optional save. */
export async function evaluateImage(model: Predictor, item: EvalItem, opts: EvaluateOptions): Promise<ImageResult> {
  const { scale } = opts;
  const hr = item.hr.height % scale || item.hr.width % scale ? modcrop(item.hr, scale) : item.hr;
  const t0 = performance.now();
  let sr: RawImage;
  try {
    sr = await superResolve(model, item.lr, opts);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${opts.set ?? 'custom'}/${item.name} x${scale}: ${msg}`, { cause: err });
  }
  const seconds = (performance.now() - t0) / 1000;
  if (sr.height !== hr.height || sr.width !== hr.width) {
    throw new Error(
      `${opts.set ?? 'custom'}/${item.name} x${scale}: SR is ${sr.height}x${sr.width} but the mod-cropped HR is ` +
        `${hr.height}x${hr.width} (LR ${item.lr.height}x${item.lr.width} does not match HR / ${scale})`,
    );
  }
  let ref = hr;
  if (ref.channels === 1 && sr.channels === 3) ref = grayToRgb(ref);
  const shave = opts.shave ?? scale;
  const m = { shave, roundY: opts.roundY };
  const r: ImageResult = {
    name: item.name,
    psnr: psnr(sr, ref, { ...m, channel: 'y' as MetricChannel }),
    ssim: ssim(sr, ref, { ...m, channel: 'y' as MetricChannel }),
    lrSize: [item.lr.height, item.lr.width],
    seconds,
  };
  if (opts.rgb) {
    r.psnrRgb = psnr(sr, ref, { shave, channel: 'rgb' });
    r.ssimRgb = ssim(sr, ref, { shave, channel: 'rgb' });
  }
  if (opts.saveDir) await writePng(join(opts.saveDir, `${item.name}.png`), sr);
  return r;
}

/** Evaluate a set of images (array or async iterable, e.g. @frb/datasets' loadEvalPairs). */
export async function evaluateSet(
  model: Predictor,
  items: Iterable<EvalItem> | AsyncIterable<EvalItem>,
  opts: EvaluateOptions,
): Promise<SetResult> {
  const images: ImageResult[] = [];
  const t0 = performance.now();
  for await (const item of items) {
    const r = await evaluateImage(model, item, opts);
    images.push(r);
    opts.onImage?.(r, images.length);
  }
  if (images.length === 0) throw new Error(`${opts.set ?? 'custom'} x${opts.scale}: no images to evaluate`);
  const res: SetResult = {
    set: opts.set ?? 'custom',
    scale: opts.scale,
    count: images.length,
    psnr: mean(images.map((i) => i.psnr)),
    ssim: mean(images.map((i) => i.ssim)),
    seconds: (performance.now() - t0) / 1000,
    images,
  };
  if (opts.rgb) {
    res.psnrRgb = mean(images.map((i) => i.psnrRgb!));
    res.ssimRgb = mean(images.map((i) => i.ssimRgb!));
  }
  return res;
}
