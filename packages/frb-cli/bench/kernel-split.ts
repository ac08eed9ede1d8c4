// Where one call's time goes, per tfjs kernel: tf.profile of fn, counting only top-level kernels (depth 1, called
// by user or layer code), so a kernel that runs others inside it (our gradient kernels' nested Conv2D, a packed
// layer's sign packing) is counted once. Kernel times are wall ms of each kernel call (the wasm, cpu and native
// kernels run synchronously); what is left of the call's wall time is JS between kernels.
import * as tf from '@tensorflow/tfjs-core';

export interface SplitRow { kernel: string; ms: number; calls: number; share: number }

/** Runs fn with each profiled kernel's nesting depth recorded in its extraInfo ('depth=1' = top level). */
function withDepth<T>(fn: () => Promise<T>): Promise<T> {
  const engine = tf.engine() as unknown as {
    profiler: { profileKernel: (n: string, i: unknown, f: () => unknown) => { extraInfo: unknown } };
    state: { kernelDepth: number };
  };
  const orig = engine.profiler.profileKernel;
  engine.profiler.profileKernel = function (this: unknown, n, i, f) {
    const depth = engine.state.kernelDepth;
    const p = orig.call(this, n, i, f);
    p.extraInfo = `depth=${depth}`;
    return p;
  };
  return fn().finally(() => { engine.profiler.profileKernel = orig; });
}

/**
 * Profiles one run of fn and sums its top-level kernels by `key` (default: the kernel's name; e.g. name plus
 * output shape to tell a model's layers apart), largest first; share is of the kernels' total.
 */
export async function kernelSplit(
  fn: () => Promise<unknown> | unknown,
  key: (k: { name: string; outputShapes: number[][] }) => string = (k) => k.name,
): Promise<{ rows: SplitRow[]; kernelMs: number; wallMs: number }> {
  const t0 = performance.now();
  const prof = await withDepth(() => tf.profile(async () => { await fn(); }));
  const wallMs = performance.now() - t0;
  const byKey = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of prof.kernels) {
    if (k.extraInfo !== 'depth=1') continue;
    const ms = Number(await k.kernelTimeMs);
    total += ms;
    const name = key({ name: k.name, outputShapes: k.outputShapes as number[][] });
    const e = byKey.get(name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls += 1;
    byKey.set(name, e);
  }
  const rows = [...byKey.entries()]
    .map(([kernel, e]) => ({ kernel, ms: +e.ms.toFixed(2), calls: e.calls, share: +(e.ms / total).toFixed(4) }))
    .sort((a, b) => b.ms - a.ms);
  return { rows, kernelMs: +total.toFixed(1), wallMs: +wallMs.toFixed(1) };
}
