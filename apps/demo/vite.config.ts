import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The page imports the packages' TypeScript sources, as the tests do (no build of the packages needed).
const src = (p: string) => fileURLToPath(new URL(`../../packages/${p}`, import.meta.url));

export default defineConfig({
  base: './',
  resolve: {
    alias: [
      { find: /^@frb\/layers$/, replacement: src('frb-layers/src/index.ts') },
      { find: /^@frb\/models$/, replacement: src('frb-models/src/index.ts') },
    ],
  },
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 4096 },
});
