// Vitest config of the Juju integration suite (`npm run test:juju`): only tests/juju/*.juju.ts,
// which the root config (tests/**/*.test.ts) never picks up, one file at a time, in order.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/juju/**/*.juju.ts'],
    fileParallelism: false,
    sequence: { shuffle: false, concurrent: false },
    // Per-test timeouts are set in the suite; these bound anything that forgets to.
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    reporters: ['default'],
  },
});
