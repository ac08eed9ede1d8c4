// Node-only: compiles the native kernels (the package's native/*.cc) with the system C++ compiler on first use and
// loads them with process.dlopen. No install script and no node-gyp download: it needs only g++ (or $CXX) and
// the Node headers that ship with Node (…/include/node/node_api.h). When either is missing, or FRB_NATIVE=0,
// it returns null and the wasm/cpu kernels are used instead.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_FUNCTIONS, type NativeModule } from './module.js';

export interface NativeLoadResult {
  native: NativeModule | null;
  /** Why native kernels are off (null when on). */
  reason: string | null;
  /** The compiled module's path, when on. */
  path?: string;
  /** The compiler's warnings when this process built the module (empty when none, or when it came from the cache). */
  warnings?: string;
}

let cached: NativeLoadResult | undefined;

/**
 * The package's native/ folder: three levels above this file in src/kernels/native/ and in dist/kernels/native/
 * alike (the package ships it, see "files").
 */
export function nativeSourceDir(): string {
  return fileURLToPath(new URL('../../../native/', import.meta.url));
}

/** The C++ sources and headers, sorted (the compiler gets the .cc files; all of them key the cache). */
export function nativeSources(dir = nativeSourceDir()): string[] {
  return fs.readdirSync(dir).filter((f) => /\.(cc|h)$/.test(f)).sort().map((f) => path.join(dir, f));
}

/**
 * Compiler flags. Warnings are on everywhere and are errors under CI=true (so a warning fails CI, where the build
 * is also required, see test/native-build.test.ts). -march=native makes the binary machine-specific, so the CPU
 * model is part of the cache key.
 */
export function nativeFlags(include: string, ci = process.env.CI === 'true'): string[] {
  return ['-O3', '-march=native', '-std=c++17', '-shared', '-fPIC', '-pthread', '-Wall', '-Wextra', ...(ci ? ['-Werror'] : []), `-I${include}`];
}

function nodeIncludeDir(): string | null {
  const candidates = [
    process.env.FRB_NODE_INCLUDE,
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter((p): p is string => !!p);
  return candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h'))) ?? null;
}

function cacheDir(): string {
  const dirs = [process.env.FRB_CACHE_DIR, path.join(os.homedir(), '.cache', 'frb-layers'), path.join(os.tmpdir(), 'frb-layers')];
  for (const d of dirs) {
    if (!d) continue;
    try {
      fs.mkdirSync(d, { recursive: true });
      fs.accessSync(d, fs.constants.W_OK);
      return d;
    } catch {
      // try the next one
    }
  }
  throw new Error('no writable cache directory (set FRB_CACHE_DIR)');
}

/** Where the compiled module for these sources, compiler, flags, Node and CPU goes, and whether it is there yet. */
export interface NativeCacheInfo {
  file: string;
  built: boolean;
  compiler: string;
}

/** The cache entry loadNativeKernels would use, without compiling anything; a string says why there is none. */
export function nativeCacheInfo(): NativeCacheInfo | string {
  if (process.env.FRB_NATIVE === '0') return 'disabled by FRB_NATIVE=0';
  const include = nodeIncludeDir();
  if (!include) return 'Node headers (include/node/node_api.h) not found; set FRB_NODE_INCLUDE';
  const cxx = process.env.CXX || 'g++';
  const hash = createHash('sha256');
  for (const f of nativeSources()) hash.update(path.basename(f)).update('\0').update(fs.readFileSync(f)).update('\0');
  hash.update([cxx, nativeFlags(include).join(' '), process.version, process.arch, os.cpus()[0]?.model ?? ''].join('\0'));
  const file = path.join(cacheDir(), `frb_native-${hash.digest('hex').slice(0, 16)}.node`);
  return { file, built: fs.existsSync(file), compiler: cxx };
}

/**
 * Compiles (once per machine, source, flags and Node ABI) and loads the native kernels; never throws.
 * `onBuild` is told before a compile starts (it takes seconds), so callers can say so.
 */
export function loadNativeKernels(onBuild?: (info: NativeCacheInfo) => void): NativeLoadResult {
  if (cached) return cached;
  try {
    const info = nativeCacheInfo();
    if (typeof info === 'string') return (cached = { native: null, reason: info });
    const { file, compiler: cxx } = info;
    const flags = nativeFlags(nodeIncludeDir()!);
    const sources = nativeSources();
    let warnings = '';
    if (!info.built) {
      onBuild?.(info);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        const units = sources.filter((f) => f.endsWith('.cc'));
        const r = spawnSync(cxx, [...flags, '-o', tmp, ...units], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000, encoding: 'utf8' });
        if (r.error) throw r.error;
        if (r.status !== 0) {
          const first = r.stderr.split('\n').find((l) => /error/.test(l)) ?? r.stderr.split('\n')[0];
          return (cached = { native: null, reason: `native build failed (${cxx} exited ${r.status ?? r.signal}): ${first}` });
        }
        warnings = r.stderr;
        fs.renameSync(tmp, file); // atomic, so concurrent processes never load a half-written module
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    }
    const native = createRequire(import.meta.url)(file) as NativeModule;
    const missing = NATIVE_FUNCTIONS.filter((f) => typeof native[f] !== 'function');
    if (missing.length) return (cached = { native: null, reason: `${file} does not export ${missing.join(', ')}` });
    return (cached = { native, reason: null, path: file, warnings });
  } catch (e) {
    return (cached = { native: null, reason: `native build failed: ${(e as Error).message.split('\n')[0]}` });
  }
}
