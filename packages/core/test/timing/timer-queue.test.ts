import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/testing/index.ts';
import { type Timed, TimerQueue } from '../../src/timing/timer-queue.ts';

class Item implements Timed {
  timerSeq = -1;
  readonly name: number;
  constructor(name: number) {
    this.name = name;
  }
}

/** What the queue must behave like: the live (item, at) pairs, popped by at, then by push order. */
class Model {
  private entries: { item: Item; at: number; order: number }[] = [];
  private order = 0;

  push(item: Item, at: number): void {
    this.remove(item);
    this.entries.push({ item, at, order: this.order++ });
  }

  remove(item: Item): void {
    this.entries = this.entries.filter((e) => e.item !== item);
  }

  popDue(now: number): Item | undefined {
    const due = this.entries.filter((e) => e.at <= now).sort((a, b) => a.at - b.at || a.order - b.order)[0];
    if (due !== undefined) this.remove(due.item);
    return due?.item;
  }

  get size(): number {
    return this.entries.length;
  }
}

type Op =
  | { kind: 'push'; item: number; at: number }
  | { kind: 'burst'; from: number; count: number; at: number }
  | { kind: 'remove'; item: number }
  | { kind: 'pop'; now: number };

// Few distinct instants, so that runs of pushes for one instant (and their interleavings with
// removals, moves and pops) are the common case.
const at = fc.integer({ min: 0, max: 5 });
const item = fc.integer({ min: 0, max: 15 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), item, at }),
  fc.record({ kind: fc.constant('burst' as const), from: item, count: fc.integer({ min: 1, max: 8 }), at }),
  fc.record({ kind: fc.constant('remove' as const), item }),
  // Popping often drains runs, so pushes for an instant whose run has just left the heap occur.
  { arbitrary: fc.record({ kind: fc.constant('pop' as const), now: at }), weight: 3 },
);

describe('TimerQueue', () => {
  it('pops due values by time, then in the order they were queued, with removals and moves (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const queue = new TimerQueue<Item>(new FakeClock(0), { onDue: () => {} });
        const model = new Model();
        const items = Array.from({ length: 16 }, (_, i) => new Item(i));
        const at = (i: number) => items[i % items.length] as Item;
        for (const o of ops) {
          if (o.kind === 'push') {
            queue.push(o.at, at(o.item));
            model.push(at(o.item), o.at);
          } else if (o.kind === 'burst') {
            for (let i = o.from; i < o.from + o.count; i++) {
              queue.push(o.at, at(i));
              model.push(at(i), o.at);
            }
          } else if (o.kind === 'remove') {
            queue.remove(at(o.item));
            model.remove(at(o.item));
          } else {
            expect(queue.popDue(o.now)?.name).toBe(model.popDue(o.now)?.name);
          }
          expect(queue.size).toBe(model.size);
        }
        // Drain: everything left comes out in the model's order.
        for (let popped = model.popDue(Infinity); popped !== undefined; popped = model.popDue(Infinity)) {
          expect(queue.popDue(Infinity)?.name).toBe(popped.name);
        }
        expect(queue.popDue(Infinity)).toBeUndefined();
        expect(queue.size).toBe(0);
      }),
      { numRuns: 500, seed: 20261122 },
    );
  });

  it('queues a value for an instant whose run of values has just been drained', () => {
    const queue = new TimerQueue<Item>(new FakeClock(0), { onDue: () => {} });
    for (let i = 0; i < 3; i++) queue.push(100, new Item(i));
    expect([queue.popDue(100), queue.popDue(100), queue.popDue(100)].map((v) => v?.name)).toEqual([0, 1, 2]);
    queue.push(100, new Item(3));
    expect(queue.popDue(100)?.name).toBe(3);
    expect(queue.size).toBe(0);
  });

  it('fires a burst of values due at one instant in the order they were queued', () => {
    const queue = new TimerQueue<Item>(new FakeClock(0), { onDue: () => {} });
    const burst = Array.from({ length: 1000 }, (_, i) => new Item(i));
    for (const value of burst) queue.push(100, value);
    queue.push(50, new Item(-1));
    expect(queue.popDue(99)?.name).toBe(-1);
    expect(queue.popDue(99)).toBeUndefined();
    const order: number[] = [];
    for (let value = queue.popDue(100); value !== undefined; value = queue.popDue(100)) order.push(value.name);
    expect(order).toEqual(burst.map((b) => b.name));
  });
});
