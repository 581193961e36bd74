import type { Clock } from '../timing/clock.ts';
import { AuthenticationError } from './errors.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** ±5 minutes: wide enough for clocks a little apart and a queue a little behind, narrow enough to bound what is remembered. */
export const DEFAULT_REPLAY_WINDOW_MS = 300_000;

/**
 * Refuses a request whose timestamp is outside now ± window, or whose nonce the same requester
 * already used. A nonce needs remembering only while its timestamp is inside the window: a
 * message accepted at t carries a timestamp of at most t + window, which expires at t + 2 window.
 * So nonces live in two generations swapped every 2 windows, and a lookup checks both: memory is
 * bounded by the requests of the last 4 windows, with no per-entry timers or sweeps.
 *
 * Nonces are remembered in this process only: see docs/security.md on restarts.
 */
export class ReplayGuard {
  private readonly windowMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt: number;

  constructor(options: { readonly windowMs?: number; readonly clock: Pick<Clock, 'now'> }) {
    this.windowMs = options.windowMs ?? DEFAULT_REPLAY_WINDOW_MS;
    this.clock = options.clock;
    this.rotatedAt = this.clock.now();
  }

  /** Nonces remembered now. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /**
   * Checks the timestamp (RFC 3339) and the nonce, then runs `authentic` (the signature check, which
   * throws when it fails), then records the nonce. The cheap checks come first, so a flood of stale
   * or replayed messages costs no signature verification; the nonce is recorded only for a message
   * that proved itself, so a forgery cannot spend a requester's nonce.
   * @throws REQUEST_EXPIRED, REQUEST_REPLAYED, or what `authentic` throws
   */
  admit(requesterId: string, timestamp: string, nonce: string, authentic: () => void = () => {}): void {
    const now = this.clock.now();
    // RFC 3339 with its offset: Date.parse alone takes other forms, and reads one without offset as local time.
    const at = RFC3339.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
    if (!Number.isFinite(at)) {
      throw new AuthenticationError('UNAUTHENTICATED', 'timestamp is not an RFC 3339 date-time', [
        { path: 'timestamp', message: 'expected an RFC 3339 date-time with offset' },
      ]);
    }
    if (Math.abs(now - at) > this.windowMs) {
      const seconds = Math.round((now - at) / 1000);
      throw new AuthenticationError(
        'REQUEST_EXPIRED',
        `timestamp is ${Math.abs(seconds)} s ${seconds > 0 ? 'old' : 'ahead'}; the window is ±${this.windowMs / 1000} s`,
        [{ path: 'timestamp', message: 'outside the accepted window: check the requester’s clock' }],
      );
    }
    this.rotate(now);
    const key = `${requesterId.toLowerCase()} ${nonce}`;
    if (this.current.has(key) || this.previous.has(key)) {
      throw new AuthenticationError('REQUEST_REPLAYED', 'this nonce was already used', [
        { path: 'nonce', message: 'already used: every request needs a new nonce' },
      ]);
    }
    authentic();
    this.current.add(key);
  }

  private rotate(now: number): void {
    const age = now - this.rotatedAt;
    if (age < 2 * this.windowMs) return;
    // Long idle: both generations are past their window.
    this.previous = age >= 4 * this.windowMs ? new Set() : this.current;
    this.current = new Set();
    this.rotatedAt = now;
  }
}
