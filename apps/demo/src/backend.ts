// Picks the tfjs backend for the page, unless the URL asks for one (?backend=wasm):
//   1. webgpu, on a hardware adapter: the float simulation on the GPU;
//   2. wasm: tfjs' wasm backend for the float layers, the packed 1-bit layers on the XNOR-popcount wasm kernels;
//   3. cpu: the same packed model on tfjs' plain-JS backend.
// webgl can be forced (?backend=webgl) but is not chosen on its own: on a hardware GPU webgpu is the better GPU
// path, and a software one is slower than wasm. A software WebGPU adapter (SwiftShader, llvmpipe, a fallback adapter)
// is skipped for wasm for the same reason. "Faster" is this rule, not a race: a hardware GPU's float convs are
// assumed to beat the single-threaded packed kernels (not measured here: this machine has no GPU). The wasm binaries are served by Vite as assets; tfjs picks the SIMD one
// when it can.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

// setWasmPaths wants all three binaries named, though the threaded one is never fetched (below).
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});
// tfjs' threaded wasm build starts its workers from its factory's source text, which a bundled page no longer has
// intact (its workers die with "ReferenceError: e is not defined" and the backend never finishes starting). So tfjs'
// float ops stay on one thread; on an isolated page the packed kernels' own pool (@frb/layers) has the threads.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

/** The automatic order; webgl is only forced. */
export const AUTO_ORDER = ['webgpu', 'wasm', 'cpu'] as const;
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

const SOFTWARE = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i;

/** The WebGL renderer string where the browser exposes it, else null. */
function webglRenderer(): string | null {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const r = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return typeof r === 'string' ? r : null;
  } catch {
    return null;
  }
}

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

/**
 * Whether WebGPU has a usable adapter here: null when it has a hardware one, else why not. Asked before tfjs
 * initialises its webgpu backend, whose factory fails (and tfjs logs a warning) when there is no adapter.
 */
async function webgpuProblem(allowSoftware: boolean): Promise<string | null> {
  const gpu = (navigator as { gpu?: { requestAdapter(o?: object): Promise<AdapterLike | null> } }).gpu;
  if (!gpu) return 'no WebGPU in this browser (or not a secure context)';
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return `requestAdapter failed: ${e instanceof Error ? e.message : e}`;
  }
  if (!adapter) return 'no WebGPU adapter';
  const info = adapter.info ?? {};
  const desc = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  if (!allowSoftware && (adapter.isFallbackAdapter || info.isFallbackAdapter || SOFTWARE.test(desc))) {
    return `software adapter '${desc || 'fallback'}', slower than wasm`;
  }
  return null;
}

/** Sets the best available backend (or `wanted`); returns its name and the ones that were skipped, with why. */
export async function pickBackend(wanted?: string | null): Promise<{ name: BackendName; skipped: string[] }> {
  if (wanted != null && !(BACKENDS as readonly string[]).includes(wanted)) {
    throw new Error(`?backend=${wanted} is not one of ${BACKENDS.join(', ')}`);
  }
  const order: readonly BackendName[] = wanted ? [wanted as BackendName] : AUTO_ORDER;
  const skipped: string[] = [];
  for (const name of order) {
    if (name === 'webgpu') {
      // Asking for an adapter where there is none makes Chromium log "No available adapters." (a console warning),
      // so the automatic choice first asks WebGL: no GPU renderer there (--disable-gpu, a blocklisted GPU) means
      // no hardware WebGPU adapter either in practice. ?backend=webgpu always asks.
      const gl = wanted ? null : webglRenderer();
      if (!wanted && (gl === null || SOFTWARE.test(gl))) {
        skipped.push(`webgpu: not tried, ${gl === null ? 'no WebGL either' : `WebGL renderer is software ('${gl}')`}`);
        continue;
      }
      const why = await webgpuProblem(wanted === 'webgpu');
      if (why) {
        skipped.push(`webgpu: ${why}`);
        continue;
      }
    }
    if (name === 'webgl' && !webglRenderer()) {
      skipped.push('webgl: no WebGL context');
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        // A backend can "initialise" without a usable device; a tiny op proves it works.
        const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
        const ok = (await probe.data())[0] === 3;
        probe.dispose();
        if (ok) return { name, skipped };
        skipped.push(`${name}: wrong result`);
      } else {
        skipped.push(`${name}: unavailable`);
      }
    } catch (e) {
      skipped.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
}

/** The model form a backend runs unless ?model= says otherwise: the GPUs run the float simulation. */
export function defaultForm(backend: BackendName): 'packed' | 'float' {
  return backend === 'webgpu' || backend === 'webgl' ? 'float' : 'packed';
}
