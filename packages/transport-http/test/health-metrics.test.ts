import { describe, expect, it } from 'vitest';
import { requester, startStack, startTarget, waitFor } from './helpers.ts';

describe('/healthz and /readyz', () => {
  it('healthz is 200 while the process answers, even with the scheduler stopped', async () => {
    const { api } = await startStack({ startScheduler: false });
    const health = await api('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('readyz is 503 NOT_READY before the scheduler starts, 200 once it runs', async () => {
    const { api, scheduler } = await startStack({ startScheduler: false });
    const before = await api('GET', '/readyz');
    expect(before.status).toBe(503);
    expect(before.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(before.body).toMatchObject({
      code: 'NOT_READY',
      checks: { scheduler: false, accepting: true },
      failed: ['scheduler'],
    });
    await scheduler.start();
    const after = await api('GET', '/readyz');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ status: 'ready', checks: { scheduler: true, accepting: true } });
  });

  it('readyz reports each extra check, and 503 when one is false or the check throws', async () => {
    let amqp = false;
    let broken = false;
    const { api } = await startStack({
      http: {
        readiness: async () => {
          if (broken) throw new Error('cannot tell');
          return { amqp };
        },
      },
    });
    const down = await api('GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ checks: { scheduler: true, accepting: true, amqp: false }, failed: ['amqp'] });
    amqp = true;
    expect((await api('GET', '/readyz')).body).toEqual({
      status: 'ready',
      checks: { scheduler: true, accepting: true, amqp: true },
    });
    broken = true;
    expect((await api('GET', '/readyz')).body).toMatchObject({ failed: ['readiness'] });
  });
});

describe('/metrics', () => {
  it('exposes every metric by its name and counts a fire, its result and the HTTP requests', async () => {
    const { api } = await startStack();
    const target = await startTarget();
    const id = (
      await api('POST', '/v1/tasks', { requester_id: requester(), schedule: { minute: '0' }, uri: `${target.url}/` })
    ).body.id;
    await api('POST', `/v1/tasks/${id}/pause`);
    await api('POST', `/v1/tasks/${id}/trigger`);
    await waitFor(async () => (await api('GET', `/v1/tasks/${id}`)).body.last_run !== null, 5000, 'the run');

    const metrics = await api('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text: string = metrics.text;
    for (const name of [
      'br_schedule_tasks',
      'br_schedule_runs',
      'br_schedule_fires_total',
      'br_schedule_results_total',
      'br_schedule_fire_lateness_seconds',
      'br_schedule_dispatch_duration_seconds',
      'br_schedule_outbox_depth',
      'br_schedule_http_requests_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('br_schedule_tasks{state="active"} 0');
    expect(text).toContain('br_schedule_tasks{state="paused"} 1');
    expect(text).toContain('br_schedule_runs{state="running"} 0');
    expect(text).toContain('br_schedule_fires_total 1');
    expect(text).toContain('br_schedule_results_total{status="success"} 1');
    expect(text).toContain('br_schedule_fire_lateness_seconds_count 1');
    expect(text).toContain('br_schedule_fire_lateness_seconds_bucket{le="0.0005"}');
    expect(text).toContain('br_schedule_fire_lateness_seconds_bucket{le="60"}');
    expect(text).toContain('br_schedule_dispatch_duration_seconds_count 1');
    expect(text).toContain('br_schedule_outbox_depth 0');
    expect(text).toContain('br_schedule_http_requests_total{route="/v1/tasks",method="POST",status="201"} 1');
    expect(text).toContain('br_schedule_http_requests_total{route="/v1/tasks/:id/pause",method="POST",status="200"} 1');
  });

  it('counts unknown routes under one label, and stops counting events once stopped', async () => {
    const { api, transport, scheduler } = await startStack();
    await api('GET', '/v1/a');
    await api('GET', '/v1/b');
    expect((await api('GET', '/metrics')).text).toContain(
      'br_schedule_http_requests_total{route="unmatched",method="GET",status="404"} 2',
    );
    await transport.stop();
    expect(scheduler.listenerCount('dispatch')).toBe(0);
    expect(scheduler.listenerCount('result')).toBe(0);
  });

  it('metrics: false serves no /metrics and listens to nothing', async () => {
    const { api, scheduler } = await startStack({ http: { metrics: false } });
    expect((await api('GET', '/metrics')).status).toBe(404);
    expect(scheduler.listenerCount('dispatch')).toBe(0);
  });
});
