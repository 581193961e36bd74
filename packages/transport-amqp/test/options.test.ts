import { describe, expect, it } from 'vitest';
import {
  AmqpOptionsError,
  AmqpTransport,
  type AmqpTransportOptions,
  resolveAmqpTransportOptions,
} from '../src/index.ts';
import { echo } from './support/transport.ts';

const minimal: AmqpTransportOptions = {
  url: 'amqp://guest:guest@127.0.0.1:5672',
  requestQueue: 'schedule.requests',
  resultExchange: 'schedule.results',
  handle: echo,
  toResultMessage: (r) => r,
};

describe('resolveAmqpTransportOptions', () => {
  it('fills the defaults', () => {
    expect(resolveAmqpTransportOptions(minimal)).toMatchObject({
      deadLetterQueue: 'schedule.requests.dead',
      deadLetterExchange: 'schedule.requests.dlx',
      prefetch: 256,
      channelName: 'amqp',
      connectionName: 'br-schedule',
      publishWaitMs: 2000,
      reconnect: { initialDelayMs: 100, maxDelayMs: 5000 },
    });
  });

  it('names every bad option', () => {
    const error = (() => {
      try {
        new AmqpTransport({
          ...minimal,
          url: 'http://localhost',
          requestQueue: '',
          resultExchange: 'amq.topic',
          prefetch: 0,
          publishWaitMs: -1,
          reconnect: { initialDelayMs: 1000, maxDelayMs: 10 },
          handle: undefined as never,
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AmqpOptionsError);
    expect(error).toMatchObject({ code: 'AMQP_INVALID_OPTIONS' });
    expect((error as AmqpOptionsError).issues.map((i) => i.path)).toEqual([
      'url',
      'requestQueue',
      'resultExchange',
      'prefetch',
      'publishWaitMs',
      'handle',
      'reconnect.maxDelayMs',
    ]);
  });

  it('refuses names over 255 bytes', () => {
    expect(() => resolveAmqpTransportOptions({ ...minimal, deadLetterQueue: 'é'.repeat(128) })).toThrow(
      /deadLetterQueue: expected at most 255 bytes, got 256/,
    );
  });
});
