/** A bucket's settings: it refills `perSecond` tokens a second, up to `burst`. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

interface Bucket {
  /** Tokens × 1000: with whole ms and a whole rate, every sum below is exact in binary. */
  milli: number;
  at: number;
}

const ONE = 1000;

/** How many idle buckets may pile up before a sweep drops the full ones. */
const SWEEP_AT = 10_000;

/**
 * Token buckets by key (a requester id, a source address). A request takes one token; an empty
 * bucket answers how long until the next token. A full bucket holds no information, so sweeps
 * drop them: memory follows the keys active in the last `burst / perSecond` seconds.
 */
export class TokenBuckets {
  private readonly limit: RateLimit;
  private readonly buckets = new Map<string, Bucket>();
  private sweepAt = SWEEP_AT;

  constructor(limit: RateLimit) {
    this.limit = limit;
  }

  /** 0 when a token was taken; else the ms until one will be there. */
  take(key: string, now: number): number {
    const { perSecond, burst } = this.limit;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = { milli: burst * ONE, at: now };
      this.buckets.set(key, bucket);
    }
    const milli = this.milliAt(bucket, now);
    if (milli >= ONE) {
      bucket.milli = milli - ONE;
      bucket.at = now;
      return 0;
    }
    // A refused take leaves the bucket as it is, and the wait is the fewest whole ms after which
    // the very sum a later take() does gives a token: a client that waits exactly that long gets in
    // (a rate that is not a whole number is not exact in binary; the two loops settle it).
    let wait = Math.max(1, Math.ceil((ONE - milli) / perSecond));
    if (!Number.isFinite(wait)) return wait;
    while (this.milliAt(bucket, now + wait) < ONE) wait++;
    while (wait > 1 && this.milliAt(bucket, now + wait - 1) >= ONE) wait--;
    return wait;
  }

  private milliAt(bucket: Bucket, now: number): number {
    return Math.min(this.limit.burst * ONE, bucket.milli + (now - bucket.at) * this.limit.perSecond);
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.milliAt(bucket, now) >= this.limit.burst * ONE) this.buckets.delete(key);
    }
    // Many keys all active at once: sweep again only when the map has doubled.
    this.sweepAt = Math.max(SWEEP_AT, this.buckets.size * 2);
  }
}
