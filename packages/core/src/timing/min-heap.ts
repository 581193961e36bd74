/**
 * A binary min-heap ordered by `at`, ties broken by insertion order so that tasks due at the same
 * instant fire in the order they were planned. Removal is lazy: callers mark an entry `removed`
 * and it is discarded when it reaches the top, which keeps every operation O(log n).
 */
export interface HeapEntry<T> {
  readonly at: number;
  readonly seq: number;
  readonly value: T;
  removed: boolean;
}

export class MinHeap<T> {
  private readonly items: HeapEntry<T>[] = [];
  private nextSeq = 0;
  private live = 0;

  /** Entries not marked removed. */
  get size(): number {
    return this.live;
  }

  push(at: number, value: T): HeapEntry<T> {
    const entry: HeapEntry<T> = { at, seq: this.nextSeq++, value, removed: false };
    this.items.push(entry);
    this.siftUp(this.items.length - 1);
    this.live++;
    return entry;
  }

  remove(entry: HeapEntry<T>): void {
    if (entry.removed) return;
    entry.removed = true;
    this.live--;
  }

  /** The earliest live entry, or undefined. */
  peek(): HeapEntry<T> | undefined {
    this.dropRemoved();
    return this.items[0];
  }

  /** Removes and returns the earliest live entry, or undefined. */
  pop(): HeapEntry<T> | undefined {
    this.dropRemoved();
    const top = this.items[0];
    if (top === undefined) return undefined;
    this.removeTop();
    top.removed = true;
    this.live--;
    return top;
  }

  private dropRemoved(): void {
    while (this.items.length > 0 && (this.items[0] as HeapEntry<T>).removed) this.removeTop();
  }

  private removeTop(): void {
    const last = this.items.pop() as HeapEntry<T>;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
  }

  private less(a: HeapEntry<T>, b: HeapEntry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private siftUp(index: number): void {
    const items = this.items;
    const entry = items[index] as HeapEntry<T>;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as HeapEntry<T>;
      if (!this.less(entry, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  private siftDown(index: number): void {
    const items = this.items;
    const n = items.length;
    const entry = items[index] as HeapEntry<T>;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(items[right] as HeapEntry<T>, items[left] as HeapEntry<T>) ? right : left;
      const c = items[child] as HeapEntry<T>;
      if (!this.less(c, entry)) break;
      items[i] = c;
      i = child;
    }
    items[i] = entry;
  }
}
