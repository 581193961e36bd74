import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of workspace packages (the "source" export condition), so
    // `pnpm test` needs no build step and a stack trace points at src/.
    conditions: ['source'],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
