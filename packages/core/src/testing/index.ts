/**
 * Test helpers for code that uses @br-sdk/schedule, and the contract suites adapters must pass.
 */
export { FakeClock } from './fake-clock.ts';
export { sampleRunResult, sampleTaskRecord } from './samples.ts';
export { type TestRegistrar, taskStoreContract } from './task-store-contract.ts';
