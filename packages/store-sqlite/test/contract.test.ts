import { taskStoreContract } from '@br-sdk/schedule/testing';
import { it } from 'vitest';
import { SqliteTaskStore } from '../src/index.ts';
import { useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();

// A real SQLite file per test, in a temp directory removed after the suite.
taskStoreContract(it, async () => new SqliteTaskStore({ path: tempDbPath() }));
