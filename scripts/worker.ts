import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, isConnectionLoss } from '../lib/multihost.ts';
import pino from 'pino';
import { Logger, parseCrontab, run } from 'graphile-worker';
import { taskList } from '../tasks/index.ts';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { projectRoot } from '../lib/paths.ts';

/** The worker: graphile-worker with our task list and crontab, plus a heartbeat for /ready. */
loadEnvFile();
const config = resolveConfig();
const log = pino({ name: 'worker', level: process.env.LOG_LEVEL ?? 'info' });
const workerId = `${hostname()}:${process.pid}`;

// One-host or multi-host (HA) URL: after a failover, new connections go to the new primary;
// graphile-worker re-establishes its LISTEN connection from this pool with a backoff.
const pool = createPool(config.workerUrl, { max: Number(process.env.WORKER_CONCURRENCY ?? 4) + 2 });
pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection lost'));

let stopping = false;

// graphile-worker 0.16's runner chains `cron.promise.finally(…)` and `workerPool.promise.finally(…)`
// without a handler: when its cron loop stops on a lost connection (a failover), those copies
// reject unhandled and Node would end the process, although runner.promise carries the same
// error and supervise() below starts the runner again. A lost connection (a failover, a
// restart of PostgreSQL) is therefore only logged here; anything else still ends the process.
process.on('unhandledRejection', (reason) => {
  if (isConnectionLoss(reason)) {
    log.warn({ err: (reason as Error).message }, 'database connection lost; the runner restarts');
    return;
  }
  log.fatal({ err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection');
  process.exit(1);
});

const startRunner = () => run({
  pgPool: pool,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 4),
  pollInterval: Number(process.env.WORKER_POLL_INTERVAL_MS ?? 1000),
  noHandleSignals: true,
  taskList,
  parsedCronItems: parseCrontab(readFileSync(join(projectRoot, 'tasks/crontab'), 'utf8')),
  logger: new Logger((scope) => (level, message, meta) => {
    const method = level === 'warning' ? 'warn' : level === 'error' ? 'error' : level === 'debug' ? 'debug' : 'info';
    log[method]({ ...scope, ...meta }, message);
  }),
});
let runner = await startRunner();

/**
 * graphile-worker's runner ends with an error when something it cannot retry happens (a
 * failover can be such a moment): start it again in this process after a pause, so the
 * worker keeps serving without a restart from outside.
 */
function supervise(current: typeof runner): void {
  current.promise.then(
    () => undefined,
    (err: Error) => {
      if (stopping) return;
      log.error({ err: err?.message }, 'graphile-worker stopped with an error; starting it again in 2 s');
      const again = async (): Promise<void> => {
        if (stopping) return;
        try {
          runner = await startRunner();
          supervise(runner);
        } catch (error) {
          log.error({ err: (error as Error).message }, 'graphile-worker could not start; trying again in 2 s');
          setTimeout(() => void again(), 2_000);
        }
      };
      setTimeout(() => void again(), 2_000);
    },
  );
}
supervise(runner);

async function beat(): Promise<void> {
  try {
    await pool.query('select app_private.record_worker_heartbeat($1)', [workerId]);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'heartbeat failed');
  }
}
await beat();
const heartbeat = setInterval(beat, Number(process.env.WORKER_HEARTBEAT_MS ?? 10_000));

/** Gives shards with events waiting longer than `olderThan` a runnable job (see inbox.sql). */
async function rescheduleDueEvents(olderThan: string): Promise<void> {
  await pool
    .query('select app_private.reschedule_due_events($1::interval)', [olderThan])
    .catch((err) => log.warn({ err: err.message }, 'reschedule failed'));
}
// At start-up nothing may wait: jobs of a worker that died are still locked.
await rescheduleDueEvents('0 seconds');
const rescheduler = setInterval(() => void rescheduleDueEvents('5 seconds'), Number(process.env.WORKER_RESCHEDULE_MS ?? 5_000));

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'worker stopping; letting running jobs finish');
  clearInterval(heartbeat);
  clearInterval(rescheduler);
  await runner.stop();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
