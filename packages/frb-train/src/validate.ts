// Periodic validation during training: PSNR/SSIM (Y, scale pixels shaved, as the tables) on one benchmark
// set, normally Set5, read from the official LR files. Absent data skips validation (with a message) rather
// than failing the run, so configs work on machines without the benchmark folder.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { benchmarkSet, loadEvalPairs, type ImagePair } from '@frb/datasets';
import { evaluateSet, type SetResult } from '@frb/bench';
import type { ValSection } from './config.js';

export interface ValidationTarget {
  set: string;
  scale: number;
  pairs: ImagePair[];
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** The validation pairs, or null when the set (or its LR files for this scale) is not on disk. */
export async function resolveValidation(v: ValSection, scale: number): Promise<ValidationTarget | null> {
  const root = isDir(join(v.data, 'benchmark')) ? join(v.data, 'benchmark') : v.data;
  if (!isDir(join(root, v.set, 'HR')) || !isDir(join(root, v.set, 'LR_bicubic', `X${scale}`))) return null;
  let pairs = await benchmarkSet(root, v.set, scale);
  if (v.limit !== null) pairs = pairs.slice(0, v.limit);
  return { set: v.set, scale, pairs };
}

export async function validate(model: tfl.LayersModel, t: ValidationTarget): Promise<SetResult> {
  return evaluateSet(model, loadEvalPairs(t.pairs, { keepGray: true }), { scale: t.scale, set: t.set });
}
