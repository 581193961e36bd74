/**
 * Every error core throws is a {@link SchedulerError} with a stable `code`. Codes are part of the
 * wire protocol (Python and C++ connectors map them), so they never change meaning once released.
 */
export const ERROR_CODES = [
  'SCHEDULE_INVALID',
  'SCHEDULE_SEARCH_LIMIT',
  'INVALID_ARGUMENT',
  'TASK_NOT_FOUND',
  'TASK_CONFLICT',
  'TASK_NOT_ACTIVE',
  'SCHEDULER_NOT_RUNNING',
  'STORE_FAILURE',
  'STORE_LOCKED',
  'STORE_SCHEMA_UNSUPPORTED',
  // Security (docs/security.md): who is asking, what they may do, how much.
  'UNAUTHENTICATED',
  'SIGNATURE_INVALID',
  'REQUEST_EXPIRED',
  'REQUEST_REPLAYED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'TARGET_FORBIDDEN',
  'MESSAGE_TOO_LARGE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with an input: where (`rules[2].cron`) and why (`minute 61 out of 0-59`). */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

const BRAND = Symbol.for('@br-sdk/schedule/SchedulerError');

interface ErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error thrown by `@br-sdk/schedule` and its adapters. */
export class SchedulerError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `instanceof` that also works when an app ends up with two copies of this package
   * (an adapter resolving its own core): the brand is a registered symbol, the class is matched by name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of `instanceof`.
    return isBrandedInstanceOf(value, this);
  }
}

function isBrandedInstanceOf(value: unknown, errorClass: abstract new (...args: never[]) => unknown): boolean {
  if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
  if (errorClass === SchedulerError) return true;
  for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === errorClass.name) return true;
  }
  return false;
}

function describeIssues(subject: string, issues: readonly ValidationIssue[]): string {
  const listed = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return `${subject}: ${listed}`;
}

/** A schedule that cannot be compiled: each issue names the field path and the reason. */
export class ScheduleValidationError extends SchedulerError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super('SCHEDULE_INVALID', describeIssues('invalid schedule', issues));
    this.issues = issues;
  }
}

/** Any other input (a task, an option, a query) that breaks a rule; issues name the fields. */
export class InvalidArgumentError extends SchedulerError {
  readonly issues: readonly ValidationIssue[];

  constructor(subject: string, issues: readonly ValidationIssue[]) {
    super('INVALID_ARGUMENT', describeIssues(subject, issues));
    this.issues = issues;
  }
}

/**
 * A well-formed target the scheduler will not call: a cloud metadata address, a name that resolves
 * to one, or a host outside the executor's allow-list. Issues name the field (`target.uri`).
 */
export class TargetForbiddenError extends SchedulerError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super('TARGET_FORBIDDEN', describeIssues('forbidden target', issues));
    this.issues = issues;
  }
}

/** The calendar search gave up after its bound: the schedule's fires are too sparse or all excluded. */
export class ScheduleSearchLimitError extends SchedulerError {
  constructor(message: string) {
    super('SCHEDULE_SEARCH_LIMIT', message);
  }
}

export class TaskNotFoundError extends SchedulerError {
  readonly taskId: string;

  constructor(taskId: string) {
    super('TASK_NOT_FOUND', `task ${taskId} not found`);
    this.taskId = taskId;
  }
}

/** A task id already names a different task (the same id with the same content is not a conflict). */
export class TaskConflictError extends SchedulerError {
  readonly taskId: string;

  constructor(taskId: string, reason: string) {
    super('TASK_CONFLICT', `task ${taskId}: ${reason}`);
    this.taskId = taskId;
  }
}

/** The operation needs a task in another state (resuming a cancelled task, say). */
export class TaskNotActiveError extends SchedulerError {
  constructor(taskId: string, state: string, operation: string) {
    super('TASK_NOT_ACTIVE', `cannot ${operation} task ${taskId}: it is ${state}`);
  }
}

export class SchedulerNotRunningError extends SchedulerError {
  constructor(operation: string) {
    super('SCHEDULER_NOT_RUNNING', `cannot ${operation}: the scheduler is stopped`);
  }
}

/** The codes a store reports: a failed read or write, a file another process holds, a schema too new. */
export type StoreErrorCode = 'STORE_FAILURE' | 'STORE_LOCKED' | 'STORE_SCHEMA_UNSUPPORTED';

/** A store failed to read or write; `cause` holds the driver's error. Nothing was acknowledged. */
export class StoreError extends SchedulerError {
  constructor(message: string, options?: ErrorOptions & { readonly code?: StoreErrorCode }) {
    super(options?.code ?? 'STORE_FAILURE', message, options);
  }
}

/** Type guard that works across package copies. */
export function isSchedulerError(value: unknown): value is SchedulerError {
  return value instanceof SchedulerError;
}
