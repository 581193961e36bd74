import { it } from 'vitest';
import { MemoryTaskStore } from '../../src/index.ts';
import { taskStoreContract } from '../../src/testing/index.ts';

taskStoreContract(it, () => new MemoryTaskStore());
