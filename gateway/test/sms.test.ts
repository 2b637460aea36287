import pg from 'pg';
import { Logger, run, type Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config.ts';
import { waitFor } from '../../lib/ports.ts';
import { send_sms } from '../../tasks/send_sms.ts';
import { twilioSignature, validTwilioSignature } from '../src/webhooks/providers/twilio.ts';
import { cli, login, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';
import { twilioServer, type TwilioServer } from './lib/tool-servers.ts';

/**
 * SMS through Twilio against a local server implementing the Messages API strictly
 * (tool-servers.ts): reminders exactly once per (appointment, offset) with 30 workers,
 * moved and cancelled with their booking, out of quiet hours; inbound STOP/START, 21610,
 * replies and the cancel-by-reply flow through the real gateway with real signatures.
 */
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
const pool = ownerPool();
let twilio: TwilioServer;
let orgId: string;
let admin: string;
let resourceId: string;
let sourceUrl: string;
afterAll(async () => {
  await pool.end();
  await twilio?.close();
});

/** A zone where it is now about noon, so quiet hours (21:00-08:00) never get in the way. */
function noonZone(): string {
  const off = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
  return off >= 0 ? `Etc/GMT-${off}` : `Etc/GMT+${-off}`;
}

const rpc = (name: string, body: unknown) => rest(`/rpc/${name}`, admin, { method: 'POST', body: JSON.stringify(body) });

async function contact(phone: string, firstName = 'Pat'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    'insert into app_public.contacts (org_id, email, first_name, phone) values ($1, $2, $3, $4) returning id',
    [orgId, uniqueEmail('sms'), firstName, phone]);
  return rows[0].id;
}

/** A free slot days ahead (every call a later hour: one resource, no overlaps). */
let slots = 0;
const slot = (days: number) => new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + days * 86_400_000 + 7_200_000 * ++slots);

async function book(contactId: string, startsAt: Date): Promise<string> {
  const res = await rpc('book_appointment', { starts_at: startsAt.toISOString(), ends_at: new Date(startsAt.getTime() + 30 * 60_000).toISOString(),
    contact_id: contactId, resource_id: resourceId });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

const reminders = async (appointmentId: string) =>
  (await pool.query<{ id: string; reminder_offset: { hours?: number }; send_at: Date; status: string; twilio_sid: string | null }>(
    'select id, reminder_offset, send_at, status, twilio_sid from app_public.sms_messages where appointment_id = $1 and kind = $2 order by reminder_offset desc',
    [appointmentId, 'reminder'])).rows;

/** Time travel for one message: due now. */
const dueNow = async (ids: string[]) => {
  await pool.query('update app_public.sms_messages set send_at = now() where id = any($1::uuid[])', [ids]);
  await pool.query('select app_private.schedule_sms(org_id, id, now()) from app_public.sms_messages where id = any($1::uuid[])', [ids]);
};

/** An inbound request exactly as Twilio sends it: form-encoded, signed over the full URL. */
async function fromTwilio(params: Record<string, string>, token = AUTH_TOKEN) {
  const url = `${stack().gatewayUrl}${sourceUrl}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params) },
    body: new URLSearchParams(params).toString(),
  });
}
let smsCounter = 0;
const inboundSms = (from: string, body: string) =>
  fromTwilio({ MessageSid: `SM${String(++smsCounter).padStart(32, '0')}`, AccountSid: ACCOUNT_SID, From: from, To: '+14155550100', Body: body,
    SmsStatus: 'received', NumMedia: '0' });

beforeAll(async () => {
  twilio = await twilioServer({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, unsubscribed: ['+14155559999'] });
  const email = uniqueEmail('admin');
  const created = await cli('org', 'create', '--name', 'SMS org', '--admin-email', email, '--admin-password', 'correct horse battery',
    '--timezone', noonZone());
  orgId = created.org_id;
  admin = await login(email, 'correct horse battery');
  const source = await cli('source', 'create', '--org', orgId, '--provider', 'twilio', '--secret', AUTH_TOKEN);
  expect(source).toMatchObject({ secret: AUTH_TOKEN, url: `/webhooks/twilio/${source.source_id}` });
  sourceUrl = source.url;
  await cli('sms', 'configure', '--org', orgId, '--account-sid', ACCOUNT_SID, '--auth-token', AUTH_TOKEN, '--from', '+14155550100',
    '--base-url', twilio.url, '--status-callback', `${stack().gatewayUrl}${sourceUrl}`);
  // A resource open around the clock (no hours), so any slot books.
  resourceId = (await pool.query<{ id: string }>("insert into app_public.resources (org_id, name) values ($1, 'Dr. Ada') returning id", [orgId])).rows[0].id;
});

describe('Twilio signatures', () => {
  // Twilio's published example (auth token 12345): https://www.twilio.com/docs/usage/webhooks/webhooks-security
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  it('passes Twilio\'s published example request and fails on one changed parameter', () => {
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(validTwilioSignature('RSOYDt4T1cUTdK1PDd93/VVr8B8=', ['12345'], url, params)).toBe(true);
    expect(validTwilioSignature('RSOYDt4T1cUTdK1PDd93/VVr8B8=', ['12345'], url, { ...params, Digits: '1235' })).toBe(false);
    expect(validTwilioSignature('RSOYDt4T1cUTdK1PDd93/VVr8B8=', ['12345'], `${url}&baz=3`, params)).toBe(false);
    expect(validTwilioSignature('RSOYDt4T1cUTdK1PDd93/VVr8B8=', ['other'], url, params)).toBe(false);
    // Twilio's validators accept the URL with the default port added.
    expect(validTwilioSignature('RSOYDt4T1cUTdK1PDd93/VVr8B8=', ['12345'], 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params)).toBe(true);
  });

  it('the gateway takes form-encoded Twilio requests with a valid signature only', async () => {
    const ok = await inboundSms('+14155550001', 'hello there');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/xml/);
    expect(await ok.text()).toContain('<Response></Response>');
    const forged = await fromTwilio({ MessageSid: `SM${'f'.repeat(32)}`, AccountSid: ACCOUNT_SID, From: '+14155550001', Body: 'x' }, 'not-the-token');
    expect(forged.status).toBe(401);
    const json = await fetch(`${stack().gatewayUrl}${sourceUrl}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
  });
});

describe('appointment reminders', () => {
  it('30 concurrent workers send exactly one reminder per (appointment, offset)', async () => {
    const soon = Date.now() + 3 * 86_400_000;
    const appointments: string[] = [];
    for (let i = 0; i < 10; i++) appointments.push(await book(await contact(`+1415556${String(1000 + i).slice(1)}`, `Pat${i}`), new Date(soon + i * 3_600_000)));
    const ids = (await Promise.all(appointments.map(reminders))).flat().map((r) => r.id);
    expect(ids).toHaveLength(20);

    // These in-process workers send to the local Twilio like the stack's worker: the operator's SSRF allowance.
    process.env.DELIVERY_ALLOW_PRIVATE_URLS = '1';
    // 30 graphile-worker runners (each its own pool: LISTEN + one job) that only run send_sms, plus the stack's own worker.
    const pools: pg.Pool[] = [];
    const runners: Runner[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        const workerPool = new pg.Pool({ connectionString: resolveConfig(stack().env).workerUrl, max: 3 });
        workerPool.on('error', () => {});
        pools.push(workerPool);
        runners.push(await run({ pgPool: workerPool, concurrency: 1, pollInterval: 50, noHandleSignals: true, taskList: { send_sms },
          logger: new Logger(() => () => {}) }));
      }
      // Everything due at once, and every message's job duplicated four times on top.
      await dueNow(ids);
      await pool.query(`select graphile_worker.add_job('send_sms', json_build_object('org_id', org_id, 'message_id', id))
                          from app_public.sms_messages, generate_series(1, 4) where id = any($1::uuid[])`, [ids]);
      await waitFor(async () => (await pool.query("select count(*)::int as n from app_public.sms_messages where id = any($1::uuid[]) and status = 'queued'", [ids]))
        .rows[0].n === 20, 'all 20 reminders sent', 60_000);
      await waitFor(async () => (await pool.query("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'send_sms' and run_at <= now()")).rows[0].n === 0,
        'every duplicate job done', 30_000);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
      await Promise.all(pools.map((p) => p.end()));
    }
    expect(twilio.violations).toEqual([]);
    const { rows } = await pool.query<{ twilio_sid: string; to_number: string; body: string }>(
      'select twilio_sid, to_number, body from app_public.sms_messages where id = any($1::uuid[])', [ids]);
    const sent = twilio.messages.filter((m) => rows.some((r) => r.to_number === m.to));
    expect(sent).toHaveLength(20);
    expect(new Set(rows.map((r) => r.twilio_sid))).toEqual(new Set(sent.map((m) => m.sid)));
    // Rendered with the template: name, local time, resource, a signed cancel link; the status callback is ours.
    expect(sent[0].body).toMatch(/^Hi Pat\d, a reminder of your appointment \(Dr\. Ada\) on \w+, \w+ \d+ at \d+:\d\d [AP]M\. To cancel: http:\/\/127\.0\.0\.1:\d+\/appointments\/cancel\/\S+$/);
    expect(sent[0].statusCallback).toBe(`${stack().gatewayUrl}${sourceUrl}`);
    expect((await pool.query("select count(*)::int as n from app_public.pipeline_events where org_id = $1 and kind = 'sms_sent'", [orgId])).rows[0].n)
      .toBeGreaterThanOrEqual(20);
  }, 120_000);

  it('a reschedule moves the pending reminders, and a cancel removes them', async () => {
    const startsAt = slot(5);
    const id = await book(await contact('+14155557001'), startsAt);
    const before = await reminders(id);
    expect(before.map((r) => r.status)).toEqual(['scheduled', 'scheduled']);
    const later = new Date(startsAt.getTime() + 86_400_000);
    const moved = await rpc('reschedule_appointment', { appointment_id: id, starts_at: later.toISOString(), ends_at: new Date(later.getTime() + 1_800_000).toISOString() });
    expect(moved.status).toBe(200);
    const after = await reminders(id);
    expect(after.map((r) => r.send_at.getTime() - before[after.indexOf(r)].send_at.getTime())).toEqual([86_400_000, 86_400_000]);
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    const cancelled = await rpc('cancel_appointment', { appointment_id: id });
    expect(cancelled.status).toBe(200);
    expect((await reminders(id)).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    await dueNow((await reminders(id)).map((r) => r.id));
    await new Promise((r) => setTimeout(r, 1500));
    expect(twilio.messages.filter((m) => m.to === '+14155557001')).toHaveLength(0);
  });

  it('the reminder\'s {{cancel_url}} shows the appointment and cancels it', async () => {
    const phone = '+14155557003';
    const id = await book(await contact(phone), slot(4));
    const [r] = await reminders(id);
    await dueNow([r.id]);
    await waitFor(async () => twilio.messages.some((m) => m.to === phone), 'the reminder', 20_000);
    const link = /http:\/\/\S+\/appointments\/cancel\/\S+/.exec(twilio.messages.find((m) => m.to === phone)!.body)![0];
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Cancel your appointment (Dr. Ada)');
    expect((await fetch(`${link}x`)).status).toBe(404);
    const done = await fetch(link, { method: 'POST' });
    expect(done.status).toBe(200);
    expect((await pool.query('select status from app_public.appointments where id = $1', [id])).rows[0].status).toBe('cancelled');
    expect((await reminders(id))[1].status).toBe('cancelled');
  });

  it('a reminder due at 23:00 local goes out at 08:00', async () => {
    const tz = (await pool.query<{ timezone: string }>('select timezone from app_public.organizations where id = $1', [orgId])).rows[0].timezone;
    // Tomorrow 23:00 local + 24 h: the 24-hour reminder falls at 23:00 local tomorrow.
    const { rows: [slot] } = await pool.query<{ starts_at: Date; expected: Date }>(
      `select ((now() at time zone $1)::date + 2 + time '23:00') at time zone $1 as starts_at,
              ((now() at time zone $1)::date + 2 + time '08:00') at time zone $1 as expected`, [tz]);
    const id = await book(await contact('+14155557002'), slot.starts_at);
    const [dayBefore] = await reminders(id);
    expect(dayBefore.reminder_offset).toEqual({ hours: 24 });
    expect(dayBefore.send_at).toEqual(slot.expected);
  });
});

describe('inbound SMS', () => {
  const processed = (key: string) =>
    waitFor(async () => (await pool.query("select 1 from app_public.webhook_events where org_id = $1 and dedupe_key = $2 and status = 'processed'",
      [orgId, key])).rowCount === 1, `event ${key} processed`, 20_000);

  it('STOP suppresses the number (E.164, visible to admins) and START lifts it', async () => {
    const phone = '+14155558001';
    const contactId = await contact(phone);
    const id = await book(contactId, slot(4));
    expect((await inboundSms(phone, ' Stop ')).status).toBe(200);
    await processed(`in:SM${String(smsCounter).padStart(32, '0')}`);
    const listed = (await (await rest(`/suppressions?phone=eq.${encodeURIComponent(phone)}&select=phone,reason`, admin)).json()) as unknown[];
    expect(listed).toEqual([{ phone, reason: 'unsubscribed' }]);
    expect((await reminders(id)).map((r) => r.status)).toEqual(['suppressed', 'suppressed']);

    expect((await inboundSms(phone, 'START')).status).toBe(200);
    await processed(`in:SM${String(smsCounter).padStart(32, '0')}`);
    expect((await (await rest(`/suppressions?phone=eq.${encodeURIComponent(phone)}`, admin)).json())).toEqual([]);
    // Reminders of a new booking go out again.
    const again = await book(contactId, slot(6));
    const [r] = await reminders(again);
    await dueNow([r.id]);
    await waitFor(async () => twilio.messages.some((m) => m.to === phone), 'a reminder to the number again', 20_000);
  });

  it('error 21610 suppresses the number and is never retried', async () => {
    const phone = '+14155559999';
    const id = await book(await contact(phone), slot(4));
    const [first, second] = await reminders(id);
    await dueNow([first.id]);
    await waitFor(async () => (await reminders(id))[0].status === 'suppressed', 'the 21610 answer recorded', 20_000);
    expect(twilio.log.filter((l) => String(l.body).includes(encodeURIComponent(phone)))).toHaveLength(1);
    expect((await pool.query('select reason, source from app_public.suppressions where org_id = $1 and phone = $2', [orgId, phone])).rows)
      .toEqual([{ reason: 'unsubscribed', source: 'twilio:21610' }]);
    expect((await reminders(id))[1].status).toBe('suppressed');
    await dueNow([second.id]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(twilio.log.filter((l) => String(l.body).includes(encodeURIComponent(phone)))).toHaveLength(1);
  });

  it('status callbacks only move forward; other replies land on the contact', async () => {
    const phone = '+14155558101';
    const contactId = await contact(phone);
    const id = await book(contactId, slot(4));
    const [r] = await reminders(id);
    await dueNow([r.id]);
    await waitFor(async () => !!(await reminders(id))[0].twilio_sid, 'sent', 20_000);
    const sid = (await reminders(id))[0].twilio_sid!;
    for (const status of ['delivered', 'sent']) {
      expect((await fromTwilio({ MessageSid: sid, AccountSid: ACCOUNT_SID, MessageStatus: status, To: phone, From: '+14155550100' })).status).toBe(200);
      await processed(`status:${sid}:${status}:`);
    }
    expect((await reminders(id))[0].status).toBe('delivered');
    expect((await inboundSms(phone, 'Can we do Thursday instead?')).status).toBe(200);
    await processed(`in:SM${String(smsCounter).padStart(32, '0')}`);
    const timeline = (await (await rest(`/pipeline_events?contact_id=eq.${contactId}&kind=eq.sms_reply&select=data`, admin)).json()) as Array<{ data: { body: string } }>;
    expect(timeline.map((e) => e.data.body)).toEqual(['Can we do Thursday instead?']);
  });

  it('a reply of "C" to a reminder cancels the appointment after a confirmation SMS (org setting, off by default)', async () => {
    const phone = '+14155558201';
    const id = await book(await contact(phone), slot(4));
    const [r] = await reminders(id);
    await dueNow([r.id]);
    await waitFor(async () => !!(await reminders(id))[0].twilio_sid, 'the reminder sent', 20_000);

    const [settings] = (await (await rest('/sms_settings?select=cancel_by_reply', admin)).json()) as Array<{ cancel_by_reply: boolean }>;
    expect(settings.cancel_by_reply).toBe(false);
    const patch = await rest('/sms_settings', admin, { method: 'PATCH', body: JSON.stringify({ cancel_by_reply: true }) });
    expect(patch.status).toBe(204);

    expect((await inboundSms(phone, 'C')).status).toBe(200);
    await processed(`in:SM${String(smsCounter).padStart(32, '0')}`);
    await waitFor(async () => twilio.messages.some((m) => m.to === phone && /is cancelled/.test(m.body)), 'the confirmation SMS', 20_000);
    const { rows: [appt] } = await pool.query('select status from app_public.appointments where id = $1', [id]);
    expect(appt.status).toBe('cancelled');
    expect((await reminders(id))[1].status).toBe('cancelled');
    expect(twilio.violations).toEqual([]);
  });
});

describe('SMS credentials through the gateway', () => {
  it('admins set the Twilio credentials (never shown back); members cannot', async () => {
    const memberEmail = uniqueEmail('member');
    await cli('user', 'add', '--org', orgId, '--email', memberEmail, '--password', 'member password', '--role', 'member');
    const member = await login(memberEmail, 'member password');
    const put = (token: string, body: unknown) => fetch(`${stack().gatewayUrl}/handoff/sms`, {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const body = { account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN, from_number: '+14155550100', status_callback_url: `${stack().gatewayUrl}${sourceUrl}` };
    expect((await put(member, body)).status).toBe(403);
    expect((await put(admin, { ...body, messaging_service_sid: `MG${'1'.repeat(32)}` })).status).toBe(400);
    expect((await put(admin, body)).status).toBe(204);
    const seen = await (await rest('/sms_settings?select=*', admin)).text();
    expect(seen).toContain(ACCOUNT_SID);
    expect(seen).not.toContain(AUTH_TOKEN);
    expect(JSON.parse(seen)[0].base_url).toBe(twilio.url); // the operator's base URL is kept
    // Still sends with them.
    const phone = '+14155558301';
    const id = await book(await contact(phone), slot(4));
    const [r] = await reminders(id);
    await dueNow([r.id]);
    await waitFor(async () => twilio.messages.some((m) => m.to === phone), 'a reminder with the new credentials', 20_000);
    expect(twilio.violations).toEqual([]);
  });
});
