import { gatewayConfigFromEnv } from './config.ts';
import { createPool } from './db.ts';
import { buildServer } from './server.ts';

const config = gatewayConfigFromEnv();
const db = createPool(config.databaseUrl);
const app = await buildServer(config, db);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'gateway stopping');
  // close() stops accepting connections and waits for in-flight requests to finish.
  await app.close();
  await db.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ port: config.port, host: config.host });
