import { InvalidArgumentError, type ValidationIssue } from '../errors.ts';
import type { JsonObject, JsonValue, TaskTarget } from '../scheduler/task.ts';
import type { ExecutionOutcome, Executor, RunContext } from './executor.ts';

/**
 * A function a task can call by name. Targets name functions rather than hold closures because a
 * name survives a restart: a task stored yesterday still finds `send-report` after a deploy.
 */
export type TaskFunction = (parameters: JsonObject, context: RunContext) => unknown;

/** A function target: `{ kind: 'function', name: 'send-report', parameters: { … } }`. */
export interface FunctionTarget extends TaskTarget {
  readonly kind: 'function';
  readonly name: string;
  readonly parameters?: JsonObject;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FunctionExecutor implements Executor {
  readonly kind = 'function';
  private readonly functions = new Map<string, TaskFunction>();

  /** Registers `fn` under `name`, replacing an earlier one. */
  register(name: string, fn: TaskFunction): void {
    if (!NAME.test(name)) {
      throw new InvalidArgumentError('invalid function name', [
        { path: 'name', message: `'${name}' must be 1-128 letters, digits or . _ : / - (not first)` },
      ]);
    }
    this.functions.set(name, fn);
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  validate(target: TaskTarget): readonly ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const { name, parameters } = target;
    const known = ['kind', 'name', 'parameters'];
    for (const key of Object.keys(target)) {
      if (!known.includes(key)) issues.push({ path: key, message: 'unknown field of a function target' });
    }
    if (typeof name !== 'string' || !NAME.test(name)) {
      issues.push({ path: 'name', message: 'expected the name of a registered function' });
    } else if (!this.functions.has(name)) {
      issues.push({ path: 'name', message: `no function named '${name}' is registered` });
    }
    if (parameters !== undefined && !isJsonObject(parameters)) {
      issues.push({ path: 'parameters', message: 'expected a JSON object' });
    }
    return issues;
  }

  async execute(target: TaskTarget, context: RunContext): Promise<ExecutionOutcome> {
    return this.runNow(target, context);
  }

  /**
   * execute() without its promise when the function returns a plain value: the Scheduler's
   * dispatcher calls this, so a burst of synchronous functions allocates no promise per run.
   * Returns a promise only when the function does (or returns a thenable).
   */
  runNow(target: TaskTarget, context: RunContext): ExecutionOutcome | Promise<ExecutionOutcome> {
    const fn = typeof target['name'] === 'string' ? this.functions.get(target['name']) : undefined;
    if (fn === undefined) {
      return { status: 'failed', content: null, error: `no function named '${String(target['name'])}' is registered` };
    }
    let value: unknown;
    try {
      value = fn(isJsonObject(target['parameters']) ? target['parameters'] : {}, context);
    } catch (error) {
      return thrown(error);
    }
    if (isThenable(value)) return Promise.resolve(value).then(returned, thrown);
    return returned(value);
  }
}

/** Most functions return nothing: their outcome is shared. */
const NOTHING: ExecutionOutcome = Object.freeze({ status: 'success', content: null, error: null });

function returned(value: unknown): ExecutionOutcome {
  return value === undefined ? NOTHING : { status: 'success', content: toContent(value), error: null };
}

// Retryable: a thrown error is usually transient (a database hiccup); the retry policy bounds it.
function thrown(error: unknown): ExecutionOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'failed', content: null, error: message, retryable: true };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A string is the content as is; anything else is JSON-encoded; undefined is no content. */
function toContent(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return String(value);
  }
}
