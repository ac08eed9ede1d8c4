import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { sourceAliases } from './scripts/workspace.ts';

// Tests import the packages' TypeScript sources directly (no build step needed to test), through the same
// specifiers users write; the map comes from the packages' `exports` (scripts/workspace.ts).
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: { alias: sourceAliases(root) },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
