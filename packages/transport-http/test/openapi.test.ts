import { Scheduler } from '@br-sdk/schedule';
import { RequestHandler } from '@br-sdk/schedule/contract';
import { describe, expect, it } from 'vitest';
import { resolveHttpServerOptions, WebSocketResultChannel, WS_PATH } from '../src/index.ts';
import { SchedulerMetrics } from '../src/metrics.ts';
import { REST_ROUTES } from '../src/routes.ts';
import { createApp } from '../src/server.ts';
import { startStack } from './helpers.ts';

/** Every `$ref` in the document. */
function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsOf(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') out.push(inner);
      else refsOf(inner, out);
    }
  }
  return out;
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document whose every $ref resolves to a component', async () => {
    const { api } = await startStack();
    const answer = await api('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    const doc = answer.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'br-sdk schedule', version: '0.1.0' });
    const refs = refsOf(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty([ref.slice('#/components/schemas/'.length)]);
    }
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
    for (const name of ['Task', 'RunResult', 'ResultMessage', 'CreateTaskRequest', 'Problem', 'CreateTaskBody']) {
      expect(doc.components.schemas).toHaveProperty([name]);
    }
    expect(doc.components.schemas.CreateTaskBody.properties).not.toHaveProperty('op');
    expect(doc.components.schemas.UpdateTaskBody.properties).not.toHaveProperty('task_id');
    expect(doc.components.schemas.Problem.properties.code.enum).toContain('TASK_NOT_FOUND');
  });

  it('lists every route the server registers, with bodies, parameters, success and problem responses', async () => {
    const { api } = await startStack();
    const doc = (await api('GET', '/openapi.json')).body;
    // The same app the transport serves, built apart to read the routes Fastify registered.
    const scheduler = new Scheduler();
    const options = resolveHttpServerOptions({ scheduler, resultChannel: new WebSocketResultChannel() });
    const metrics = new SchedulerMetrics(scheduler, { wsConnections: () => 0, wsPendingResults: () => 0 });
    const { app, routes } = createApp({
      options,
      gate: { accepting: true },
      handler: new RequestHandler(scheduler),
      metrics,
      openapi: '{}',
    });
    await app.ready();
    await app.close();
    const registered = routes.filter((r) => r.method !== 'HEAD');
    expect(registered.length).toBe(REST_ROUTES.length + 5);
    for (const route of registered) {
      const path = route.path.replace(/:([a-z]+)/g, '{$1}');
      expect(doc.paths[path], `${route.method} ${path}`).toHaveProperty([route.method.toLowerCase()]);
    }
    expect(doc.paths).toHaveProperty([WS_PATH]);

    const create = doc.paths['/v1/tasks'].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreateTaskBody',
    });
    expect(create.parameters.map((p: { name: string }) => p.name)).toEqual(['Idempotency-Key']);
    expect(create.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Task' });
    for (const status of ['400', '409', '413', '415', '422', '500', '503']) {
      expect(create.responses[status].content['application/problem+json'].schema).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
    const list = doc.paths['/v1/tasks'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(['requester_id', 'status', 'limit', 'cursor']);
    const get = doc.paths['/v1/tasks/{id}'].get;
    expect(get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(get.responses).toHaveProperty(['404']);
    for (const route of REST_ROUTES) {
      const operation = doc.paths[route.path.replace(':id', '{id}')][route.method.toLowerCase()];
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.responses).toHaveProperty([String(route.status)]);
    }
  });
});
