import type { DispatchEvent, RunResult, Scheduler } from '@br-sdk/schedule';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Fire lateness and run duration buckets, in seconds: from half a millisecond to a minute. */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What the metrics read besides the scheduler: the WebSocket side's live counts. */
export interface MetricSources {
  readonly wsConnections: () => number;
  readonly wsPendingResults: () => number;
}

/**
 * The scheduler's Prometheus metrics, in a registry of their own (not prom-client's global one, so
 * two transports in one process, or tests, never collide). Gauges read `scheduler.stats()` at
 * scrape time; counters and histograms count the scheduler's `dispatch` and `result` events
 * between attach() and detach().
 */
export class SchedulerMetrics {
  readonly registry = new Registry();
  private readonly scheduler: Scheduler;
  private readonly fires: Counter;
  private readonly results: Counter<'status'>;
  private readonly lateness: Histogram;
  private readonly duration: Histogram;
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private attached = false;

  constructor(scheduler: Scheduler, sources: MetricSources) {
    this.scheduler = scheduler;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const stats = () => scheduler.stats();
    new Gauge({
      name: 'br_schedule_tasks',
      help: 'Schedulable tasks by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const { tasks } = stats();
        this.set({ state: 'active' }, tasks.active);
        this.set({ state: 'paused' }, tasks.paused);
      },
    });
    new Gauge({
      name: 'br_schedule_runs',
      help: 'Attempts running, waiting for a concurrency slot, and waiting to be retried.',
      labelNames: ['state'],
      registers,
      collect() {
        const { runs } = stats();
        this.set({ state: 'running' }, runs.running);
        this.set({ state: 'waiting' }, runs.waiting);
        this.set({ state: 'retrying' }, runs.retrying);
      },
    });
    new Gauge({
      name: 'br_schedule_outbox_depth',
      help: 'Result deliveries to channels not confirmed yet.',
      registers,
      collect() {
        this.set(stats().undelivered_results);
      },
    });
    new Gauge({
      name: 'br_schedule_ws_connections',
      help: 'Open WebSocket connections.',
      registers,
      collect() {
        this.set(sources.wsConnections());
      },
    });
    new Gauge({
      name: 'br_schedule_ws_pending_results',
      help: 'Results held for WebSocket subscribers until one acknowledges them.',
      registers,
      collect() {
        this.set(sources.wsPendingResults());
      },
    });
    this.fires = new Counter({ name: 'br_schedule_fires_total', help: 'Runs started.', registers });
    this.results = new Counter({
      name: 'br_schedule_results_total',
      help: 'Runs finished, by outcome.',
      labelNames: ['status'],
      registers,
    });
    this.lateness = new Histogram({
      name: 'br_schedule_fire_lateness_seconds',
      help: 'How late runs started after their fire time.',
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.duration = new Histogram({
      name: 'br_schedule_dispatch_duration_seconds',
      help: 'From a run start to its result, retries included.',
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.requests = new Counter({
      name: 'br_schedule_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
  }

  /** Starts counting the scheduler's events. Idempotent. */
  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.scheduler.on('dispatch', this.onDispatch);
    this.scheduler.on('result', this.onResult);
  }

  /** Stops counting; what was counted stays. Idempotent. */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.scheduler.off('dispatch', this.onDispatch);
    this.scheduler.off('result', this.onResult);
  }

  /** Counts an answered HTTP request; `route` is the route's pattern (not the URL, whose ids would explode the series). */
  countRequest(route: string, method: string, status: number): void {
    this.requests.inc({ route, method, status: String(status) });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private readonly onDispatch = (event: DispatchEvent): void => {
    this.fires.inc();
    this.lateness.observe(Math.max(0, event.fired_at - event.scheduled_at) / 1000);
  };

  private readonly onResult = (result: RunResult): void => {
    this.results.inc({ status: result.status });
    const ms = Date.parse(result.finished_at) - Date.parse(result.fired_at);
    if (Number.isFinite(ms)) this.duration.observe(Math.max(0, ms) / 1000);
  };
}
