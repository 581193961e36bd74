import { readFileSync } from 'node:fs';
import { Scheduler } from '@br-sdk/schedule';
import { RequestHandler, replySchema } from '@br-sdk/schedule/contract';
import { FakeClock } from '@br-sdk/schedule/testing';
import { HttpExecutor } from '@br-sdk/schedule-executor-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The cross-language test vectors (spec/vectors/requests.json), run through the server's own
 * RequestHandler with the real HTTP executor: what the connectors are checked against is what the
 * server does.
 */

interface Vector {
  readonly name: string;
  readonly message: unknown;
  readonly expect: {
    readonly ok: boolean;
    readonly op?: string;
    readonly code?: string;
    readonly paths?: string[];
    readonly fires?: string[];
  };
}
const vectors = JSON.parse(readFileSync(new URL('../../../spec/vectors/requests.json', import.meta.url), 'utf8')) as {
  cases: Vector[];
};

describe('spec/vectors/requests.json', () => {
  const executor = new HttpExecutor();
  const scheduler = new Scheduler({ clock: new FakeClock('2026-11-22T00:00:00Z'), executors: [executor] });
  const handler = new RequestHandler(scheduler);
  beforeAll(() => scheduler.start());
  afterAll(async () => {
    await scheduler.stop();
    await executor.close();
  });

  it('has cases of every kind', () => {
    expect(vectors.cases.filter((c) => c.expect.ok).length).toBeGreaterThan(3);
    expect(new Set(vectors.cases.map((c) => c.expect.code)).size).toBeGreaterThan(4);
  });

  for (const vector of vectors.cases) {
    it(vector.name, async () => {
      const reply = await handler.handle(vector.message);
      expect(replySchema.safeParse(reply).success).toBe(true);
      if (vector.expect.ok) {
        expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, op: vector.expect.op });
        if (vector.expect.fires) expect(reply).toMatchObject({ fires: vector.expect.fires });
        return;
      }
      if (reply.ok) throw new Error(`accepted: ${JSON.stringify(reply)}`);
      expect(reply.error.code).toBe(vector.expect.code);
      expect(reply.error.issues.map((i) => i.path).sort()).toEqual([...(vector.expect.paths ?? [])].sort());
    });
  }
});
