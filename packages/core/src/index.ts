/**
 * The public surface of @br-sdk/schedule. Everything not listed here is internal.
 */

export {
  type ErrorCode,
  InvalidArgumentError,
  isSchedulerError,
  SchedulerError,
  SchedulerNotRunningError,
  ScheduleSearchLimitError,
  ScheduleValidationError,
  StoreError,
  TargetUnsupportedError,
  TaskConflictError,
  TaskNotActiveError,
  TaskNotFoundError,
  type ValidationIssue,
} from './errors.ts';
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
export { formatInstant } from './schedule/instant.ts';
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
