import { defineConfig } from 'vitest/config';

// The unit tests alone (no root, no shared machine state, seconds): what `npm run test:mutation`
// runs against each mutant. Not merged with vitest.config.ts: mergeConfig concatenates `include`,
// which would bring the root suites back.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 10_000,
    isolate: false,
    reporters: ['default'],
  },
});
