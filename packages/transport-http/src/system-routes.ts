import type { Scheduler } from '@br-sdk/schedule';
import type { PublishedKey } from '@br-sdk/schedule/security';
import type { FastifyInstance } from 'fastify';
import type { SchedulerMetrics } from './metrics.ts';
import type { ReadinessCheck } from './options.ts';
import { problem } from './problem.ts';
import { pathOf, sendProblem } from './send-problem.ts';
import type { Gate } from './server.ts';

export interface SystemRoutesContext {
  readonly scheduler: Scheduler;
  readonly gate: Gate;
  readonly readiness: ReadinessCheck | null;
  readonly metrics: SchedulerMetrics | null;
  /** The OpenAPI document, serialized once at start. */
  readonly openapi: string;
  readonly wsPath: string;
  /** The scheduler's published result-signing key; undefined when results are not signed. */
  readonly schedulerKey: PublishedKey | undefined;
}

/**
 * Every check's outcome: `scheduler` (running), `accepting` (false once the transport stops taking
 * requests) and the extra ones; a check that throws fails as `readiness`.
 */
async function readinessChecks(context: SystemRoutesContext): Promise<Record<string, boolean>> {
  const checks: Record<string, boolean> = { scheduler: context.scheduler.running, accepting: context.gate.accepting };
  if (context.readiness) {
    try {
      for (const [name, ok] of Object.entries(await context.readiness())) checks[name] = ok === true;
    } catch {
      checks['readiness'] = false;
    }
  }
  return checks;
}

/** Health, readiness, metrics, the OpenAPI document, and the answer to a WebSocket URL fetched without upgrading. */
export function registerSystemRoutes(app: FastifyInstance, context: SystemRoutesContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    const checks = await readinessChecks(context);
    const failed = Object.keys(checks).filter((name) => !checks[name]);
    if (failed.length === 0) return { status: 'ready', checks };
    const answer = problem('NOT_READY', `not ready: ${failed.join(', ')}`, [], pathOf(request.url));
    // RFC 9457 extension members: which checks ran, and which failed.
    const withChecks = { ...answer, checks, failed };
    return sendProblem(reply, withChecks);
  });

  const { metrics } = context;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).send(body);
    });
  }

  const { schedulerKey } = context;
  if (schedulerKey) app.get('/v1/keys/scheduler', async () => schedulerKey);

  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(context.openapi));

  app.get(context.wsPath, async (request, reply) => {
    reply.header('upgrade', 'websocket');
    const detail = 'this URL speaks WebSocket: send an Upgrade: websocket request';
    return sendProblem(reply, problem('UPGRADE_REQUIRED', detail, [], pathOf(request.url)));
  });
}
