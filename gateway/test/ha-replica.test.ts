import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackConfig } from '../../lib/config.ts';
import type { HaFormation } from '../../scripts/lib/ha.ts';
import { createPool } from '../../lib/multihost.ts';
import { freePort } from '../../lib/ports.ts';
import { type Service, startServices, stopServices } from '../../scripts/lib/services.ts';
import { createTestFormation } from '../../scripts/lib/test-cluster.ts';
import { resolveConfig } from '../../lib/config.ts';

/**
 * The read replica (issue 17) on a real pg_auto_failover formation: the gateway's /rest/ proxy
 * sends GET and HEAD to the PostgREST that reads from the standby, everything else to the one on
 * the primary; the session check (db-pre-request) still refuses a logged-out token there.
 */
let formation: HaFormation;
let config: StackConfig;
let services: Service[] = [];
let gateway = '';
let owner: pg.Pool;

beforeAll(async () => {
  const made = await createTestFormation();
  formation = made.formation;
  const env: Record<string, string | undefined> = {
    ...process.env, ...made.env, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    PORT: String(await freePort()), PGRST_PORT: String(await freePort()), PGRST_READ_PORT: String(await freePort()),
  };
  for (const key of ['DATABASE_URL', 'ROOT_DATABASE_URL', 'GATEWAY_DATABASE_URL', 'WORKER_DATABASE_URL', 'AUTHENTICATOR_DATABASE_URL', 'LOCAL_PG_PORT', 'POSTGREST_URL', 'POSTGREST_READ_URL', 'PGRST_READ_URI']) delete env[key];
  config = resolveConfig(env);
  services = await startServices(config, { env, quiet: true });
  gateway = `http://127.0.0.1:${config.gatewayPort}`;
  owner = createPool(config.ownerUrl, { max: 2 });
  owner.on('error', () => {}); // an idle connection lost in the failover is replaced
}, 240_000);

afterAll(async () => {
  await owner?.end();
  await stopServices(services);
  await formation?.destroy();
}, 120_000);

async function login(email: string): Promise<string> {
  const res = await fetch(`${gateway}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'replica password' }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const rest = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${gateway}/rest${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

describe('read replica behind /rest/', () => {
  it('serves GET from the standby, sends POST to the primary, and refuses a logged-out token on the standby', async () => {
    expect(config.read).toBeDefined();
    const email = `replica-${Date.now()}@example.test`;
    const { rows: [org] } = await owner.query("select org_id from app_private.create_organization('Replica', $1, 'replica password', 'UTC')", [email]);
    const token = await login(email);

    // The read PostgREST's connections are on the standby (prefer-standby), the other's on the primary.
    const standby = formation.states().find((s) => s.reported === 'secondary')!;
    const onStandby = new pg.Client({ connectionString: config.rootUrl!.replace(/@[^/]+\//, `@127.0.0.1:${standby.port}/`).replace(/\?.*$/, '') });
    await onStandby.connect();
    try {
      expect((await onStandby.query('select pg_is_in_recovery() as r')).rows[0].r).toBe(true);
      const created = await rest('/campaigns', token, { method: 'POST', headers: { prefer: 'return=representation' }, body: JSON.stringify({ org_id: org.org_id, name: 'On the primary' }) });
      expect(created.status).toBe(201);
      // A commit is acknowledged once the standby applied it: the GET on the standby sees it.
      const listed = await rest('/campaigns?select=name', token);
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual([{ name: 'On the primary' }]);
      const { rows: [readers] } = await onStandby.query("select count(*)::int as n from pg_stat_activity where usename = 'authenticator'");
      expect(readers.n).toBeGreaterThan(0);
    } finally {
      await onStandby.end();
    }

    // Logged out: the session check on the standby refuses the token on the next GET.
    const other = await login(email);
    expect((await rest('/campaigns', other)).status).toBe(200);
    const out = await fetch(`${gateway}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${other}` } });
    expect(out.status).toBeLessThan(300);
    expect((await rest('/campaigns', other)).status).toBe(401);

    // With the primary's PostgREST gone, GETs are still answered (by the replica); a POST is not.
    const primaryRest = services.find((s) => s.name === 'postgrest')!;
    await stopServices([primaryRest]);
    const read = await rest('/campaigns?select=name', token);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual([{ name: 'On the primary' }]);
    const head = await rest('/campaigns', token, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const write = await rest('/campaigns', token, { method: 'POST', body: JSON.stringify({ org_id: org.org_id, name: 'Refused' }) });
    expect(write.status).toBe(503);
  }, 120_000);

  it('/ready says database: failing over while no primary is reachable, then the same gateway recovers', async () => {
    const killed = formation.killPrimaryPostmaster();
    const seen = new Set<unknown>();
    const deadline = Date.now() + 90_000;
    let recovered = false;
    while (Date.now() < deadline) {
      const body = (await fetch(`${gateway}/ready`).then((r) => r.json(), () => ({}))) as { checks?: { database?: unknown }; message?: string };
      seen.add(body.checks?.database);
      if (body.checks?.database === 'failing over') expect(body.message).toContain('database: failing over');
      // Recovered: the monitor has promoted the standby and the gateway reaches it. (pg_autoctl
      // restarts the killed postmaster at once; until the monitor demotes it, writes there wait
      // for the synchronous standby that has left, and are never acknowledged.)
      if (seen.has('failing over') && body.checks?.database === true && formation.primary()?.name !== killed.name) {
        recovered = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen]).toContain('failing over');
    expect(recovered).toBe(true);
    // The gateway's pool is on the new primary: a login (a write) works without a restart.
    const email = `after-${Date.now()}@example.test`;
    for (let attempt = 0; ; attempt++) {
      // A connection taken during the switch may still break: retried, as a caller would.
      const made = await owner.query("select app_private.create_organization('After', $1, 'replica password', 'UTC')", [email]).then(() => true, () => false);
      if (made) break;
      expect(attempt).toBeLessThan(20);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await login(email)).toBeTruthy();
    const primary = formation.primary();
    expect(primary?.name).not.toBe(killed.name);
  }, 120_000);
});
