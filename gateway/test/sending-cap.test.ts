import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config.ts';
import { startSmtpSink } from '../../bench/lib/smtp-sink.ts';
import { cli, ownerPool, stack, uniqueEmail } from './helpers.ts';

/**
 * The daily cap counter under real concurrency: 40 sessions claim at once, each claim in its
 * own transaction held a little longer than needed, against two accounts with caps 25 and 15.
 * (pgTAP runs in one session; this is the concurrent half of 33-outreach-sending-caps.)
 */
const pool = ownerPool();
afterAll(async () => {
  await pool.end();
});

it('40 concurrent claimers never exceed the caps and never lose an increment', { timeout: 180_000 }, async () => {
  // The accounts point at a real SMTP sink: should the stack's own worker join in, it sends.
  const sink = await startSmtpSink({ users: { u: 'p' }, keep: false });
  const key = stack().env.ENCRYPTION_KEY;
  const offset = 12 - new Date().getUTCHours();
  const tz = offset === 0 ? 'UTC' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  const { org_id: orgId } = await cli('org', 'create', '--name', 'Cap race', '--admin-email', uniqueEmail('cap'), '--admin-password', 'correct horse battery', '--timezone', tz);
  const caps: Record<string, number> = {};
  for (const cap of [25, 15]) {
    const { rows } = await pool.query<{ id: string }>(
      `select app_private.create_sending_account($1, null, $2, null, '127.0.0.1', $3, false, 'u', 'p', $4, $5) as id`,
      [orgId, `cap${cap}@race.test`, sink.port, cap, key]);
    caps[rows[0].id] = cap;
  }
  await pool.query(`update app_public.sending_accounts set window_days = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '24:00',
                      min_gap_seconds = 0, jitter_seconds = 0 where org_id = $1`, [orgId]);
  const { rows: [{ id: campaignId }] } = await pool.query<{ id: string }>(`insert into app_public.campaigns (org_id, name) values ($1, 'Race') returning id`, [orgId]);
  await pool.query(`insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template) values ($1, $2, 1, 'Hi', '<p>Hi</p>')`, [orgId, campaignId]);
  const tag = randomUUID().slice(0, 8);
  await pool.query(`insert into app_public.contacts (org_id, email) select $1, 'race-' || g || '-' || $2 || '@race.test' from generate_series(1, 300) g`, [orgId, tag]);
  await pool.query(`select app_private.enroll($1, $2, array(select id from app_public.contacts where org_id = $1))`, [orgId, campaignId]);

  const workerUrl = resolveConfig(stack().env).workerUrl;
  const claimed: string[] = [];
  await Promise.all(Array.from({ length: 40 }, async () => {
    const client = new pg.Client({ connectionString: workerUrl });
    await client.connect();
    try {
      for (;;) {
        await client.query('begin');
        const { rows } = await client.query<{ email_id: string }>('select email_id from app_private.claim_emails(2, $1, $2)', [key, orgId]);
        await client.query('select pg_sleep(0.005)');
        await client.query('commit');
        claimed.push(...rows.map((r) => r.email_id));
        if (rows.length === 0) {
          const left = await pool.query(`select 1 from app_public.emails where org_id = $1 and status = 'queued' and scheduled_at <= now() limit 1`, [orgId]);
          if (left.rowCount === 0) break;
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
        }
      }
    } finally {
      await client.end();
    }
  }));

  expect(new Set(claimed).size).toBe(claimed.length); // no email claimed twice
  const { rows: used } = await pool.query<{ account_id: string; sent: number }>(
    'select account_id, sent from app_private.sending_account_usage where org_id = $1', [orgId]);
  expect(Object.fromEntries(used.map((u) => [u.account_id, u.sent]))).toEqual(caps);
  const { rows: byAccount } = await pool.query<{ account_id: string; n: number }>(
    `select account_id, count(*)::int as n from app_public.emails where org_id = $1 and status in ('sending', 'sent') group by 1`, [orgId]);
  expect(Object.fromEntries(byAccount.map((r) => [r.account_id, r.n]))).toEqual(caps);
  const { rows: [rest] } = await pool.query<{ queued: number; tomorrow: number }>(
    `select count(*)::int as queued,
            count(*) filter (where m.scheduled_at >= ((now() at time zone o.timezone)::date + 1)::timestamp at time zone o.timezone)::int as tomorrow
       from app_public.emails m join app_public.organizations o on o.id = m.org_id where m.org_id = $1 and m.status = 'queued'`, [orgId]);
  expect(rest).toEqual({ queued: 260, tomorrow: 260 });
  await sink.close();
});
