/** One log method: structured fields first, then the message (pino's argument order). */
export type AmqpLogFn = (fields: Record<string, unknown>, message: string) => void;

/**
 * The logging the transport needs; a pino logger (or a child of one) fits as is. Fields use pino's
 * names where one exists (`err` for an error).
 */
export interface AmqpLogger {
  readonly debug: AmqpLogFn;
  readonly info: AmqpLogFn;
  readonly warn: AmqpLogFn;
  readonly error: AmqpLogFn;
}

const ignore: AmqpLogFn = () => {};

/** The default logger: discards everything. */
export const silentLogger: AmqpLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
