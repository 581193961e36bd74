import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

export default defineConfig({
  ...baseConfig,
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'contract/index': 'src/contract/index.ts',
    'security/index': 'src/security/index.ts',
  },
});
