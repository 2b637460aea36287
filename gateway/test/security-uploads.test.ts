import { request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { HEADER, sha256hex, signUpload } from '../../bench/lead-file.ts';
import pg from 'pg';
import { resolveConfig } from '../../lib/config.ts';
import { cli, createOrg, ownerPool, stack } from './helpers.ts';
import { startOwnGateway } from './own-gateway.ts';
import { gatewayConfigFromEnv } from '../src/config.ts';
import { createPool } from '../src/db.ts';
import { buildServer } from '../src/server.ts';
import { createSource, payloadFor, signedHeaders } from './webhook-senders.ts';

/**
 * Issue 19, finding 1: slow lead uploads must not starve other tenants. 21 signed uploads
 * whose bodies stop after 5 bytes for 25 s run against a gateway of our own (default
 * limits); meanwhile /ready, a login and another org's webhook each answer within 1 s,
 * and the stalled uploads end with no rows and no open transactions.
 */
const pool = ownerPool();
// pg_stat_activity shows other roles' sessions to a superuser only.
const root = new pg.Pool({ connectionString: resolveConfig(stack().env).rootUrl!, max: 1 });
afterAll(() => Promise.all([pool.end(), root.end()]));

interface Stalled {
  done: Promise<{ status: number; error?: string }>;
  resume(): void;
}

/** An upload that sends its signed headers and 5 bytes, then nothing until resume(). */
function stalledUpload(base: string, sourceId: string, secret: string, n: number): Stalled {
  // Each file differs, so no upload waits on another's replay guard: each holds its own transaction.
  const body = Buffer.from(`${HEADER}\nStall,Upload,stall${n}@example.test,,${n} Stall Way,,,94110,,,STALL-${n},,,,,,,,\n`);
  const headers = { ...signUpload(secret, sha256hex(body)), 'content-length': String(body.length) };
  let resume = () => {};
  const done = new Promise<{ status: number; error?: string }>((resolve) => {
    const req = httpRequest(`${base}/uploads/leads/${sourceId}`, { method: 'POST', headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, error: text ? (JSON.parse(text) as { error?: string }).error : undefined }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', (e) => resolve({ status: 0, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.write(body.subarray(0, 5));
    resume = () => {
      if (!req.destroyed) req.end(body.subarray(5));
    };
  });
  return { done, resume: () => resume() };
}

async function timed(what: () => Promise<Response>): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await what();
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

describe('slow uploads cannot starve other tenants', () => {
  it('21 stalled uploads: /ready, a login and another org’s webhook answer within 1 s; no rows, no open transactions', async () => {
    const gateway = await startOwnGateway();
    try {
      const uploader = await createOrg('Slow uploader');
      // Three CSV sources of one org: the per-source cap and the gateway-wide cap both bite.
      const sources = await Promise.all([1, 2, 3].map(async () => {
        const { source_id, secret } = await cli('source', 'create', '--org', uploader.orgId, '--provider', 'csv');
        return { sourceId: source_id, secret };
      }));
      const other = await createOrg('Innocent bystander');
      const hook = await createSource(other.orgId, 'standard');

      const t0 = Date.now();
      const stalled = Array.from({ length: 21 }, (_, i) => stalledUpload(gateway.url, sources[i % 3].sourceId, sources[i % 3].secret, i));
      // The bodies stop for 25 s, then the rest is sent (if the gateway still listens).
      const resumeAt = setTimeout(() => stalled.forEach((s) => s.resume()), 25_000);
      await new Promise((r) => setTimeout(r, 1_500));
      const holding = (await root.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where application_name = $1 and xact_start is not null',
        [`switchboard-gateway-uploads:${gateway.child.pid}`])).rows[0].n;
      // The admitted uploads really hold a transaction each, on the upload pool only.
      expect(holding).toBe(4);

      const probes: Array<{ what: string; at: number; ms: number; status: number }> = [];
      for (let round = 0; round < 4; round++) {
        const body = JSON.stringify(payloadFor('standard', { metric: 'sent', campaignId: 'bystander', campaignName: 'Bystander', email: `b${round}@bystander.test` }));
        const [ready, loginRes, webhook] = await Promise.all([
          timed(() => fetch(`${gateway.url}/ready`)),
          timed(() => fetch(`${gateway.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: other.email, password: other.password }) })),
          timed(() => fetch(`${gateway.url}/webhooks/standard/${hook.sourceId}`, { method: 'POST', headers: signedHeaders(hook, body), body })),
        ]);
        const at = Date.now() - t0;
        probes.push({ what: 'ready', at, ...ready }, { what: 'login', at, ...loginRes }, { what: 'webhook', at, ...webhook });
        await new Promise((r) => setTimeout(r, 3_000));
      }
      console.log('probes while uploads stall:', probes.map((p) => `${p.what}@${p.at}ms ${p.status} ${Math.round(p.ms)}ms`).join(', '));
      for (const p of probes) {
        expect(p.ms, `${p.what} at ${p.at} ms`).toBeLessThan(1_000);
        expect(p.status, `${p.what} at ${p.at} ms`).toBe(p.what === 'webhook' ? 202 : 200);
      }

      const results = await Promise.all(stalled.map((s) => s.done));
      clearTimeout(resumeAt);
      const refused = results.filter((r) => r.status === 503 || r.status === 429);
      const aborted = results.filter((r) => r.status === 0 || r.status === 408);
      console.log('stalled uploads:', results.map((r) => `${r.status}${r.error ? ` ${r.error}` : ''}`).join(', '));
      // At most UPLOAD_MAX_CONCURRENT (4) got a connection; the rest were refused with Retry-After at once.
      expect(refused.length).toBeGreaterThanOrEqual(17);
      expect(refused.length + aborted.length).toBe(21);
      // Every admitted upload was aborted by the idle timeout (10 s) long before the body resumed.
      expect(Date.now() - t0).toBeLessThan(40_000);

      const { rows: batches } = await pool.query('select count(*)::int as n from app_public.lead_import_batches where org_id = $1', [uploader.orgId]);
      expect(batches[0].n).toBe(0);
      // The aborted uploads' sessions (this gateway's upload pool) hold no transaction.
      const openTransactions = async () => (await root.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where application_name = $1 and xact_start is not null',
        [`switchboard-gateway-uploads:${gateway.child.pid}`])).rows[0].n;
      for (let i = 0; i < 30 && (await openTransactions()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await openTransactions()).toBe(0);
    } finally {
      await gateway.stop();
    }
  }, 90_000);
});

describe('pool acquire timeout', () => {
  it('a request that cannot get a connection in time answers 503 with Retry-After instead of hanging', async () => {
    const config = gatewayConfigFromEnv({ ...stack().env, LOG_LEVEL: 'silent' });
    const db = createPool(config.databaseUrl, 1, { acquireTimeoutMs: 300 });
    const app = await buildServer(config, db);
    const held = await db.connect();
    try {
      const org = await createOrg('Busy pool');
      const t0 = performance.now();
      const res = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: org.email, password: org.password } });
      expect(performance.now() - t0).toBeLessThan(2_000);
      expect(res.statusCode).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.json()).toEqual({ error: 'unavailable', message: expect.any(String) });
    } finally {
      held.release();
      await app.close();
      await db.end();
    }
  });
});
