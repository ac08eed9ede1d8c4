// Picks the tfjs backend for the page: the first of webgl, wasm, cpu that initialises here, unless the URL asks
// for one (?backend=wasm). The wasm binaries are served by Vite as assets; tfjs picks the SIMD one when it can
// (the threaded build needs cross-origin isolation, which a static page does not have).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

export const BACKEND_ORDER = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software/i;

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

/** Sets the best available backend (or `wanted`); returns its name and the ones that failed, with why. */
export async function pickBackend(wanted?: string | null): Promise<{ name: string; skipped: string[] }> {
  if (wanted != null && !(BACKEND_ORDER as readonly string[]).includes(wanted)) {
    throw new Error(`backend '${wanted}' is not one of ${BACKEND_ORDER.join(', ')}`);
  }
  const order = wanted ? [wanted] : [...BACKEND_ORDER];
  const skipped: string[] = [];
  for (const name of order) {
    if (name === 'webgl' && !wanted) {
      // A software WebGL (Chromium's SwiftShader with --disable-gpu, Mesa's llvmpipe) runs the model several
      // times slower than wasm SIMD; "best available" then means wasm. ?backend=webgl still forces it.
      const renderer = webglRenderer();
      if (renderer && SOFTWARE_GL.test(renderer)) {
        console.info(`FRB demo: webgl skipped, software renderer '${renderer}'`);
        skipped.push('webgl: software renderer, slower than wasm');
        continue;
      }
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        // webgl can "initialise" without a usable context (e.g. --disable-gpu); a tiny op proves it works.
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
