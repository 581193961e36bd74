import type { z } from 'zod';
import type { ValidationIssue } from './errors.ts';

/**
 * Turns zod's issues into {@link ValidationIssue}s with paths written as users read them
 * (`rules[2].cron`). A union whose branches are told apart by which key is present (`cron`,
 * `every`, …) is reported against the branch the input meant, not as "invalid input".
 */

export type PathSegment = PropertyKey;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The branches of the union at `path`, keyed by the property that selects each one. */
export type UnionBranches = (path: readonly PathSegment[]) => Readonly<Record<string, z.ZodType>> | undefined;

export function toValidationIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  branchesAt: UnionBranches = () => undefined,
  prefix: readonly PathSegment[] = [],
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // One issue per key, at the key: `policies.colour: unknown field`, not a message at the parent.
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown field' });
      continue;
    }
    const branches = issue.code === 'invalid_union' ? branchesAt(path) : undefined;
    if (branches === undefined) {
      out.push({ path: formatPath(path), message: issue.message });
      continue;
    }
    const value = valueAt(input, issue.path);
    const keys = Object.keys(branches);
    const present = isPlainObject(value) ? keys.filter((key) => key in value) : [];
    const branch = present.length === 1 ? branches[present[0] as string] : undefined;
    if (branch) {
      const result = branch.safeParse(value);
      if (!result.success) out.push(...toValidationIssues(result.error.issues, value, branchesAt, path));
      continue;
    }
    const message =
      present.length > 1
        ? `has ${present.join(' and ')}: exactly one of ${keys.join(', ')} is allowed`
        : `expected an object with one of: ${keys.join(', ')}`;
    out.push({ path: formatPath(path), message });
  }
  return out;
}
