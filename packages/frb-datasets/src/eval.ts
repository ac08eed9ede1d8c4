/** Evaluation loading: full images, pairs by name, HR mod-cropped; lazy (one pair decoded at a time). */
import type { ImagePair } from './layouts/pairs.js';
import { loadPair, type LoadedPair, type PairLoadOptions } from './pair-loader.js';

export type EvalPair = LoadedPair;

/**
 * Yields `{ name, scale, hr, lr, hrPath, lrPath? }` for every pair, in order, decoding each only when asked
 * for. Grayscale images stay 1 channel with `keepGray`; odd sizes are mod-cropped (bottom/right) as in the
 * standard tables. The next pair is decoded while the caller works on the current one.
 */
export async function* loadEvalPairs(
  pairs: ImagePair[] | Promise<ImagePair[]>,
  opts: PairLoadOptions = {},
): AsyncGenerator<EvalPair> {
  const list = await pairs;
  if (!Array.isArray(list)) throw new TypeError('loadEvalPairs: expected a list of pairs (from benchmarkSet, div2k, ...)');
  let next: Promise<LoadedPair> | null = list.length ? loadPair(list[0]!, opts) : null;
  for (let i = 0; i < list.length; i++) {
    const cur = next!;
    // Read ahead one pair; its rejection is observed when it becomes current.
    next = i + 1 < list.length ? loadPair(list[i + 1]!, opts) : null;
    next?.catch(() => {});
    yield await cur;
  }
}
