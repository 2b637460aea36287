import { request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { HEADER, sha256hex, signUpload } from '../../bench/lead-file.ts';
import { gatewayConfigFromEnv } from '../src/config.ts';
import { createPool } from '../src/db.ts';
import { publicUrlPolicyFromEnv } from '../src/public-url.ts';
import { buildServer } from '../src/server.ts';
import { cli, createOrg, login, ownerPool, stack } from './helpers.ts';
import { startOwnGateway } from './own-gateway.ts';

/** Issue 19, finding 6: links never follow an untrusted Host; aborted requests are counted down. */
const pool = ownerPool();
afterAll(() => pool.end());

describe('consent links and the SSO redirect_uri', () => {
  it('come from PUBLIC_URL; without it only ALLOWED_HOSTS, and never in production', async () => {
    const org = await createOrg('Links');
    const token = await login(org.email, org.password);
    const { rows } = await pool.query<{ id: string }>("insert into app_public.leads (org_id, mak, first_name) values ($1, $2, 'Ann') returning id", [org.orgId, `LINK-${Date.now()}`]);
    const leadId = rows[0].id;
    const config = gatewayConfigFromEnv({ ...stack().env, LOG_LEVEL: 'silent' });
    const db = createPool(config.databaseUrl, 2);
    const serve = (env: Record<string, string | undefined>) => buildServer(config, db, { publicUrlPolicy: publicUrlPolicyFromEnv(env) });
    const mint = (app: Awaited<ReturnType<typeof serve>>, host: string) =>
      app.inject({ method: 'POST', url: `/leads/${leadId}/consent-link`, headers: { host, authorization: `Bearer ${token}` }, payload: {} });
    const nonces = async () => Number((await pool.query('select count(*) from app_private.consent_nonces where lead_id = $1', [leadId])).rows[0].count);
    const dev = await serve({});
    const prod = await serve({ NODE_ENV: 'production' });
    const configured = await serve({ NODE_ENV: 'production', PUBLIC_URL: 'https://switchboard.example.com/' });
    try {
      // Development: the request's host only when it is an allowed one.
      const evil = await mint(dev, 'evil.example:8080');
      expect(evil.statusCode).toBe(503);
      expect(evil.json()).toMatchObject({ error: 'public_url_not_configured' });
      expect(await nonces()).toBe(0);
      const local = await mint(dev, '127.0.0.1:8080');
      expect(local.statusCode).toBe(201);
      expect(local.json().url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/consent\//);
      // Production without PUBLIC_URL: refused, whatever the host.
      expect((await mint(prod, '127.0.0.1:8080')).statusCode).toBe(503);
      const sso = await prod.inject({ method: 'GET', url: `/auth/sso/${org.orgId}/start`, headers: { host: '127.0.0.1' } });
      expect(sso.statusCode).toBe(503);
      expect((await dev.inject({ method: 'GET', url: `/auth/sso/${org.orgId}/start`, headers: { host: 'evil.example' } })).statusCode).toBe(503);
      // With PUBLIC_URL the Host header does not matter.
      const good = await mint(configured, 'evil.example');
      expect(good.statusCode).toBe(201);
      expect(good.json().url).toMatch(/^https:\/\/switchboard\.example\.com\/consent\//);
    } finally {
      await Promise.all([dev.close(), prod.close(), configured.close()]);
      await db.end();
    }
  });
});

describe('graceful shutdown after aborted requests', () => {
  it('an aborted request is counted down: SIGTERM does not wait out the whole drain window', async () => {
    const gateway = await startOwnGateway({ SHUTDOWN_DRAIN_MS: '30000', SHUTDOWN_QUIET_MS: '200', SHUTDOWN_TIMEOUT_MS: '60000' });
    const org = await createOrg('Aborted');
    const { source_id, secret } = await cli('source', 'create', '--org', org.orgId, '--provider', 'csv');
    const body = Buffer.from(`${HEADER}\n`);
    // An upload whose client goes away mid-body.
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${gateway.url}/uploads/leads/${source_id}`, {
        method: 'POST', headers: { ...signUpload(secret, sha256hex(body)), 'content-length': String(body.length + 100) },
      });
      req.on('error', () => resolve());
      req.write(body);
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 1_000);
    });
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    await gateway.stop();
    expect(gateway.child.exitCode).toBe(0);
    // Without the count-down the drain would wait its full 30 s for the aborted request.
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);
});
