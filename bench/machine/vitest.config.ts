import { defineConfig } from 'vitest/config';

// `npm run bench:machine`: only the machine bench (not part of `npm test`).
export default defineConfig({
  test: {
    include: ['bench/machine/*.bench.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
