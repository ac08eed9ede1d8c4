// Test helpers of @frb/train (the CLI's tests use them too): seeded synthetic training images.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, writePng, type RawImage } from '@frb/datasets';
import { JsonlLogger } from '@frb/train';

/** A smooth-ish random image (so bicubic has something to reconstruct). */
export function smoothImage(h: number, w: number, c: number, seed: number): RawImage {
  const r = mulberry32(seed);
  const fx = 0.1 + r() * 0.3;
  const fy = 0.1 + r() * 0.3;
  const data = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        const v = 128 + 80 * Math.sin(fx * x + k) * Math.cos(fy * y) + 20 * (r() - 0.5);
        data[(y * w + x) * c + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { data, height: h, width: w, channels: c };
}

/** A run folder fixture: <tmp>/imgs with four images and one too small for the patch (left out visibly). */
export async function makeTrainRoot(prefix = 'frb-train-'): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (let i = 0; i < 4; i++) await writePng(join(root, 'imgs', `im${i}.png`), smoothImage(30 + 2 * i, 34, 3, 10 + i));
  await writePng(join(root, 'imgs', 'small.png'), smoothImage(10, 12, 3, 99));
  return root;
}

/** A tiny FRBC x2 config (6 iterations, multistep) on makeTrainRoot's images; `over` replaces top-level keys. */
export const baseConfig = (out: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'tiny',
  seed: 3,
  model: { name: 'frbc', scale: 2, features: 8, blocks: 2 },
  data: { train: 'imgs', patch_size: 8, batch_size: 2, cache_dir: false },
  train: { iterations: 6, optimizer: { lr: 1e-3 }, scheduler: { type: 'multistep', milestones: [4], gamma: 0.5 } },
  checkpoint: { interval: 2, keep: 2 },
  log_interval: 1,
  output: out,
  ...over,
});

export const quiet = { write: () => true };

/** [iteration, loss] of every 'train' record in a run's log. */
export const trainLosses = async (root: string, out: string) =>
  (await new JsonlLogger(join(root, out, 'log.jsonl')).read()).filter((r) => r.kind === 'train').map((r) => [r.iter, r.loss as number]);
