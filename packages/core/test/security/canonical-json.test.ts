import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/scheduler/request-hash.ts';

/**
 * Signatures cover RFC 8785 (JCS) text, made by `canonicalJson`. Every client canonicalizes on its
 * own, so the text must be JCS exactly: checked here against the reference implementation.
 */
const jcs = (value: unknown): string => {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('not JSON');
  return text;
};

describe('canonicalJson is RFC 8785', () => {
  it('agrees with the reference `canonicalize` byte for byte on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(Buffer.from(canonicalJson(value))).toEqual(Buffer.from(jcs(value)));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees on JSON values with any Unicode in keys and strings, lone surrogates included', () => {
    for (const stringUnit of ['grapheme', 'binary'] as const) {
      fc.assert(
        fc.property(fc.jsonValue({ stringUnit }), (value) => {
          expect(canonicalJson(value)).toBe(jcs(value));
        }),
        { numRuns: 500 },
      );
    }
  });

  it('agrees on objects whose keys differ only past the BMP, and on any double', () => {
    const key = fc.string({ unit: 'binary', maxLength: 4 });
    fc.assert(
      fc.property(fc.dictionary(key, fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 12 }), (value) => {
        expect(canonicalJson(value)).toBe(jcs(value));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the forms RFC 8785 names', () => {
    const cases: [unknown, string][] = [
      [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
      // UTF-16 code units, not code points: U+1F600 is D83D DE00, before U+FF5E.
      [{ '～': 1, '😀': 2, é: 3, z: 4 }, '{"z":4,"é":3,"😀":2,"～":1}'],
      [
        [1, 1.5, 0, -0, 0.1, 1e21, 1e-7, 123456789012345680000, 2 ** 53],
        '[1,1.5,0,0,0.1,1e+21,1e-7,123456789012345680000,9007199254740992]',
      ],
      ['\u0001\b\t\n\f\r"\\\u001f\u2028é😀', '"\\u0001\\b\\t\\n\\f\\r\\"\\\\\\u001f\u2028é😀"'],
      [{ a: { d: [], c: {} } }, '{"a":{"c":{},"d":[]}}'],
      [null, 'null'],
      [true, 'true'],
    ];
    for (const [value, text] of cases) {
      expect(canonicalJson(value), text).toBe(text);
      expect(jcs(value), text).toBe(text);
    }
  });

  it('leaves out undefined members, as JSON text would', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe(jcs({ a: undefined, b: 1 }));
  });
});
