/**
 * The public surface of @br-sdk/schedule-executor-http. Everything not listed here is internal.
 */
export { allowListIssues } from './allow-list.ts';
export { HttpExecutor } from './http-executor.ts';
export {
  DEFAULT_TIMEOUT_MS,
  HTTP_METHODS,
  type HttpMethod,
  type HttpTarget,
  MAX_TIMEOUT_MS,
  validateHttpTarget,
} from './http-target.ts';
export {
  DEFAULT_CONNECTIONS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONTENT_BYTES,
  DEFAULT_USER_AGENT,
  type HttpExecutorOptions,
  MAX_CONTENT_BYTES_LIMIT,
  type ResolvedHttpExecutorOptions,
  resolveHttpExecutorOptions,
} from './options.ts';
export {
  type HostLookup,
  systemLookup,
  TargetGuard,
  type TargetGuardOptions,
  TargetRefusedError,
} from './target-guard.ts';
export { VERSION } from './version.ts';
