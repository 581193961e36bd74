import { wireJsonSchemas } from '@br-sdk/schedule/contract';

/** Where the AMQP channel lives: the names `br-schedule serve` declares (see docs/configuration.md). */
export interface AmqpTopology {
  readonly requestQueue: string;
  readonly resultExchange: string;
}

/** JSON Schema `$defs` references, moved to where AsyncAPI keeps schemas. */
function componentRefs(schemas: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schemas).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<
    string,
    unknown
  >;
}

/**
 * The AsyncAPI 3 document of the AMQP channel: requests in, replies to `reply_to`, results out on
 * the topic exchange by requester. Its message payloads are the wire schemas the server validates
 * with (`wireJsonSchemas()`), so the document cannot drift from the code.
 */
export function asyncApiDocument(topology: AmqpTopology, version: string): Record<string, unknown> {
  const deadLetterQueue = `${topology.requestQueue}.dead`;
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'br-sdk schedule: AMQP channel',
      version,
      description: [
        'Services hand tasks to the scheduler by publishing request messages to a durable queue and',
        'receive their results on a durable topic exchange, routed by their requester id. A request is',
        'acknowledged to the broker only once its task is durable; a result leaves the outbox only on',
        'a publisher confirm. Malformed or refused requests get an error reply and go to the dead-letter',
        'queue. See docs/api.md for the operations and docs/execution.md for the delivery guarantee.',
        'With authentication on (the default), every request carries `requester_id`, `timestamp`, `nonce`',
        'and `requester_signature` (Ed25519 or HMAC-SHA256 over its RFC 8785 form), acts only on its',
        "requester's tasks, and every result carries the scheduler's Ed25519 `scheduler_signature`:",
        'docs/security.md gives the exact bytes, spec/vectors/signing.json worked examples.',
      ].join(' '),
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:5672',
        protocol: 'amqp',
        protocolVersion: '0-9-1',
        description: 'The broker next to the scheduler (SCHEDULER_AMQP_URL).',
      },
    },
    channels: {
      requests: {
        address: topology.requestQueue,
        title: 'Requests',
        description:
          'Publish to the default exchange with this queue name as routing key. Set `reply_to` (a queue, or `amq.rabbitmq.reply-to`) and `correlation_id` to get a reply; set `message_id` so a redelivered or re-sent message finds the task it created instead of making another.',
        messages: { request: { $ref: '#/components/messages/request' } },
        bindings: {
          amqp: {
            is: 'queue',
            queue: { name: topology.requestQueue, durable: true, exclusive: false, autoDelete: false },
            bindingVersion: '0.3.0',
          },
        },
      },
      replies: {
        address: null,
        title: 'Replies',
        description: "Each request's reply, sent to its `reply_to` with its `correlation_id`.",
        messages: { reply: { $ref: '#/components/messages/reply' } },
      },
      results: {
        address: '{requester_id}',
        title: 'Results',
        description: `Persistent, mandatory messages on the durable topic exchange \`${topology.resultExchange}\`, routing key = the requester id, for tasks created over AMQP or REST. Bind a durable queue of yours with your requester id: until one is bound the broker returns the results and they wait in the scheduler's outbox, delivered again with backoff (up to a minute apart). Delivery is at least once: de-duplicate by \`run_id\` (also the AMQP \`message_id\`).`,
        parameters: { requester_id: { description: 'The requester_id the task was created with (a UUID).' } },
        messages: { result: { $ref: '#/components/messages/result' } },
        bindings: {
          amqp: {
            is: 'routingKey',
            exchange: { name: topology.resultExchange, type: 'topic', durable: true, autoDelete: false },
            bindingVersion: '0.3.0',
          },
        },
      },
      deadLetters: {
        address: deadLetterQueue,
        title: 'Dead letters',
        description: `Requests that were malformed or refused, as they arrived, with RabbitMQ's \`x-death\` header. Inspect, fix and re-publish them; nothing is retried automatically.`,
        messages: { request: { $ref: '#/components/messages/deadLetter' } },
        bindings: {
          amqp: {
            is: 'queue',
            queue: { name: deadLetterQueue, durable: true, exclusive: false, autoDelete: false },
            bindingVersion: '0.3.0',
          },
        },
      },
    },
    operations: {
      submitRequest: {
        action: 'receive',
        channel: { $ref: '#/channels/requests' },
        summary: 'The scheduler consumes a request and answers it.',
        reply: {
          address: { location: '$message.header#/reply_to' },
          channel: { $ref: '#/channels/replies' },
          messages: [{ $ref: '#/channels/replies/messages/reply' }],
        },
      },
      publishResult: {
        action: 'send',
        channel: { $ref: '#/channels/results' },
        summary: "The scheduler publishes each run's result to its requester.",
      },
      deadLetterRequest: {
        action: 'send',
        channel: { $ref: '#/channels/deadLetters' },
        summary: 'A malformed or refused request goes to the dead-letter queue.',
      },
    },
    components: {
      messages: {
        request: {
          name: 'RequestMessage',
          title: 'A request',
          summary: '`op` selects the operation; without `op` the message creates a task (the original contract).',
          correlationId: { location: '$message.header#/correlation_id' },
          payload: { $ref: '#/components/schemas/RequestMessage' },
        },
        reply: {
          name: 'Reply',
          correlationId: { location: '$message.header#/correlation_id' },
          payload: { $ref: '#/components/schemas/Reply' },
        },
        result: { name: 'ResultMessage', payload: { $ref: '#/components/schemas/ResultMessage' } },
        deadLetter: { name: 'DeadLetter', summary: 'The refused request, unchanged.', payload: {} },
      },
      schemas: componentRefs(wireJsonSchemas()),
    },
  };
}
