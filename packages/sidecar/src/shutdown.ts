import type { Logger } from './logger.ts';

/** Where signals come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownOptions {
  /** How long the handler has to let runs finish (it passes this on, e.g. to `scheduler.stop`). */
  readonly timeoutMs: number;
  readonly logger: Pick<Logger, 'info' | 'error'>;
  /** Past `timeoutMs`, how long flushing and closing may take before exit is forced; default 5,000. */
  readonly graceMs?: number;
  /** Default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Default `process`. */
  readonly signals?: SignalSource;
}

export interface ShutdownHandle {
  /** True once a signal (or {@link ShutdownHandle.trigger}) has started the shutdown. */
  readonly started: boolean;
  /** Starts the shutdown as a signal would (a fatal error, a test); later calls are ignored. */
  trigger(reason: string): void;
  /** Stops listening for the signals, and cancels a pending forced exit. */
  dispose(): void;
}

/**
 * Graceful shutdown on the first of `signals`: runs `handler` once (stop taking requests, let runs
 * in flight finish within `timeoutMs`, flush, close), then exits 0, or 1 if the handler throws.
 * A second signal, or the handler still running `timeoutMs + graceMs` after the first, forces
 * exit 1: an operator pressing Ctrl-C twice, or an orchestrator's deadline, always wins.
 */
export function onShutdown(
  signals: readonly NodeJS.Signals[],
  handler: (reason: string) => Promise<void>,
  options: ShutdownOptions,
): ShutdownHandle {
  const {
    timeoutMs,
    logger,
    graceMs = 5_000,
    exit = (code) => process.exit(code),
    signals: source = process,
  } = options;
  let state: 'waiting' | 'stopping' | 'done' = 'waiting';
  let deadline: NodeJS.Timeout | undefined;

  const finish = (code: number) => {
    if (state === 'done') return;
    state = 'done';
    clearTimeout(deadline);
    exit(code);
  };

  const start = (reason: string) => {
    if (state === 'done') return;
    if (state === 'stopping') {
      logger.error({ reason }, 'shutdown: second signal, forcing exit');
      finish(1);
      return;
    }
    state = 'stopping';
    const forceAfterMs = timeoutMs + graceMs;
    logger.info({ reason, timeoutMs }, 'shutdown: stopping (a second signal forces exit)');
    deadline = setTimeout(() => {
      logger.error({ afterMs: forceAfterMs }, 'shutdown: deadline passed, forcing exit');
      finish(1);
    }, forceAfterMs);
    // Any throw, synchronous or not, becomes a rejection handled below.
    void Promise.resolve()
      .then(() => handler(reason))
      .then(
        () => {
          if (state !== 'stopping') return;
          logger.info({ reason }, 'shutdown: complete');
          finish(0);
        },
        (error: unknown) => {
          if (state !== 'stopping') return;
          logger.error({ err: error }, 'shutdown: failed');
          finish(1);
        },
      );
  };

  const listener = (signal: NodeJS.Signals) => start(signal);
  for (const signal of signals) source.on(signal, listener);

  return {
    get started() {
      return state !== 'waiting';
    },
    trigger: (reason) => {
      if (state === 'waiting') start(reason);
    },
    dispose: () => {
      for (const signal of signals) source.off(signal, listener);
      clearTimeout(deadline);
    },
  };
}
