import type { FastifyInstance } from 'fastify';
import type { Db } from '../db.ts';

interface HealthOptions {
  db: Db;
  postgrestUrl: string;
  workerHeartbeatMaxAgeSeconds: number;
}

async function check(what: () => Promise<boolean>): Promise<boolean> {
  try {
    return await what();
  } catch {
    return false;
  }
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get('/health', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  /** Ready when the database, PostgREST and a recent worker heartbeat all answer. */
  app.get('/ready', { logLevel: 'warn' }, async (_request, reply) => {
    let heartbeatAge: number | null = null;
    let failingOver = false;
    const [database, postgrest] = await Promise.all([
      check(async () => {
        // HA: while no host of the multi-host URL is read-write, the pool says so.
        const client = await options.db.connect().catch((error: { failingOver?: boolean }) => {
          failingOver = error.failingOver === true;
          throw error;
        });
        client.release();
        const { rows } = await options.db.query<{ age: number | null }>(
          'select app_private.seconds_since_worker_heartbeat() as age',
        );
        heartbeatAge = rows[0].age;
        return true;
      }),
      check(async () => (await fetch(options.postgrestUrl, { signal: AbortSignal.timeout(2000) })).ok),
    ]);
    const worker = heartbeatAge !== null && heartbeatAge <= options.workerHeartbeatMaxAgeSeconds;
    const checks: Record<string, boolean | string> = { database: failingOver ? 'failing over' : database, postgrest, worker };
    const failed = Object.entries(checks).filter(([, ok]) => ok !== true).map(([name, ok]) => (typeof ok === 'string' ? `${name}: ${ok}` : name));
    if (failed.length) {
      return reply.code(503).send({ status: 'unavailable', error: 'not_ready', message: `not ready: ${failed.join(', ')}`, checks });
    }
    return { status: 'ready', checks };
  });
}
