import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/scheduler/ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('encodes the millisecond in the first 48 bits', () => {
    const id = uuidv7(0x123456789abc + 10_000_000);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(0x123456789abc + 10_000_000);
  });

  it('makes unique ids in increasing order, within one millisecond and across many', () => {
    const start = Date.now() + 20_000_000;
    const ids: string[] = [];
    // 20,000 ids over 4 ms: 5,000 per ms exhausts the 12-bit counter, which borrows the next ms.
    for (let i = 0; i < 20_000; i++) ids.push(uuidv7(start + Math.floor(i / 5000)));
    for (let i = 1; i < ids.length; i++) expect((ids[i - 1] as string) < (ids[i] as string)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('never goes back in time when the clock does', () => {
    const later = uuidv7(Date.now() + 30_000_000);
    expect(uuidv7(Date.now()) > later).toBe(true);
  });
});
