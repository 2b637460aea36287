import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics: process defaults, request latency and counts by route and status,
 * signature failures by provider, DB pool usage, and platform gauges read from SQL
 * (app_private.ops_metrics: inbox depth, job queue depth and failures, dead letters, …).
 */
const registry = new Registry();
collectDefaultMetrics({ register: registry });

const signatureFailures = new Counter({
  name: 'webhook_signature_failures_total',
  help: 'Webhook and upload requests refused for a missing, expired or wrong signature',
  labelNames: ['provider'],
  registers: [registry],
});

let db: pg.Pool | undefined;

/**
 * Called where a signature is refused (gateway/src/routes/webhooks.ts). For a known source
 * the failure is also counted in SQL (fire and forget) for the signature-failure-rate alert.
 */
export function recordSignatureFailure(provider: string, sourceId?: string): void {
  signatureFailures.inc({ provider });
  if (db && sourceId) db.query('select app_private.record_signature_failure($1)', [sourceId]).catch(() => undefined);
}

/** The pool whose usage is exported and through which the SQL gauges are read. */
export function setMetricsDb(pool: pg.Pool): void {
  db = pool;
}

const OPS_TTL_MS = 5_000;
let opsCache: { at: number; rows: { name: string; value: number }[] } | undefined;
const opsGauges = new Map<string, Gauge>();
const OPS_HELP: Record<string, string> = {
  switchboard_inbox_depth: 'Webhook events waiting to be processed',
  switchboard_inbox_oldest_pending_seconds: 'Age of the oldest webhook event waiting',
  switchboard_job_queue_depth: 'graphile-worker jobs queued or running',
  switchboard_jobs_failing: 'graphile-worker jobs that failed and will be retried',
  switchboard_jobs_failed_permanently: 'graphile-worker jobs that used up their attempts',
  switchboard_dead_letters_open: 'Dead letters not yet retried',
  switchboard_deliveries_pending: 'Outbound deliveries waiting to be sent or retried',
  switchboard_worker_heartbeat_age_seconds: 'Seconds since the newest worker heartbeat',
  switchboard_lead_pushes_pending: 'Fed leads waiting to be pushed into a campaign tool',
  switchboard_lead_pushes_failed: 'Fed leads whose push into a campaign tool went dead (see dead_letters)',
  switchboard_lead_push_connections_failing: 'Campaign-tool connections whose last calls failed or whose validation failed',
  switchboard_sms_failed_24h: 'SMS failed, undelivered or in doubt in the last 24 hours',
  switchboard_backup_last_ok: '1 when the last backup verification passed, 0 when it failed, -1 when none ran',
  switchboard_replica_lag_seconds: 'Seconds the slowest streaming standby is behind in replay; -1 while no standby streams',
};

async function refreshOps(): Promise<void> {
  if (!db || (opsCache && Date.now() - opsCache.at < OPS_TTL_MS)) return;
  try {
    const { rows } = await db.query<{ name: string; value: number }>('select name, value from app_private.ops_metrics()');
    opsCache = { at: Date.now(), rows };
  } catch {
    opsCache = { at: Date.now(), rows: [] };
  }
}

for (const [name, help] of Object.entries(OPS_HELP)) {
  opsGauges.set(
    name,
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        await refreshOps();
        const row = opsCache?.rows.find((r) => r.name === name);
        if (row) this.set(Number(row.value));
      },
    }),
  );
}

new Gauge({
  name: 'db_pool_connections',
  help: 'Gateway database pool: connections by state',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    if (!db) return;
    this.set({ state: 'total' }, db.totalCount);
    this.set({ state: 'idle' }, db.idleCount);
    this.set({ state: 'waiting' }, db.waitingCount);
  },
});

const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Gateway request latency',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
const requests = new Counter({
  name: 'http_requests_total',
  help: 'Gateway requests',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});

export function registerMetrics(app: FastifyInstance): Registry {
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    duration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
  });
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return registry;
}
