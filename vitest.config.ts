import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources of workspace packages (the "source" export condition), so
// `pnpm test` needs no build step and a stack trace points at src/. Tests run in Vite's SSR
// environment, which reads `ssr.resolve.conditions`: `resolve.conditions` alone reaches only the
// client environment, and tests would silently import a stale dist/. Setting the list replaces
// Vite's defaults, so they are repeated after 'source' (Vite's defaultServerConditions).
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
