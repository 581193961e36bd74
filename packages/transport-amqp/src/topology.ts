import type { Channel } from 'amqplib';

/** The names of what the transport declares on the broker. */
export interface TopologyNames {
  readonly requestQueue: string;
  readonly deadLetterExchange: string;
  readonly deadLetterQueue: string;
  readonly resultExchange: string;
}

/**
 * Declares the request side: the dead-letter exchange and queue, then the request queue that
 * dead-letters to them. Every declaration is idempotent, so it runs on each (re)connect and
 * recreates whatever was deleted meanwhile. A queue that exists with other arguments makes the
 * broker refuse the declaration (406 PRECONDITION_FAILED) rather than change it.
 */
export async function declareRequestTopology(channel: Channel, names: TopologyNames): Promise<void> {
  // Fanout: a dead-lettered message keeps its original routing key, which we do not control.
  await channel.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.deadLetterQueue, { durable: true });
  await channel.bindQueue(names.deadLetterQueue, names.deadLetterExchange, '');
  await channel.assertQueue(names.requestQueue, { durable: true, deadLetterExchange: names.deadLetterExchange });
}

/** Declares the result side: the durable topic exchange (requesters bind their own queues to it). */
export async function declareResultTopology(channel: Channel, names: TopologyNames): Promise<void> {
  await channel.assertExchange(names.resultExchange, 'topic', { durable: true });
}
