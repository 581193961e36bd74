import { WIRE_ERROR_CODES, wireJsonSchemas } from '@br-sdk/schedule/contract';
import { HTTP_PROBLEM_CODES, PROBLEM_CONTENT_TYPE } from './problem.ts';
import { openApiPath, REST_ROUTES, type RestRoute } from './routes.ts';
import { VERSION } from './version.ts';

/** A JSON Schema (2020-12, as OpenAPI 3.1 embeds it). */
export type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document this package writes. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, JsonSchema>>;
  readonly components: {
    readonly schemas: Record<string, JsonSchema>;
    readonly securitySchemes: Record<string, JsonSchema>;
  };
  readonly security: ReadonlyArray<Record<string, readonly string[]>>;
}

const REF_PREFIX = '#/components/schemas/';
const ref = (name: string): JsonSchema => ({ $ref: `${REF_PREFIX}${name}` });

/** A deep copy with every `#/$defs/X` reference turned into `#/components/schemas/X`. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof inner === 'string' ? inner.replace(/^#\/\$defs\//, REF_PREFIX) : rewriteRefs(inner);
  }
  return out;
}

function schemaOf(schemas: Record<string, JsonSchema>, name: string): JsonSchema {
  const schema = schemas[name];
  if (schema === undefined) throw new Error(`the contract has no schema ${name}`);
  return schema;
}

function property(schemas: Record<string, JsonSchema>, name: string, field: string): JsonSchema {
  const properties = schemaOf(schemas, name)['properties'] as Record<string, JsonSchema> | undefined;
  const schema = properties?.[field];
  if (schema === undefined) throw new Error(`the contract's ${name} has no field ${field}`);
  return schema;
}

/** A request schema of the contract without the fields an HTTP route sets itself. */
function bodyOf(schema: JsonSchema, omit: readonly string[], description: string): JsonSchema {
  const properties = { ...(schema['properties'] as Record<string, JsonSchema>) };
  for (const name of omit) delete properties[name];
  const required = ((schema['required'] as string[] | undefined) ?? []).filter((n) => !omit.includes(n));
  return { ...schema, properties, required, description };
}

const instant = { type: 'string', description: 'RFC 3339 UTC instant.' };

/** The schemas REST adds to the contract's: bodies, pages, problems, health. */
function restSchemas(wire: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return {
    CreateTaskBody: bodyOf(
      schemaOf(wire, 'CreateTaskRequest'),
      ['op', 'request_id'],
      'CreateTaskRequest without `op` and `request_id` (the route sets them).',
    ),
    UpdateTaskBody: bodyOf(
      schemaOf(wire, 'UpdateTaskRequest'),
      ['op', 'request_id', 'task_id'],
      'UpdateTaskRequest without `op`, `request_id` and `task_id` (the path holds it). Policies merge.',
    ),
    PreviewBody: bodyOf(schemaOf(wire, 'PreviewRequest'), ['op', 'request_id'], 'PreviewRequest without `op`.'),
    TaskPage: {
      type: 'object',
      properties: {
        tasks: { type: 'array', items: ref('Task') },
        next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last.' },
      },
      required: ['tasks', 'next_cursor'],
    },
    RunPage: {
      type: 'object',
      properties: {
        runs: { type: 'array', items: ref('RunResult'), description: 'Newest first.' },
        next_cursor: { type: ['string', 'null'] },
      },
      required: ['runs', 'next_cursor'],
    },
    TriggerResult: {
      type: 'object',
      properties: { run_id: { type: 'string', description: 'The run started.' }, task: ref('Task') },
      required: ['run_id', 'task'],
    },
    PreviewResult: {
      type: 'object',
      properties: { fires: { type: 'array', items: instant } },
      required: ['fires'],
    },
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details, with a stable `code` and the bad fields in `issues`.',
      properties: {
        type: { type: 'string', format: 'uri', description: 'https://br-sdk.dev/problems/<code, lower case, dashed>' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        code: { type: 'string', enum: [...WIRE_ERROR_CODES, ...HTTP_PROBLEM_CODES] },
        issues: {
          type: 'array',
          items: {
            type: 'object',
            properties: { path: { type: 'string' }, message: { type: 'string' } },
            required: ['path', 'message'],
          },
        },
        instance: { type: 'string' },
        retry_after_ms: { type: 'integer', description: 'RATE_LIMITED: ms until the request would be taken.' },
      },
      required: ['type', 'title', 'status', 'detail', 'code', 'issues'],
    },
    SchedulerKey: {
      type: 'object',
      description: 'The public half of the key the scheduler signs results with (docs/security.md).',
      properties: {
        algorithm: { const: 'ed25519' },
        public_key_pem: { type: 'string', description: 'SPKI PEM.' },
        public_key: { type: 'string', description: 'The raw 32 bytes, base64.' },
      },
      required: ['algorithm', 'public_key_pem', 'public_key'],
    },
    Health: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] },
    Readiness: {
      type: 'object',
      properties: {
        status: { const: 'ready' },
        checks: { type: 'object', additionalProperties: { type: 'boolean' } },
      },
      required: ['status', 'checks'],
    },
  };
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const problemContent = { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } };

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: INVALID_ARGUMENT, SCHEDULE_INVALID, MALFORMED_MESSAGE; `issues` name the fields.',
  401: 'UNAUTHENTICATED, SIGNATURE_INVALID, REQUEST_EXPIRED or REQUEST_REPLAYED: see docs/security.md.',
  403: 'FORBIDDEN (a task for another requester) or TARGET_FORBIDDEN (the uri is outside the allow-list).',
  429: 'RATE_LIMITED: retry after the Retry-After header (seconds).',
  404: 'TASK_NOT_FOUND (also when `requester_id` is given and the task is another requester’s).',
  409: 'TASK_CONFLICT (the id or Idempotency-Key names a different task) or TASK_NOT_ACTIVE.',
  413: 'MESSAGE_TOO_LARGE: the body is over the limit (1 MiB by default).',
  415: 'UNSUPPORTED_MEDIA_TYPE: bodies are application/json.',
  422: 'SCHEDULE_SEARCH_LIMIT: the schedule is valid but its fires cannot be found.',
  500: 'INTERNAL.',
  503: 'SCHEDULER_NOT_RUNNING or STORE_*: retry later.',
};

function errorResponses(statuses: readonly number[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const status of [...new Set([400, 401, 429, ...statuses, 500, 503])].sort()) {
    out[String(status)] = { description: ERROR_DESCRIPTIONS[status] ?? 'Error.', content: problemContent };
  }
  return out;
}

function restOperation(route: RestRoute, wire: Record<string, JsonSchema>): JsonSchema {
  const parameters: JsonSchema[] = [];
  if (route.path.includes(':id')) {
    parameters.push({
      name: 'id',
      in: 'path',
      required: true,
      description: 'The task id (reported as `task_id` in problems).',
      schema: property(wire, 'GetTaskRequest', 'task_id'),
    });
  }
  const queryFrom = route.op === 'runs' ? 'ListRunsRequest' : 'ListTasksRequest';
  for (const name of route.query) {
    if (name === 'status') {
      parameters.push({
        name,
        in: 'query',
        description: 'Repeat it or give a comma list: `status=active,paused`.',
        style: 'form',
        explode: true,
        schema: { type: 'array', items: statusItem(wire) },
      });
    } else {
      const from = name === 'requester_id' && route.op !== 'list' && route.op !== 'runs' ? 'GetTaskRequest' : queryFrom;
      parameters.push({ name, in: 'query', schema: property(wire, from, name) });
    }
  }
  if (route.op === 'create') {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      description: 'Makes a retry return the task the first attempt created (same requester and key → same id).',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(route.body === null ? {} : { requestBody: { required: true, content: json(ref(route.body)) } }),
    responses: {
      [String(route.status)]: { description: route.summary, content: json(ref(route.response)) },
      ...errorResponses(route.errors),
    },
  };
}

function statusItem(wire: Record<string, JsonSchema>): JsonSchema {
  const options = property(wire, 'ListTasksRequest', 'status')['anyOf'] as JsonSchema[];
  const single = options.find((o) => o['type'] === 'string');
  return single ?? { type: 'string' };
}

/** The routes that are not contract operations: health, metrics, this document, the WebSocket. */
function systemPaths(metrics: boolean): Record<string, Record<string, JsonSchema>> {
  const paths: Record<string, Record<string, JsonSchema>> = {
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Liveness: the process answers.',
        responses: { '200': { description: 'Alive.', content: json(ref('Health')) } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readiness',
        summary: 'Readiness: the scheduler runs and every readiness check passes.',
        responses: {
          '200': { description: 'Ready.', content: json(ref('Readiness')) },
          '503': {
            description: 'NOT_READY: `checks` gives each check, `failed` the names of those that failed.',
            content: problemContent,
          },
        },
      },
    },
    '/v1/keys/scheduler': {
      get: {
        operationId: 'schedulerKey',
        summary:
          'The public key results are signed with. Distribute it to clients out of band; fetched here it is trust on first use.',
        responses: {
          '200': { description: 'The key.', content: json(ref('SchedulerKey')) },
          '404': { description: 'ROUTE_NOT_FOUND: this server signs no results.', content: problemContent },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApi',
        summary: 'This document.',
        responses: { '200': { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) } },
      },
    },
    '/v1/ws': {
      get: {
        operationId: 'webSocket',
        summary: 'The WebSocket channel: contract requests and replies, result subscriptions with acks (docs/api.md).',
        responses: {
          '101': { description: 'Switched to the WebSocket protocol.' },
          '426': { description: 'UPGRADE_REQUIRED: a plain GET.', content: problemContent },
        },
      },
    },
  };
  if (metrics) {
    paths['/metrics'] = {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format).',
        responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    };
  }
  return paths;
}

/** Health, metrics, documents and keys need no signature (the WebSocket's messages carry their own). */
function unsigned(paths: Record<string, Record<string, JsonSchema>>): Record<string, Record<string, JsonSchema>> {
  return Object.fromEntries(
    Object.entries(paths).map(([path, operations]) => [
      path,
      Object.fromEntries(Object.entries(operations).map(([method, op]) => [method, { ...op, security: [] }])),
    ]),
  );
}

const SIGNATURE_HEADER_DOCS: ReadonlyArray<readonly [string, string, string]> = [
  ['requesterId', 'X-Br-Requester-Id', 'The requester (UUID) whose key signed the request.'],
  ['timestamp', 'X-Br-Timestamp', 'RFC 3339; refused outside now ± the window (5 min by default).'],
  ['nonce', 'X-Br-Nonce', '16-128 characters of A-Z a-z 0-9 _ -, never reused.'],
  [
    'signature',
    'X-Br-Signature',
    'base64 Ed25519 or HMAC-SHA256 over "br-schedule/http/v1", method, target, requester, timestamp, nonce and hex SHA-256 of the body, one per line (docs/security.md).',
  ],
];

/**
 * The OpenAPI 3.1 document of the HTTP API, made from the contract's JSON Schemas (the ones the
 * server validates with) and the route table (the one it routes with).
 */
export function buildOpenApiDocument(options: { readonly metrics: boolean }): OpenApiDocument {
  const wire = rewriteRefs(wireJsonSchemas()) as Record<string, JsonSchema>;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of REST_ROUTES) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: restOperation(route, wire) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'br-sdk schedule',
      version: VERSION,
      description:
        'Tasks that call an HTTP API on a calendar. Every operation is also a contract message over AMQP and ' +
        'WebSocket, validated and answered alike. Errors are application/problem+json with a stable `code`.',
    },
    paths: { ...paths, ...unsigned(systemPaths(options.metrics)) },
    components: {
      schemas: { ...wire, ...restSchemas(wire) },
      // Every /v1 operation is signed when authentication is on (the default of `br-schedule serve`).
      securitySchemes: Object.fromEntries(
        SIGNATURE_HEADER_DOCS.map(([name, header, description]) => [
          name,
          { type: 'apiKey', in: 'header', name: header, description },
        ]),
      ),
    },
    security: [Object.fromEntries(SIGNATURE_HEADER_DOCS.map(([name]) => [name, []]))],
  };
}
