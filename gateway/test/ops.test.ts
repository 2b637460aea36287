import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, createOrg, login, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';

/** Observability: /metrics gauges and counters, system_health for admins, request_id in SQL. */
const pool = ownerPool();
afterAll(() => pool.end());

const metric = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

describe('observability', () => {
  it('/metrics exports signature failures by provider, inbox and queue depth, dead letters, pool usage', async () => {
    const bad = await fetch(`${stack().gatewayUrl}/webhooks/standard/${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    const text = await (await fetch(`${stack().gatewayUrl}/metrics`)).text();
    expect(metric(text, 'webhook_signature_failures_total{provider="standard"}')).toBeGreaterThanOrEqual(1);
    for (const name of ['switchboard_inbox_depth', 'switchboard_job_queue_depth', 'switchboard_jobs_failing', 'switchboard_dead_letters_open',
                        'switchboard_deliveries_pending', 'switchboard_worker_heartbeat_age_seconds', 'db_pool_connections{state="total"}']) {
      expect(metric(text, name), name).toBeGreaterThanOrEqual(0);
    }
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/webhooks\/:provider\/:source_id",status="401"\}/);
  });

  it('system_health shows an admin their org; members see nothing', async () => {
    const org = await createOrg('Health');
    const token = await login(org.email, org.password);
    const res = await rest('/system_health', token);
    expect(res.status).toBe(200);
    const [row] = (await res.json()) as Record<string, unknown>[];
    expect(row).toMatchObject({ org_id: org.orgId, pending_events: 0, open_dead_letters: 0, pending_deliveries: 0 });
    expect(row).toHaveProperty('oldest_pending_event_seconds');
    expect(row).toHaveProperty('last_backup_verified_at');
    expect(row).toHaveProperty('last_feeder_run_at');
    expect(Number(row.worker_heartbeat_seconds)).toBeLessThan(60);

    const email = uniqueEmail('member');
    await cli('user', 'add', '--org', org.orgId, '--email', email, '--password', 'correct horse battery', '--role', 'member');
    const member = await login(email, 'correct horse battery');
    expect(await (await rest('/system_health', member)).json()).toEqual([]);
  });

  it('the request id reaches SQL through the statement prefix', async () => {
    const { rows } = await pool.query('/* request_id=req-123.abc */ select app_private.current_request_id() as id');
    expect(rows[0].id).toBe('req-123.abc');
    const none = await pool.query('select app_private.current_request_id() as id');
    expect(none.rows[0].id).toBeNull();
  });
});
