// Node-only backend helper: picks the fastest tfjs backend the user has installed.
// Order: @tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node (both register 'tensorflow'; optional peers whose
// install downloads libtensorflow), @tensorflow/tfjs-backend-wasm (its .wasm ships in the npm package),
// then the pure-JS cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { applyFrbKernels, registerFrbKernels, releaseFrbKernels, type FrbKernelRegistration } from './kernels/register.js';
import { loadNativeKernels, type NativeCacheInfo, type NativeLoadResult } from './kernels/native/loader.js';

export { nativeCacheInfo, type NativeCacheInfo } from './kernels/native/loader.js';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface InitBackendOptions {
  /**
   * Use the native conv kernels on wasm/cpu (compiled on first use with the system g++; see docs/performance.md).
   * Default true; FRB_NATIVE=0 turns them off. Falls back silently when they cannot build.
   */
  native?: boolean;
  /** Threads per native conv call (default FRB_THREADS, else os.availableParallelism()). */
  threads?: number;
  /**
   * Called before the native kernels are compiled (first use on a machine: several seconds). Default: one line on
   * stderr saying so and where the result is cached; false for silence.
   */
  onNativeBuild?: ((info: NativeCacheInfo) => void) | false;
}

/** The line initBackend prints before compiling the native kernels. */
export function nativeBuildMessage(info: NativeCacheInfo): string {
  return `@frb/layers: compiling the native kernels with ${info.compiler} (once per machine, Node and source; about 10 s), cached in ${info.file}\n`;
}

export interface NativeStatus extends NativeLoadResult {
  active: boolean;
  threads: number;
  /** The kernel tier this left registered and this package's kernels per backend. */
  registration?: FrbKernelRegistration;
}

let nativeStatus: NativeStatus = { native: null, reason: 'initBackend has not enabled it', active: false, threads: 1 };

/** Whether the native conv kernels are in use, and if not, why. */
export function getNativeStatus(): NativeStatus {
  return nativeStatus;
}

function defaultThreads(): number {
  const env = Number(process.env.FRB_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Compiles/loads the native kernels and registers the native tier for cpu and wasm; where they cannot build, or
 * with `enable` false, the portable tier. Returns the status, with what it registered; never throws when the build
 * is impossible, it reports why.
 */
export function useNativeConvKernels(enable = true, threads = defaultThreads(), onBuild?: (info: NativeCacheInfo) => void): NativeStatus {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`useNativeConvKernels: threads must be a positive integer, got ${threads}`);
  }
  if (!enable) {
    const registration = registerFrbKernels({ tier: 'portable' });
    nativeStatus = { native: null, reason: 'turned off', active: false, threads, registration };
    return nativeStatus;
  }
  const r = loadNativeKernels(onBuild);
  const registration = registerFrbKernels(r.native ? { tier: 'native', native: r.native, threads } : { tier: 'portable' });
  nativeStatus = { ...r, active: r.native != null, threads, registration };
  return nativeStatus;
}
const PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

const require = createRequire(import.meta.url);

// A variable specifier keeps TypeScript and bundlers from resolving optional peers at build time.
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

async function tryTensorflow(): Promise<string | null> {
  const errors: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await importOptional(pkg);
      if (await tf.setBackend('tensorflow')) return null;
      errors.push(`${pkg}: loaded but the 'tensorflow' backend failed to initialise`);
    } catch (e) {
      errors.push(`${pkg}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return errors.join('; ');
}

async function tryWasm(): Promise<string | null> {
  try {
    if (tf.findBackendFactory('wasm') == null) releaseFrbKernels('wasm'); // package not imported yet
    const wasm = (await importOptional('@tensorflow/tfjs-backend-wasm')) as {
      setWasmPaths: (prefix: string) => void;
    };
    // Point the loader at the package's own dist/ folder (where the .wasm binaries ship), unless the
    // backend was already initialised by the caller (setWasmPaths must precede initialisation).
    if (tf.engine().registry['wasm'] == null) {
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(dist + path.sep);
    }
    applyFrbKernels(); // the wasm package may have been imported after @frb/layers
    if (await tf.setBackend('wasm')) return null;
    return "@tensorflow/tfjs-backend-wasm: loaded but the 'wasm' backend failed to initialise";
  } catch (e) {
    return `@tensorflow/tfjs-backend-wasm: ${(e as Error).message.split('\n')[0]}`;
  }
}

async function tryCpu(): Promise<string | null> {
  try {
    if (tf.findBackendFactory('cpu') == null) releaseFrbKernels('cpu'); // package not imported yet
    await importOptional('@tensorflow/tfjs-backend-cpu');
    applyFrbKernels();
    if (await tf.setBackend('cpu')) return null;
    return "@tensorflow/tfjs-backend-cpu: the 'cpu' backend failed to initialise";
  } catch (e) {
    return `@tensorflow/tfjs-backend-cpu: ${(e as Error).message.split('\n')[0]}`;
  }
}

const INSTALL_HINT: Record<Exclude<BackendPreference, 'auto'>, string> = {
  tensorflow: 'npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu for CUDA); its install step downloads libtensorflow',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm@~4.22.0',
  cpu: 'npm install @tensorflow/tfjs-backend-cpu@~4.22.0',
};

const TRY: Record<Exclude<BackendPreference, 'auto'>, () => Promise<string | null>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Initialises and selects a tfjs backend; returns its name ('tensorflow', 'wasm' or 'cpu').
 * `preference` 'auto' takes the first that works of tfjs-node-gpu, tfjs-node, wasm, cpu; an explicit
 * preference that cannot load throws, saying what to install. The `FRB_BACKEND` environment variable,
 * when set, overrides `preference`. On wasm and cpu it also turns on the fastest kernel tier that works: native
 * where the module builds (see {@link InitBackendOptions}), else portable; `getNativeStatus().registration` says
 * which tier and kernels it registered.
 */
export async function initBackend(preference: BackendPreference = 'auto', options: InitBackendOptions = {}): Promise<string> {
  const name = await selectBackend(preference);
  if (name === 'wasm' || name === 'cpu') {
    const onBuild = options.onNativeBuild ?? ((info: NativeCacheInfo) => process.stderr.write(nativeBuildMessage(info)));
    useNativeConvKernels(options.native ?? true, options.threads ?? defaultThreads(), onBuild || undefined);
  }
  return name;
}

async function selectBackend(preference: BackendPreference): Promise<string> {
  const env = process.env.FRB_BACKEND?.trim();
  const wanted = (env ? env : preference) as BackendPreference;
  if (!PREFERENCES.includes(wanted)) {
    const from = env ? `FRB_BACKEND=${JSON.stringify(env)}` : `preference ${JSON.stringify(preference)}`;
    throw new Error(`initBackend: unknown backend ${from}; expected one of ${PREFERENCES.join(', ')}`);
  }
  if (wanted === 'auto') {
    const errors: string[] = [];
    for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
      const err = await TRY[name]();
      if (err == null) return tf.getBackend();
      errors.push(err);
    }
    throw new Error(`initBackend('auto'): no tfjs backend could be initialised: ${errors.join('; ')}`);
  }
  const err = await TRY[wanted]();
  if (err != null) {
    const via = env ? ` (from FRB_BACKEND)` : '';
    throw new Error(`initBackend('${wanted}')${via}: backend unavailable (${err}). Install it with: ${INSTALL_HINT[wanted]}`);
  }
  return tf.getBackend();
}
