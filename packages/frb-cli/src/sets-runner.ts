// Runs one predictor over benchmark sets x scales with a single progress bar; shared by `eval` and
// `bicubic`. Images are decoded one pair at a time (loadEvalPairs), so memory stays at one image.
import { join } from 'node:path';
import { benchmarkSet, loadEvalPairs, type ImagePair } from '@frb/datasets';
import { evaluateSet, Progress, type EvaluateOptions, type Predictor, type SetResult } from '@frb/bench';
import type { CliContext } from './context.js';

export interface SetsRun {
  benchRoot: string;
  sets: string[];
  scales: number[];
  generateLR: boolean;
  /** Only the first N images of each set (quick checks). */
  limit?: number;
  /** Save SR images under `<saveDir>/<set>/x<scale>/<name>.png`. */
  saveDir?: string;
  /** Options for every set (scale and set are filled in). */
  evalOptions: Omit<EvaluateOptions, 'scale' | 'set' | 'saveDir' | 'onImage'>;
  label: string;
}

export async function runSets(
  ctx: CliContext,
  run: SetsRun,
  predictorFor: (scale: number) => Promise<{ predictor: Predictor; dispose?: () => void }>,
  onSet?: (r: SetResult) => void,
): Promise<SetResult[]> {
  // List every pair first (header reads only): errors surface before any work, and the bar knows its total.
  const plan: Array<{ scale: number; set: string; pairs: ImagePair[] }> = [];
  for (const scale of run.scales) {
    for (const set of run.sets) {
      let pairs = await benchmarkSet(run.benchRoot, set, scale, { generateLR: run.generateLR });
      if (run.limit !== undefined) pairs = pairs.slice(0, run.limit);
      plan.push({ scale, set, pairs });
    }
  }
  const total = plan.reduce((s, p) => s + p.pairs.length, 0);
  const bar = new Progress(total, run.label, { stream: ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean } });
  const results: SetResult[] = [];
  try {
    for (const scale of run.scales) {
      const { predictor, dispose } = await predictorFor(scale);
      try {
        for (const { set, pairs } of plan.filter((p) => p.scale === scale)) {
          let calls = 0;
          const r = await evaluateSet(predictor, loadEvalPairs(pairs, { keepGray: true }), {
            ...run.evalOptions,
            // Tiles and ensemble members of a large image keep the line alive between images.
            onStep: () => bar.note(`${set} x${scale} model call ${++calls}`),
            scale,
            set,
            saveDir: run.saveDir ? join(run.saveDir, set, `x${scale}`) : undefined,
            onImage: (img) => bar.tick(1, `${set} x${scale} ${img.name}`),
          });
          results.push(r);
          onSet?.(r);
        }
      } finally {
        dispose?.();
      }
    }
  } finally {
    bar.finish();
  }
  return results;
}
