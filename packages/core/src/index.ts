/**
 * The public surface of @br-sdk/schedule. Everything not listed here is internal.
 */

export type { DeliveryRetry } from './delivery/outbox-relay.ts';
export type { ResultChannel } from './delivery/result-channel.ts';
export {
  ERROR_CODES,
  type ErrorCode,
  InvalidArgumentError,
  isSchedulerError,
  SchedulerError,
  SchedulerNotRunningError,
  ScheduleSearchLimitError,
  ScheduleValidationError,
  StoreError,
  type StoreErrorCode,
  TargetForbiddenError,
  TaskConflictError,
  TaskNotActiveError,
  TaskNotFoundError,
  type ValidationIssue,
} from './errors.ts';
export type { ExecutionOutcome, Executor, RunContext } from './executor/executor.ts';
export type { FunctionTarget, TaskFunction } from './executor/function-executor.ts';
export {
  at,
  between,
  cron,
  crontab,
  daily,
  every,
  monthly,
  ScheduleBuilder,
  union,
  type Weekday,
  weekly,
} from './schedule/builder.ts';
export {
  CompiledSchedule,
  type CompileOptions,
  compileSchedule,
  isCompiledSchedule,
  MAX_PREVIEW_COUNT,
} from './schedule/compile.ts';
export { formatInstant, parseInstant } from './schedule/instant.ts';
export {
  type AtRule,
  type BetweenExclusion,
  type CronRule,
  type Crontab,
  type CrontabRule,
  type EveryRule,
  type Exclusion,
  type Rule,
  type ScheduleInput,
  type ScheduleSpec,
  scheduleInputSchema,
  scheduleSpecSchema,
} from './schedule/schema.ts';
export type {
  DispatchEvent,
  MisfireEvent,
  SchedulerEventMap,
  SchedulerStats,
  TimerEvent,
} from './scheduler/events.ts';
export { MAX_CATCH_UP_RUNS } from './scheduler/misfire.ts';
export type { SchedulerOptions } from './scheduler/options.ts';
export { Scheduler } from './scheduler/scheduler.ts';
export {
  DEFAULT_POLICIES,
  type InFlightRun,
  type JsonObject,
  type JsonValue,
  type RunResult,
  type TaskInput,
  type TaskPatch,
  type TaskPolicies,
  type TaskPoliciesInput,
  type TaskRecord,
  type TaskStatus,
  type TaskTarget,
} from './scheduler/task.ts';
export { MemoryTaskStore } from './store/memory-store.ts';
export {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
  type OutboxEntry,
  type RunPage,
  type RunQuery,
  type TaskPage,
  type TaskQuery,
  type TaskStore,
} from './store/task-store.ts';
export {
  type Clock,
  createSystemClock,
  type SystemClockOptions,
  systemClock,
  type TimerHandle,
} from './timing/clock.ts';
