import { AsyncLocalStorage } from 'node:async_hooks';
import { gatewayConfigFromEnv } from './config.ts';
import { createPool } from './db.ts';
import { setMetricsDb } from './plugins/metrics.ts';
import { buildServer } from './server.ts';

const config = gatewayConfigFromEnv();
const db = createPool(config.databaseUrl);
setMetricsDb(db);

/**
 * request_id into SQL: every statement a request runs starts with `/* request_id=… *\/`,
 * visible in pg_stat_activity and slow-query logs, and to SQL as
 * app_private.current_request_id(). Ids (x-request-id or generated) outside
 * [A-Za-z0-9._:-]{1,100} are not forwarded.
 */
const requestContext = new AsyncLocalStorage<string>();
const query = db.query.bind(db) as (...args: unknown[]) => unknown;
db.query = ((text: unknown, ...rest: unknown[]) => {
  const id = requestContext.getStore();
  if (id && typeof text === 'string') return query(`/* request_id=${id} */ ${text}`, ...rest);
  return query(text, ...rest);
}) as typeof db.query;

const app = await buildServer(config, db);
app.addHook('onRequest', (request, _reply, done) => {
  const id = String(request.id);
  if (/^[A-Za-z0-9._:-]{1,100}$/.test(id)) requestContext.run(id, done);
  else done();
});

/**
 * Graceful shutdown on SIGTERM/SIGINT:
 *  1. /ready answers 503 at once (load balancers stop routing here); other requests are
 *     still served for SHUTDOWN_READY_DELAY_MS (default 0);
 *  2. draining: every new request answers 503 `shutting_down` (with Retry-After and
 *     Connection: close) while in-flight requests finish, until nothing has arrived for
 *     SHUTDOWN_QUIET_MS (default 1 s) and nothing is in flight — at most SHUTDOWN_DRAIN_MS
 *     (default 5 s);
 *  3. the listener closes (Fastify waits for in-flight requests), then the pool;
 *     SHUTDOWN_TIMEOUT_MS (default 25 s) bounds the whole sequence.
 * A 2xx is only ever sent after its transaction committed, so nothing answered 2xx is lost.
 */
const ms = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
let phase: 'serving' | 'not_ready' | 'draining' = 'serving';
let inFlight = 0;
let lastArrival = Date.now();

app.addHook('onRequest', async (request, reply) => {
  lastArrival = Date.now();
  const path = request.url.split('?')[0];
  const refuse = phase === 'draining' ? path !== '/health' : phase === 'not_ready' && path === '/ready';
  if (refuse) {
    reply
      .code(503)
      .header('retry-after', '5')
      .header('connection', 'close')
      .send({ error: 'shutting_down', message: 'The gateway is shutting down; retry shortly.' });
    return reply;
  }
  inFlight += 1;
  // Counted down once when the response is finished — or when the client went away first
  // (an aborted request never reaches onResponse; the socket's close always comes).
  let counted = true;
  reply.raw.once('close', () => {
    if (counted) inFlight -= 1;
    counted = false;
  });
});

const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    app.log.error({ inFlight, phase }, 'graceful shutdown timed out');
    process.exit(1);
  }, ms('SHUTDOWN_TIMEOUT_MS', 25_000)).unref();
  phase = 'not_ready';
  app.log.info({ signal, inFlight }, 'gateway stopping: /ready answers 503');
  await sleep(ms('SHUTDOWN_READY_DELAY_MS', 0));
  phase = 'draining';
  app.log.info({ inFlight }, 'gateway draining: new requests answer 503');
  const drainUntil = Date.now() + ms('SHUTDOWN_DRAIN_MS', 5_000);
  const quiet = ms('SHUTDOWN_QUIET_MS', 1_000);
  while (Date.now() < drainUntil && (inFlight > 0 || Date.now() - lastArrival < quiet)) await sleep(50);
  // close() stops accepting connections and waits for in-flight requests to finish.
  await app.close();
  app.log.info({ inFlight }, 'gateway closed; ending the database pool');
  // Every response has been sent: a client still checked out must not hold the exit.
  await Promise.race([db.end(), sleep(2_000)]);
  app.log.info('gateway stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

// A deep accept queue: webhook senders burst thousands of connections at once.
await app.listen({ port: config.port, host: config.host, backlog: 4096 });
