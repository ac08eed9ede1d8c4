import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { sideEffectSources, sourceAliases } from '../../scripts/workspace.ts';

// The page imports the packages' TypeScript sources, as the tests do (no build of the packages needed), through
// their `browser` entries where a package has one (the packages' `exports`, read by scripts/workspace.ts).
const root = fileURLToPath(new URL('../..', import.meta.url));
const effects = sideEffectSources(root);
// Cross-origin isolation (SharedArrayBuffer), so the packed kernels and tfjs' wasm backend may use threads; the
// page loads nothing from other origins, so require-corp costs it nothing.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  resolve: { alias: sourceAliases(root, 'browser') },
  // The packages' `sideEffects` name built files; mark their sources the same, or the layer registrations go.
  plugins: [{ name: 'frb-source-side-effects', transform: (code, id) => (effects.has(id) ? { code, moduleSideEffects: true } : null) }],
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { headers: isolation },
  preview: { headers: isolation },
});
