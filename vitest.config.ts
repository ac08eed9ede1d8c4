import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests import the packages' TypeScript sources directly (no build step needed to test),
// through the same specifiers users write.
const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@frb\/layers\/node$/, replacement: src('frb-layers/src/node.ts') },
      { find: /^@frb\/layers$/, replacement: src('frb-layers/src/index.ts') },
      { find: /^@frb\/datasets$/, replacement: src('frb-datasets/src/index.ts') },
      { find: /^@frb\/models\/node$/, replacement: src('frb-models/src/node.ts') },
      { find: /^@frb\/models$/, replacement: src('frb-models/src/index.ts') },
      { find: /^@frb\/distill\/node$/, replacement: src('frb-distill/src/node.ts') },
      { find: /^@frb\/distill$/, replacement: src('frb-distill/src/index.ts') },
      { find: /^@frb\/bench$/, replacement: src('frb-bench/src/index.ts') },
      { find: /^@frb\/train$/, replacement: src('frb-train/src/index.ts') },
      { find: /^@frb\/cli$/, replacement: src('frb-cli/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
