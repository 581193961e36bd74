/**
 * The public surface of @br-sdk/schedule-amqp. Everything not listed here is internal.
 */

export { AmqpTransport, type AmqpTransportEvents } from './amqp-transport.ts';
export type { AmqpErrorReply } from './error-replies.ts';
export {
  type AmqpErrorCode,
  AmqpNotConnectedError,
  type AmqpOptionIssue,
  AmqpOptionsError,
  AmqpPublishError,
  AmqpTransportError,
  AmqpUnroutableError,
} from './errors.ts';
export type { AmqpLogFn, AmqpLogger } from './logger.ts';
export {
  type AmqpReconnectOptions,
  type AmqpTransportOptions,
  type ResolvedAmqpTransportOptions,
  resolveAmqpTransportOptions,
} from './options.ts';
export type { AmqpReply, AmqpRequest } from './request.ts';
