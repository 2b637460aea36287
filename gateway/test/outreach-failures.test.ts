import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.ts';
import { waitFor } from '../../scripts/lib/ports.ts';
import { createTestCluster } from '../../scripts/lib/test-cluster.ts';
import { cli, createOrg, login, ownerPool, rest } from './helpers.ts';
import { createSource } from './webhook-senders.ts';

const pool = ownerPool();
afterAll(() => pool.end());

/** Stores `count` email.sent events through the gateway's SQL ingest function, `email` an SQL expression of g. */
const ingestSql = (email: string) => `select (app_private.ingest_webhook_event($1, 'standard', 'evt-' || g, ${email}, 'email.sent', now(),
  jsonb_build_object('type', 'email.sent', 'timestamp', now(), 'data',
    jsonb_build_object('campaign_id', 'k1', 'campaign_name', 'Kill Test', 'email', ${email})))).event_id
  from generate_series(1, $2::int) g`;

describe('outreach processing failures', () => {
  it('isolates a poison event into dead_letters, lets an admin retry it, and keeps processing the rest', async () => {
    const org = await createOrg();
    const source = await createSource(org.orgId, 'standard');
    // Same partition key (email) → same shard: the good events must not be blocked by the bad one.
    await pool.query(ingestSql("'same@x.test'"), [source.sourceId, 3]);
    const { rows: [poison] } = await pool.query(
      `select event_id from app_private.ingest_webhook_event($1, 'standard', 'poison', 'same@x.test', 'email.sent', now(),
        '{"type":"email.sent","data":{"campaign_id":"k1","campaign_name":"Kill Test","email":"not an address"}}')`,
      [source.sourceId],
    );
    const status = async () =>
      (await pool.query<{ id: string; status: string }>('select id, status from app_public.webhook_events where org_id = $1', [org.orgId])).rows;
    await waitFor(async () => (await status()).filter((e) => e.status === 'processed').length === 3, 'good events processed', 30_000);
    await waitFor(async () => (await status()).find((e) => e.id === poison.event_id)?.status === 'dead', 'poison event dead', 30_000);

    const admin = await login(org.email, org.password);
    const letters = (await (await rest('/dead_letters', admin)).json()) as Array<{ id: number; ref_id: string; error: string }>;
    expect(letters).toEqual([expect.objectContaining({ ref_id: poison.event_id, error: expect.stringMatching(/contacts_email_check/) })]);

    // Members cannot retry; admins can, once per dead letter.
    const memberEmail = `m-${Date.now()}@example.test`;
    await cli('user', 'add', '--org', org.orgId, '--email', memberEmail, '--password', 'member password', '--role', 'member');
    const memberToken = await login(memberEmail, 'member password');
    const refused = await rest('/rpc/retry_dead_letter', memberToken, { method: 'POST', body: JSON.stringify({ dead_letter_id: letters[0].id }) });
    expect(refused.status).toBe(403);

    const retry = await rest('/rpc/retry_dead_letter', admin, { method: 'POST', body: JSON.stringify({ dead_letter_id: letters[0].id }) });
    expect(retry.status).toBe(200);
    expect((await status()).find((e) => e.id === poison.event_id)?.status).toBe('pending');
    const again = await rest('/rpc/retry_dead_letter', admin, { method: 'POST', body: JSON.stringify({ dead_letter_id: letters[0].id }) });
    expect(again.status).toBe(404);
    await waitFor(async () => (await status()).find((e) => e.id === poison.event_id)?.status === 'dead', 'poison dead again', 30_000);
  });

  it('keeps counts exact when the worker is killed mid-run and restarted', async () => {
    const { cluster, env, config } = await createTestCluster();
    const owner = new pg.Pool({ connectionString: config.ownerUrl, max: 2 });
    const workerEnv = { ...process.env, ...env, OUTREACH_BATCH_SIZE: '200', LOG_LEVEL: 'error' };
    const startWorker = () => spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/worker.ts')], { env: workerEnv, stdio: 'ignore' });
    let worker: ChildProcess | undefined;
    try {
      const { rows: [org] } = await owner.query("select org_id from app_private.create_organization('Kill Org', 'kill@example.test', 'password123', 'UTC')");
      const { rows: [src] } = await owner.query("select source_id from app_private.create_source($1, 'standard', 'k', $2)", [org.org_id, env.ENCRYPTION_KEY]);
      const total = 20_000;
      await owner.query(ingestSql("'lead' || g || '@x.test'"), [src.source_id, total]);
      const processed = async () =>
        Number((await owner.query("select count(*) from app_public.webhook_events where status = 'processed'")).rows[0].count);

      worker = startWorker();
      await waitFor(async () => (await processed()) >= 1000, 'processing to start', 60_000);
      worker.kill('SIGKILL');
      await new Promise((r) => worker!.once('exit', r));
      const atKill = await processed();
      expect(atKill).toBeLessThan(total);

      worker = startWorker();
      await waitFor(async () => (await processed()) === total, 'all events processed after restart', 90_000);
      const { rows: [counts] } = await owner.query('select sum(sent)::int as sent, count(*)::int as campaigns from app_public.campaign_counters');
      expect(counts).toEqual({ sent: total, campaigns: 1 });
      const { rows: [events] } = await owner.query('select count(*)::int as n from app_public.email_events');
      expect(events.n).toBe(total);
    } finally {
      worker?.kill('SIGKILL');
      await owner.end();
      cluster.destroy();
    }
  }, 180_000);
});
