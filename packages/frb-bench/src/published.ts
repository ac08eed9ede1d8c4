// Published reference numbers the harness is checked against.
//
// The standard bicubic baseline (PSNR dB / SSIM on Y of BT.601, `scale` pixels shaved) as printed in
// the RCAN / EDSR / ESRGAN tables, transcribed in ../shared/data/README.md of this workplace.
import type { TableCell } from './tables.js';

export const BICUBIC_PUBLISHED: Record<number, Record<string, TableCell>> = {
  2: { Set5: { psnr: 33.66, ssim: 0.9299 }, Set14: { psnr: 30.24, ssim: 0.8688 }, B100: { psnr: 29.56, ssim: 0.8431 } },
  3: { Set5: { psnr: 30.39, ssim: 0.8682 }, Set14: { psnr: 27.55, ssim: 0.7742 }, B100: { psnr: 27.21, ssim: 0.7385 } },
  4: { Set5: { psnr: 28.42, ssim: 0.8104 }, Set14: { psnr: 26.0, ssim: 0.7027 }, B100: { psnr: 25.96, ssim: 0.6675 } },
};

/** Tolerances of the parity check: PSNR agrees to ~0.02 dB; SSIM differs in the last digit depending on whether Y is rounded. */
export const PARITY_TOLERANCE = { psnr: 0.02, ssim: 0.001 };

/**
 * The published bicubic values as an evaluation run ("Bicubic" row), for the sets and scales asked
 * that the standard table has; use it to put the bicubic row into a table without re-measuring.
 */
export function publishedBicubicRun(sets: string[], scales: number[]): { method: string; results: Array<{ set: string; scale: number } & TableCell> } {
  const results: Array<{ set: string; scale: number } & TableCell> = [];
  for (const scale of scales) {
    for (const set of sets) {
      const c = BICUBIC_PUBLISHED[scale]?.[set];
      if (c) results.push({ set, scale, ...c });
    }
  }
  return { method: 'Bicubic', results };
}
