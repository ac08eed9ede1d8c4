// Seeded model construction. The zoo's initializers take no seed; tfjs' random ops then draw their seed
// from Math.random. Running createModel with Math.random replaced by a seeded generator makes the initial
// weights a function of the config's seed (same distributions as unseeded), so two runs with one seed
// start from the same weights.
import type * as tfl from '@tensorflow/tfjs-layers';
import { mulberry32, hashInts } from '@frb/datasets';
import { createModel } from '@frb/models';

export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const orig = Math.random;
  Math.random = mulberry32(hashInts(seed, 0x5eed, 1));
  try {
    return fn();
  } finally {
    Math.random = orig;
  }
}

/** createModel(name, {scale, ...options}) with weights initialized from `seed`; errors name the model. */
export function createSeededModel(name: string, scale: number, options: Record<string, unknown>, seed: number): tfl.LayersModel {
  try {
    return withSeededMathRandom(seed, () => createModel(name, { ...options, scale }));
  } catch (e) {
    throw new Error(`model '${name}' (x${scale}): ${(e as Error).message}`, { cause: e });
  }
}
