import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { sourceAliases } from '../../scripts/workspace.ts';

// The page imports the packages' TypeScript sources, as the tests do (no build of the packages needed), through
// their `browser` entries where a package has one (the packages' `exports`, read by scripts/workspace.ts).
const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  base: './',
  resolve: { alias: sourceAliases(root, 'browser') },
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 4096 },
});
