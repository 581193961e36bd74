import type { Clock } from '../timing/clock.ts';
import { RateLimitedError } from './errors.ts';
import { type RateLimit, TokenBuckets } from './token-bucket.ts';

export interface RateLimiterOptions {
  /** Per requester id; undefined: no limit. */
  readonly requester?: RateLimit;
  /** Per source address (the peer of an HTTP or WebSocket connection); undefined: no limit. */
  readonly source?: RateLimit;
  readonly clock: Pick<Clock, 'now'>;
}

/** Rate limits per requester and per source address, each a token bucket. Throws RateLimitedError. */
export class RateLimiter {
  private readonly requester: TokenBuckets | undefined;
  private readonly source: TokenBuckets | undefined;
  private readonly clock: Pick<Clock, 'now'>;

  constructor(options: RateLimiterOptions) {
    this.requester = options.requester && new TokenBuckets(options.requester);
    this.source = options.source && new TokenBuckets(options.source);
    this.clock = options.clock;
  }

  /** Checked before the signature: a flood from one address costs no verification. */
  admitSource(address: string | undefined): void {
    if (address === undefined || this.source === undefined) return;
    const wait = this.source.take(address, this.clock.now());
    if (wait > 0) throw new RateLimitedError('source', wait);
  }

  admitRequester(requesterId: string | undefined): void {
    if (requesterId === undefined || this.requester === undefined) return;
    const wait = this.requester.take(requesterId.toLowerCase(), this.clock.now());
    if (wait > 0) throw new RateLimitedError('requester', wait);
  }
}
