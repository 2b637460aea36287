import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Logger, run, type Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config.ts';
import { makeSendEmails } from '../../tasks/send_emails.ts';
import { decodeQuotedPrintable, headersOf, startSmtpSink } from '../../bench/lib/smtp-sink.ts';
import { cli, login, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';
import { createSource, signedHeaders } from './webhook-senders.ts';

/**
 * Email sending end to end: a real SMTP server (npm smtp-server), three graphile-worker
 * runners sending at once, two accounts with caps 50 and 30, 200 queued emails.
 */
const pool = ownerPool();
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const runners: { runner: Runner; pool: pg.Pool }[] = [];

/** An org whose wall clock is near noon now, so no local midnight falls inside the test. */
function noonTimezone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'UTC' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

async function createOrg(name: string) {
  const email = uniqueEmail('admin');
  const password = 'correct horse battery';
  const { org_id } = await cli('org', 'create', '--name', name, '--admin-email', email, '--admin-password', password, '--timezone', noonTimezone());
  return { orgId: org_id, token: await login(email, password) };
}

async function createAccount(orgId: string, user: string, password: string, cap: number): Promise<string> {
  const { account_id } = await cli('account', 'create', '--org', orgId, '--from-email', `${user}@sender.test`, '--from-name', `Sender ${user}`,
    '--smtp-host', '127.0.0.1', '--smtp-port', String(sink.port), '--smtp-user', user, '--smtp-password', password, '--daily-cap', String(cap));
  return account_id;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? JSON.parse(text) : null) as T;
}

/** Three real runners (own pools), each taking one job of a task only they know. */
async function startRunners(identifier: string, count: number) {
  const config = resolveConfig(stack().env);
  const task = makeSendEmails({ publicUrl: stack().gatewayUrl, encryptionKey: stack().env.ENCRYPTION_KEY, batchSize: 3 });
  for (let i = 0; i < count; i++) {
    const p = new pg.Pool({ connectionString: config.workerUrl, max: 3 });
    p.on('error', () => {});
    const runner = await run({ pgPool: p, concurrency: 1, pollInterval: 50, noHandleSignals: true, taskList: { [identifier]: task },
      logger: new Logger(() => (level, message) => level === 'error' && console.error(message)) });
    runners.push({ runner, pool: p });
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000, state?: () => Promise<unknown>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${state ? `: ${JSON.stringify(await state())}` : ''}`);
}

const counts = async (orgId: string) =>
  Object.fromEntries((await pool.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from app_public.emails where org_id = $1 and step_position = 1 group by status', [orgId])).rows
    .map((r) => [r.status, r.n]));

beforeAll(async () => {
  sink = await startSmtpSink({
    users: { alpha: 'alpha-pass', beta: 'beta-pass', gamma: 'gamma-pass' },
    refuse: (rcpt) => rcpt.startsWith('nosuchuser') ? { code: 550, message: '5.1.1 No such user' }
      : rcpt.startsWith('greylisted') ? { code: 451, message: '4.7.1 Try again later' } : null,
  });
});
afterAll(async () => {
  for (const r of runners) {
    await r.runner.stop();
    await r.pool.end();
  }
  await sink?.close();
  await pool.end();
});

describe('email sending', () => {
  let org: { orgId: string; token: string };
  let campaignId: string;
  let accounts: Record<string, string>;
  const suppressed = `suppressed-${randomUUID().slice(0, 8)}@rcpt.test`;

  it('3 workers, caps 50 + 30, 200 queued emails: exactly 80 sent today, the rest queued for tomorrow', { timeout: 120_000 }, async () => {
    org = await createOrg('Sender Co');
    accounts = { alpha: await createAccount(org.orgId, 'alpha', 'alpha-pass', 50), beta: await createAccount(org.orgId, 'beta', 'beta-pass', 30) };
    // Every day, all day, no gap: the cap is the only limit in this test.
    for (const id of Object.values(accounts)) {
      await json(await rest(`/sending_accounts?id=eq.${id}`, org.token, {
        method: 'PATCH', body: JSON.stringify({ window_days: [1, 2, 3, 4, 5, 6, 7], window_start: '00:00', window_end: '24:00', min_gap_seconds: 0, jitter_seconds: 0 }),
      }), 204);
    }
    [{ id: campaignId }] = await json<{ id: string }[]>(await rest('/campaigns', org.token, {
      method: 'POST', headers: { prefer: 'return=representation' },
      body: JSON.stringify({ name: 'Spring sequence', track_opens: true, track_clicks: true }),
    }), 201);
    await json(await rest('/sequence_steps', org.token, {
      method: 'POST',
      body: JSON.stringify([
        { campaign_id: campaignId, position: 1, delay_days: 0, subject_template: 'Hello {{first_name}}',
          html_template: '<p>Hi {{first_name}} from {{company}},</p><p>See <a href="https://example.com/offer?a=1&amp;b=2">our offer</a>.</p>' },
        { campaign_id: campaignId, position: 2, delay_days: 3, subject_template: null, html_template: '<p>Just following up, {{first_name}}.</p>' },
      ]),
    }), 201);
    const { rows: contacts } = await pool.query<{ id: string }>(
      `insert into app_public.contacts (org_id, email, first_name, company)
       select $1::uuid, 'rcpt-' || g || '-' || $2 || '@rcpt.test', 'Ann <' || g || '>', 'Acme & Co' from generate_series(1, 200) g
       union all select $1::uuid, $3, 'Sue', 'Nope Inc'
       returning id`, [org.orgId, randomUUID().slice(0, 8), suppressed]);
    await pool.query("insert into app_public.suppressions (org_id, email, reason, source) values ($1, $2, 'unsubscribed', 'test')", [org.orgId, suppressed]);
    const enrolled = await json<number>(await rest('/rpc/enroll_contacts', org.token, {
      method: 'POST', body: JSON.stringify({ campaign_id: campaignId, contact_ids: contacts.map((c) => c.id) }),
    }));
    expect(enrolled).toBe(201);

    await startRunners('send_emails_e2e', 3);
    await pool.query("select graphile_worker.add_job('send_emails_e2e', '{}'::json, max_attempts := 1) from generate_series(1, 3)");
    await waitFor('the queue to settle', async () => {
      const c = await counts(org.orgId);
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from app_public.emails where org_id = $1 and step_position = 1 and status = 'queued' and scheduled_at <= now()`, [org.orgId]);
      return (c.sent ?? 0) === 80 && !c.sending && rows[0].n === 0;
    }, 90_000, () => pool.query(
      'select status, scheduled_at <= now() as due, account_id, last_error, count(*)::int from app_public.emails where org_id = $1 group by 1, 2, 3, 4', [org.orgId]).then((r) => r.rows));

    const c = await counts(org.orgId);
    expect(c).toEqual({ sent: 80, queued: 120, skipped: 1 });
    const { rows: perAccount } = await pool.query<{ account_id: string; n: number }>(
      `select account_id, count(*)::int as n from app_public.emails where org_id = $1 and status = 'sent' group by account_id`, [org.orgId]);
    expect(Object.fromEntries(perAccount.map((r) => [r.account_id, r.n]))).toEqual({ [accounts.alpha]: 50, [accounts.beta]: 30 });
    const { rows: usage } = await pool.query<{ sent: number }>(
      'select sent from app_private.sending_account_usage where org_id = $1 order by sent desc', [org.orgId]);
    expect(usage.map((u) => u.sent)).toEqual([50, 30]);
    // The rest waits for the next local day's window.
    const { rows: [later] } = await pool.query<{ ok: boolean }>(
      `select bool_and(m.scheduled_at >= ((now() at time zone o.timezone)::date + 1)::timestamp at time zone o.timezone) as ok
         from app_public.emails m join app_public.organizations o on o.id = m.org_id
        where m.org_id = $1 and m.status = 'queued' and m.step_position = 1`, [org.orgId]);
    expect(later.ok).toBe(true);

    // The SMTP server got exactly those 80, never the suppressed address, each compliant.
    const mine = sink.received.filter((m) => m.to.some((t) => t.endsWith('@rcpt.test')));
    expect(mine).toHaveLength(80);
    expect(mine.some((m) => m.to.includes(suppressed))).toBe(false);
    const { rows: sent } = await pool.query<{ message_id: string; to_email: string }>(
      `select message_id, to_email from app_public.emails where org_id = $1 and status = 'sent'`, [org.orgId]);
    const byTo = new Map(sent.map((s) => [s.to_email, s.message_id]));
    for (const m of mine) {
      const h = headersOf(m.raw);
      const unsub = h.get('list-unsubscribe')?.[0] ?? '';
      expect(unsub).toMatch(/<mailto:[^>]+\?subject=unsubscribe>/);
      expect(unsub).toContain(`<${stack().gatewayUrl}/unsubscribe/`);
      expect(h.get('list-unsubscribe-post')).toEqual(['List-Unsubscribe=One-Click']);
      expect(h.get('message-id')).toEqual([byTo.get(m.to[0])]);
      expect(m.raw).toMatch(/Content-Type: text\/plain/i);
      expect(m.raw).toMatch(/Content-Type: text\/html/i);
      expect(h.get('subject')?.[0]).toMatch(/^Hello Ann <\d+>$/);
      const body = decodeQuotedPrintable(m.raw);
      expect(body).toContain('Hi Ann &lt;');
      expect(body).toContain('Acme &amp; Co');
      expect(body).toMatch(/Hi Ann <\d+> from Acme & Co/); // the text part, raw
      expect(body).not.toContain('href="https://example.com');
    }
    // The https unsubscribe link works on the existing endpoint (RFC 8058 one-click).
    const link = /<(http[^>]+\/unsubscribe\/[^>]+)>/.exec(headersOf(mine[0].raw).get('list-unsubscribe')![0])![1];
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(mine[0].to[0]);

    // Each sent step 1 queued step 2 in the same thread, three days later.
    const { rows: follow } = await pool.query<{ n: number; threaded: number }>(
      `select count(*)::int as n, count(*) filter (where f.in_reply_to = s.message_id and f.refs = s.message_id
                                                  and f.scheduled_at > s.sent_at + interval '71 hours')::int as threaded
         from app_public.emails f join app_public.emails s on s.enrollment_id = f.enrollment_id and s.step_position = 1
        where f.org_id = $1 and f.step_position = 2`, [org.orgId]);
    expect(follow[0]).toEqual({ n: 80, threaded: 80 });
    const metrics = await json<{ sent: number }[]>(await rest(`/campaign_metrics?campaign_id=eq.${campaignId}&select=sent`, org.token));
    expect(metrics).toEqual([{ sent: 80 }]);
  });

  it('a follow-up is sent in the thread (In-Reply-To / References, "Re:" subject)', async () => {
    const { rows: [e] } = await pool.query<{ id: string; in_reply_to: string; to_email: string }>(
      `update app_public.emails set scheduled_at = now() where id = (select id from app_public.emails where org_id = $1 and step_position = 2 limit 1)
       returning id, in_reply_to, to_email`, [org.orgId]);
    // Today's cap is used up: follow-ups wait too. A new day is simulated by clearing the counter.
    await pool.query('delete from app_private.sending_account_usage where org_id = $1', [org.orgId]);
    await pool.query(`update app_public.emails set scheduled_at = now() + interval '1 day' where org_id = $1 and status = 'queued' and id <> $2`, [org.orgId, e.id]);
    await pool.query("select graphile_worker.add_job('send_emails_e2e', '{}'::json, max_attempts := 1)");
    await waitFor('the follow-up', async () => (await pool.query(`select 1 from app_public.emails where id = $1 and status = 'sent'`, [e.id])).rowCount === 1);
    const m = sink.received.filter((r) => r.to[0] === e.to_email);
    expect(m).toHaveLength(2);
    const h = headersOf(m[1].raw);
    expect(h.get('in-reply-to')).toEqual([e.in_reply_to]);
    expect(h.get('references')).toEqual([e.in_reply_to]);
    expect(h.get('subject')?.[0]).toMatch(/^Re: Hello Ann/);
  });

  it('a standard email.replied with the Message-ID stops the sequence and marks the lead replied', async () => {
    const { rows: [e] } = await pool.query<{ message_id: string; to_email: string; enrollment_id: string }>(
      `select s.message_id, s.to_email, s.enrollment_id from app_public.emails s
        where s.org_id = $1 and s.status = 'sent' and s.step_position = 1
          and exists (select 1 from app_public.emails f where f.enrollment_id = s.enrollment_id and f.status = 'queued') limit 1`, [org.orgId]);
    await pool.query("insert into app_public.leads (org_id, mak, email, campaign_status) values ($1, $2, $3, 'active')",
      [org.orgId, `SEND-${randomUUID()}`, e.to_email]);
    const source = await createSource(org.orgId, 'standard');
    // No campaign in the payload: the Message-ID names the email (angle brackets optional).
    const body = JSON.stringify({ type: 'email.replied', timestamp: new Date().toISOString(),
      data: { email: e.to_email, message_id: e.message_id.replace(/[<>]/g, '') } });
    const res = await fetch(`${stack().gatewayUrl}/webhooks/standard/${source.sourceId}`, { method: 'POST', headers: signedHeaders(source, body), body });
    expect([200, 202]).toContain(res.status);
    await waitFor('the reply to be processed', async () =>
      (await pool.query(`select 1 from app_public.sequence_enrollments where id = $1 and status = 'stopped'`, [e.enrollment_id])).rowCount === 1);
    const { rows } = await pool.query(
      `select (select stop_reason from app_public.sequence_enrollments where id = $1) as reason,
              (select array_agg(distinct status) from app_public.emails where enrollment_id = $1 and step_position = 2) as follow_up,
              (select campaign_status::text from app_public.leads where org_id = $2 and email = $3) as lead,
              (select replied::int from app_public.campaign_metrics where campaign_id = $4) as replied`,
      [e.enrollment_id, org.orgId, e.to_email, campaignId]);
    expect(rows[0]).toEqual({ reason: 'replied', follow_up: ['skipped'], lead: 'replied', replied: 1 });
  });

  it('a hard bounce (standard email.bounced) suppresses the address', async () => {
    const { rows: [e] } = await pool.query<{ message_id: string; to_email: string }>(
      `select message_id, to_email from app_public.emails where org_id = $1 and status = 'sent' and step_position = 1 offset 5 limit 1`, [org.orgId]);
    const source = await createSource(org.orgId, 'standard');
    const body = JSON.stringify({ type: 'email.bounced', timestamp: new Date().toISOString(),
      data: { email: e.to_email, message_id: e.message_id, bounce_type: 'hard' } });
    const res = await fetch(`${stack().gatewayUrl}/webhooks/standard/${source.sourceId}`, { method: 'POST', headers: signedHeaders(source, body), body });
    expect([200, 202]).toContain(res.status);
    await waitFor('the suppression', async () =>
      (await pool.query(`select 1 from app_public.suppressions where org_id = $1 and email = $2 and reason = 'bounced'`, [org.orgId, e.to_email])).rowCount === 1);
  });

  it('tracking: the click redirect goes only to the signed URL; a tampered token is a 404', async () => {
    const m = sink.received.find((r) => r.to[0].startsWith('rcpt-'))!;
    const body = decodeQuotedPrintable(m.raw);
    const click = new RegExp(`href="(${stack().gatewayUrl.replace(/[.]/g, '\\.')}/t/c/[^"]+)"`).exec(body)![1];
    const res = await fetch(click, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/offer?a=1&b=2');

    const [payload, mac] = click.split('/t/c/')[1].split('.');
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const evil = Buffer.from(JSON.stringify({ ...data, u: 'https://evil.test/phish' })).toString('base64url');
    for (const t of [`${evil}.${mac}`, `${payload}.${mac.slice(0, -2)}AA`, 'garbage', `${payload}`]) {
      const bad = await fetch(`${stack().gatewayUrl}/t/c/${t}`, { redirect: 'manual' });
      expect(bad.status).toBe(404);
      expect(bad.headers.get('location')).toBeNull();
    }
    const { rows } = await pool.query(`select clicked from app_public.campaign_counters where campaign_id = $1`, [campaignId]);
    expect(rows).toEqual([{ clicked: '1' }]);
  });

  it('tracking: 1,000 concurrent pixel hits from 100 recipients count 100 unique opens and 1,000 hits, exactly', async () => {
    // One pixel per recipient: the first step's message (80 in this org), topped up to 100
    // recipients with a second org's sends.
    const pixels = sink.received.filter((r) => r.to[0].startsWith('rcpt-') && /^Hello /.test(headersOf(r.raw).get('subject')![0]))
      .map((r) => pixelOf(r.raw));
    expect(new Set(pixels).size).toBe(80);
    const extra = await secondOrgPixels(100 - pixels.length);
    const all = [...pixels, ...extra.urls];
    expect(all).toHaveLength(100);
    const hits = all.flatMap((u) => Array.from({ length: 10 }, () => u));
    const statuses = await Promise.all(hits.map(async (u) => {
      const r = await fetch(u);
      expect(r.headers.get('content-type')).toBe('image/gif');
      await r.arrayBuffer();
      return r.status;
    }));
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (const [orgId, campaign, n] of [[org.orgId, campaignId, pixels.length], [extra.orgId, extra.campaignId, extra.urls.length]] as const) {
      const { rows: [k] } = await pool.query(
        `select (select opened from app_public.campaign_counters where campaign_id = $2)::int as opened,
                (select sum(opened) from app_public.campaign_hourly_metrics where campaign_id = $2)::int as hourly,
                (select count(*) from app_public.email_events where org_id = $1 and campaign_id = $2 and kind = 'opened')::int as events,
                (select sum(open_count) from app_public.emails where org_id = $1 and campaign_id = $2)::int as hits`, [orgId, campaign]);
      expect(k).toEqual({ opened: n, hourly: n, events: n, hits: n * 10 });
    }
  });

  it('batch_update_email_status: admins, at most 1,000 ids, a clear 400 beyond', async () => {
    const tooMany = Array.from({ length: 1001 }, () => randomUUID());
    const res = await rest('/rpc/batch_update_email_status', org.token, { method: 'POST', body: JSON.stringify({ ids: tooMany, status: 'skipped' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: '22023', message: 'ids must hold at most 1000 ids' });
    const { rows } = await pool.query<{ id: string }>(
      `select id from app_public.emails where org_id = $1 and status = 'queued' and step_position = 1 limit 3`, [org.orgId]);
    const ok = await json<number>(await rest('/rpc/batch_update_email_status', org.token, {
      method: 'POST', body: JSON.stringify({ ids: rows.map((r) => r.id), status: 'skipped' }) }));
    expect(ok).toBe(3);
    const back = await json<number>(await rest('/rpc/batch_update_email_status', org.token, {
      method: 'POST', body: JSON.stringify({ ids: rows.map((r) => r.id), status: 'queued' }) }));
    expect(back).toBe(3);
  });

  it('auth failure disables the account with an operational event; 5xx fails once; 4xx retries; a missing variable blocks the send', async () => {
    const o = await createOrg('Failing Co');
    const bad = await createAccount(o.orgId, 'gamma', 'wrong-password', 10);
    await pool.query(`update app_public.sending_accounts set window_days = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '24:00',
                        min_gap_seconds = 0, jitter_seconds = 0 where org_id = $1`, [o.orgId]);
    const { rows: [{ id: camp }] } = await pool.query<{ id: string }>(
      `insert into app_public.campaigns (org_id, name) values ($1, 'Failing') returning id`, [o.orgId]);
    await pool.query(`insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template)
                      values ($1, $2, 1, 'Hi {{first_name}}', '<p>{{first_name}}, about {{property_city}}</p>')`, [o.orgId, camp]);
    const tag = randomUUID().slice(0, 8);
    const { rows: cs } = await pool.query<{ id: string; email: string }>(
      `insert into app_public.contacts (org_id, email, first_name, attributes) values
         ($1, 'nosuchuser-' || $2 || '@rcpt2.test', 'Nobody', '{"property_city":"Austin"}'),
         ($1, 'greylisted-' || $2 || '@rcpt2.test', 'Grey', '{"property_city":"Austin"}'),
         ($1, 'novar-' || $2 || '@rcpt2.test', 'Novar', '{}')
       returning id, email`, [o.orgId, tag]);
    await pool.query('select app_private.enroll($1, $2, $3)', [o.orgId, camp, cs.map((c) => c.id)]);
    await pool.query("select graphile_worker.add_job('send_emails_e2e', '{}'::json, max_attempts := 1)");
    await waitFor('the account to be disabled', async () =>
      (await pool.query('select 1 from app_public.sending_accounts where id = $1 and not enabled', [bad])).rowCount === 1);
    const { rows: ev } = await pool.query(
      `select kind, severity, details ->> 'reason' as reason from app_private.operational_events where org_id = $1`, [o.orgId]);
    expect(ev).toEqual([{ kind: 'sending_account_disabled', severity: 'warning', reason: 'smtp_auth_failed' }]);
    // Nothing was lost: the email went back to the queue, and no cap slot stays used.
    await waitFor('no email in flight', async () =>
      (await pool.query(`select 1 from app_public.emails where org_id = $1 and status = 'sending'`, [o.orgId])).rowCount === 0);
    // The two SMTP sends wait for an account (the missing variable may already have failed,
    // before any SMTP, if it was claimed before the account went down).
    const { rows: waiting } = await pool.query<{ email: string; status: string }>(
      `select split_part(to_email, '-', 1) as email, status from app_public.emails where org_id = $1 order by 1`, [o.orgId]);
    expect(waiting.filter((w) => w.email !== 'novar')).toEqual([{ email: 'greylisted', status: 'queued' }, { email: 'nosuchuser', status: 'queued' }]);
    const { rows: used } = await pool.query('select coalesce(sum(sent), 0)::int as n from app_private.sending_account_usage where org_id = $1', [o.orgId]);
    expect(used[0].n).toBe(0);

    // A new password re-enables it.
    await cli('account', 'password', '--account', bad, '--smtp-password', 'gamma-pass');
    await pool.query(`update app_public.emails set scheduled_at = now() where org_id = $1 and status = 'queued'`, [o.orgId]);
    await pool.query("select graphile_worker.add_job('send_emails_e2e', '{}'::json, max_attempts := 1)");
    await waitFor('all three outcomes', async () =>
      (await pool.query(`select 1 from app_public.emails where org_id = $1 and (status = 'sending' or (status = 'queued' and attempts = 0))`, [o.orgId])).rowCount === 0);
    const { rows } = await pool.query<{ email: string; status: string; attempts: number; last_error: string; later: boolean }>(
      `select split_part(to_email, '-', 1) as email, status, attempts, last_error, scheduled_at > now() as later
         from app_public.emails where org_id = $1 order by 1`, [o.orgId]);
    expect(rows.map((r) => [r.email, r.status, r.attempts, r.status === 'queued' ? r.later : null])).toEqual([
      ['greylisted', 'queued', 1, true],
      ['nosuchuser', 'failed', 1, null],
      ['novar', 'failed', 1, null],
    ]);
    expect(rows[0].last_error).toMatch(/^451/);
    expect(rows[1].last_error).toMatch(/^550/);
    expect(rows[2].last_error).toBe('missing template variable: property_city');
  });
});

/** A second org with `n` sent, open-tracked emails (so 100 distinct recipients exist). */
async function secondOrgPixels(n: number) {
  const o = await createOrg('Pixel Co');
  const tag = randomUUID().slice(0, 8);
  await createAccount(o.orgId, 'alpha', 'alpha-pass', 100);
  await pool.query(`update app_public.sending_accounts set window_days = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '24:00',
                      min_gap_seconds = 0, jitter_seconds = 0 where org_id = $1`, [o.orgId]);
  const { rows: [{ id: campaignId }] } = await pool.query<{ id: string }>(
    `insert into app_public.campaigns (org_id, name, track_opens) values ($1, 'Pixels', true) returning id`, [o.orgId]);
  await pool.query(`insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template)
                    values ($1, $2, 1, 'Hi', '<p>Hi {{first_name}}</p>')`, [o.orgId, campaignId]);
  const { rows } = await pool.query<{ id: string }>(
    `insert into app_public.contacts (org_id, email, first_name)
     select $1, 'px-' || g || '-' || $2 || '@rcpt3.test', 'Px' from generate_series(1, $3::int) g returning id`, [o.orgId, tag, n]);
  await pool.query('select app_private.enroll($1, $2, $3)', [o.orgId, campaignId, rows.map((r) => r.id)]);
  await pool.query("select graphile_worker.add_job('send_emails_e2e', '{}'::json, max_attempts := 1) from generate_series(1, 3)");
  await waitFor('the pixel org to send', async () => (await counts(o.orgId)).sent === n);
  const urls = sink.received.filter((r) => r.to[0].startsWith('px-') && r.to[0].endsWith(`-${tag}@rcpt3.test`)).map((r) => pixelOf(r.raw));
  return { orgId: o.orgId, campaignId, urls };
}

function pixelOf(raw: string): string {
  return new RegExp(`src="(${stack().gatewayUrl.replace(/[.]/g, '\\.')}/t/o/[^"]+)"`).exec(decodeQuotedPrintable(raw))![1];
}
