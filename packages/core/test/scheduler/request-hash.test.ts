import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashRequest } from '../../src/scheduler/request-hash.ts';

/** The first implementation: stored tasks hold hashes made with it, so the text must not change. */
function referenceCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceCanonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${referenceCanonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('hashRequest', () => {
  it('gives the text and digest of the first implementation, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = referenceCanonicalJson(value);
        expect(canonicalJson(value)).toBe(text);
        expect(hashRequest(value)).toBe(createHash('sha256').update(text).digest('base64url'));
      }),
      { numRuns: 500 },
    );
  });

  it('ignores key order and undefined members', () => {
    expect(hashRequest({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      hashRequest({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
  });
});
