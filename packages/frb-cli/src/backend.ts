// Choosing the tfjs backend for CLI runs. The cpu and wasm backends register on import; tfjs-node is not
// used (its install downloads libtensorflow).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { UsageError } from './context.js';

export const BACKENDS = ['cpu', 'wasm'] as const;

export async function useBackend(cmd: string, name: string | undefined): Promise<void> {
  // wasm by default: ~19x faster than cpu on FRBC x4 inference here (see README).
  const want = name ?? 'wasm';
  if (!(BACKENDS as readonly string[]).includes(want)) {
    throw new UsageError(`frb ${cmd}: --backend must be one of ${BACKENDS.join(', ')}, got '${want}'`);
  }
  if (tf.getBackend() === want) return;
  const ok = await tf.setBackend(want);
  if (!ok) throw new Error(`backend '${want}' could not be initialized`);
  await tf.ready();
}
