// Node-only: compiles the native conv kernels (conv_source.ts) with the system C++ compiler on first use and
// loads them with process.dlopen. No install script and no node-gyp download: it needs only g++ (or $CXX) and
// the Node headers that ship with Node (…/include/node/node_api.h). When either is missing, or FRB_NATIVE=0,
// it returns null and the wasm/cpu kernels are used instead.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { FRB_CONV_SOURCE } from './conv_source.js';
import { FRB_ELEMENTWISE_SOURCE } from './elementwise_source.js';
import type { NativeConv } from './native_kernels.js';

export interface NativeLoadResult {
  native: NativeConv | null;
  /** Why native kernels are off (null when on). */
  reason: string | null;
  /** The compiled module's path, when on. */
  path?: string;
}

let cached: NativeLoadResult | undefined;

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

/**
 * The module's full source: the fused kernels (elementwise_source.ts) spliced in front of conv_source.ts' module
 * init, which then registers their exports too. Kept as a splice so the two files are edited independently; the
 * cache key hashes this result.
 */
export function nativeSource(): string {
  const init = 'NAPI_MODULE_INIT() {';
  const at = FRB_CONV_SOURCE.indexOf(init);
  if (at < 0) throw new Error('native/loader: conv_source.ts has no NAPI_MODULE_INIT() to splice the fused kernels into');
  return `${FRB_CONV_SOURCE.slice(0, at)}${FRB_ELEMENTWISE_SOURCE}${init}\n  frb_register_elementwise(env, exports);${FRB_CONV_SOURCE.slice(at + init.length)}`;
}

/** Where the compiled module for this source, compiler, Node and CPU goes, and whether it is there yet. */
export interface NativeCacheInfo {
  file: string;
  built: boolean;
  compiler: string;
}

/** The cache entry loadNativeConv would use, without compiling anything; a string says why there is none. */
export function nativeCacheInfo(): NativeCacheInfo | string {
  if (process.env.FRB_NATIVE === '0') return 'disabled by FRB_NATIVE=0';
  const include = nodeIncludeDir();
  if (!include) return 'Node headers (include/node/node_api.h) not found; set FRB_NODE_INCLUDE';
  const { cxx, flags } = buildCommand(include);
  const key = createHash('sha256')
    .update([nativeSource(), cxx, flags.join(' '), process.version, process.arch, os.cpus()[0]?.model ?? ''].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cacheDir(), `frb_conv-${key}.node`);
  return { file, built: fs.existsSync(file), compiler: cxx };
}

function buildCommand(include: string): { cxx: string; flags: string[] } {
  // -march=native makes the binary machine-specific, so the CPU model is part of the cache key.
  return { cxx: process.env.CXX || 'g++', flags: ['-O3', '-march=native', '-std=c++17', '-shared', '-fPIC', '-pthread', `-I${include}`] };
}

/**
 * Compiles (once per machine, source and Node ABI) and loads the native conv kernels; never throws.
 * `onBuild` is told before a compile starts (it takes seconds), so callers can say so.
 */
export function loadNativeConv(onBuild?: (info: NativeCacheInfo) => void): NativeLoadResult {
  if (cached) return cached;
  try {
    const info = nativeCacheInfo();
    if (typeof info === 'string') return (cached = { native: null, reason: info });
    const { file, compiler: cxx } = info;
    const { flags } = buildCommand(nodeIncludeDir()!);
    if (!info.built) {
      onBuild?.(info);
      const src = file.replace(/\.node$/, `-${process.pid}.cc`);
      const tmp = file.replace(/\.node$/, `-${process.pid}.node.tmp`);
      fs.writeFileSync(src, nativeSource());
      try {
        execFileSync(cxx, [...flags, '-o', tmp, src], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
        fs.renameSync(tmp, file); // atomic, so concurrent processes never load a half-written module
      } finally {
        fs.rmSync(src, { force: true });
        fs.rmSync(tmp, { force: true });
      }
    }
    const native = createRequire(import.meta.url)(file) as NativeConv;
    const missing = (['conv2d', 'conv2dBackpropFilter', 'colsum', 'leakyRelu', 'rsign', 'rsignGrad', 'rprelu', 'rpreluGrad', 'srb', 'transpose', 'add'] as const).filter((f) => typeof native[f] !== 'function');
    if (missing.length) {
      return (cached = { native: null, reason: `${file} does not export ${missing.join(', ')}` });
    }
    return (cached = { native, reason: null, path: file });
  } catch (e) {
    const err = e as Error & { stderr?: Buffer };
    const detail = err.stderr?.toString().split('\n')[0] || err.message.split('\n')[0];
    return (cached = { native: null, reason: `native build failed: ${detail}` });
  }
}
