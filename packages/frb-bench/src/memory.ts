// How much tensor memory one untiled model call needs, estimated from the layers' output shapes before
// anything runs, so a whole-image request that cannot fit is refused in milliseconds (with a tile size that
// fits) instead of failing after minutes with an allocation error.
import type * as tfl from '@tensorflow/tfjs-layers';
import { binarySummary } from '@frb/layers';

/**
 * Bytes of the float32 activations alive at the peak of one call on an h x w input: the four largest layer
 * outputs. At the upsampler a conv output, the pixel-shuffle copy of it and the next conv's output coexist;
 * for FRBC x4 (32 features, 8 blocks) on 256x256 this gives 512 MiB where bench/tiling.ts measures a 526 MiB peak
 * (200 MiB vs 167 MiB for a 128-pixel tile with 16 of overlap).
 */
export function estimateCallBytes(model: tfl.LayersModel, h: number, w: number, channels = 3): number {
  const rows = binarySummary(model, { inputShape: [h, w, channels] }).rows;
  const sizes: number[] = [];
  for (const r of rows) {
    const shapes = (Array.isArray(r.outputShape[0]) ? r.outputShape : [r.outputShape]) as Array<Array<number | null>>;
    for (const s of shapes) sizes.push(s.reduce<number>((p, d) => p * (d ?? 1), 1));
  }
  sizes.sort((a, b) => b - a);
  return 4 * sizes.slice(0, 4).reduce((a, b) => a + b, 0);
}

/**
 * The largest LR tile, a multiple of 16, whose call with `overlap` context pixels on each side fits in `budget`
 * bytes; 16 when even that does not fit (the smallest tile worth suggesting).
 */
export function tileThatFits(model: tfl.LayersModel, budget: number, overlap: number, channels = 3): number {
  const probe = 64;
  const perPixel = estimateCallBytes(model, probe, probe, channels) / (probe * probe);
  const side = Math.floor(Math.sqrt(budget / perPixel)) - 2 * overlap;
  return Math.max(16, Math.floor(side / 16) * 16);
}

/** A whole-image call estimated to need more than the allowed memory. */
export class MemoryBudgetError extends Error {
  constructor(
    readonly estimateBytes: number,
    readonly budgetBytes: number,
    readonly tile: number,
    readonly height: number,
    readonly width: number,
  ) {
    super(
      `the whole ${width}x${height} image in one model call needs about ${formatBytes(estimateBytes)} of tensor memory ` +
        `(limit ${formatBytes(budgetBytes)}); tiles of ${tile} pixels fit`,
    );
    this.name = 'MemoryBudgetError';
  }
}

/** 1.5 GiB, 320 MiB, ... */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
