import { describe, expect, it } from 'vitest';
import { gatewayConfigFromEnv } from '../src/config.ts';
import { createPool } from '../src/db.ts';
import { buildServer } from '../src/server.ts';
import { createOrg, stack } from './helpers.ts';

describe('identity: per-IP limits on the auth routes', () => {
  it('answers 429 with Retry-After past AUTH_RATE_LIMIT_PER_MINUTE, per client IP', async () => {
    // A second gateway in this process, on the same database, with a limit of 3 a minute.
    const config = gatewayConfigFromEnv({ ...stack().env, AUTH_RATE_LIMIT_PER_MINUTE: '3', LOG_LEVEL: 'silent' });
    const db = createPool(config.databaseUrl, 2);
    const app = await buildServer(config, db);
    try {
      const a = await createOrg();
      const login = (ip: string) =>
        app.inject({ method: 'POST', url: '/auth/login', remoteAddress: ip, payload: { email: a.email, password: a.password } });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await login('203.0.113.7')).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await login('203.0.113.7');
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json()).toEqual({ error: 'rate_limited', message: expect.any(String) });
      // Another address is not affected.
      expect((await login('198.51.100.9')).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.end();
    }
  });
});
