import type { Options } from 'tsup';

/** Shared by every package's tsup.config.ts, so a later switch of bundler touches one file. */
export const baseConfig: Options = {
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
};
