import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/paths.ts';
import { answers, freePort, waitFor } from '../../lib/ports.ts';
import { eventually } from './calls-vapi-sender.ts';
import { cli, createOrg, login, ownerPool, rest, stack } from './helpers.ts';

/**
 * Real senders end to end: the platforms' published sample payloads
 * (gateway/test/fixtures/providers, sources in its README), authenticated each way the
 * platform really can, through a gateway whose full log (level debug) is kept so that it can
 * be searched for secrets.
 */
const FIXTURES = join(projectRoot, 'gateway/test/fixtures/providers');
const fixture = (path: string): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));
const owner = ownerPool();
/** The orgs whose sources' secrets must appear nowhere (this file's SmartLead and Reply.io runs). */
const secretOrgs: string[] = [];

let gateway = '';
let gatewayLog = '';
let child: ChildProcess | undefined;
beforeAll(async () => {
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway/src/main.ts')], {
    env: { ...process.env, ...stack().env, LOG_LEVEL: 'debug', SHUTDOWN_DRAIN_MS: '300', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (gatewayLog += chunk));
  child.stderr!.on('data', (chunk) => (gatewayLog += chunk));
  gateway = `http://127.0.0.1:${port}`;
  await waitFor(() => answers(`${gateway}/health`), 'the logging gateway', 30_000);
});
afterAll(async () => {
  // Waited for (and killed if it lingers), so no gateway outlives the run.
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    const lingering = setTimeout(() => child?.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(lingering);
  }
  await owner.end();
});

const json = { 'content-type': 'application/json' };
const post = (path: string, body: unknown, headers: Record<string, string> = json) =>
  fetch(`${gateway}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The answer every refused sender gets, whatever was wrong: compared whole. */
async function expectRefused(res: Response, what: string): Promise<void> {
  expect(res.status, what).toBe(401);
  expect(await res.json(), what).toEqual({ error: 'invalid_signature', message: 'The signature is missing, expired or does not match.' });
}

async function metrics(orgId: string, provider: string, externalId: string) {
  const { rows } = await owner.query(
    `select c.name, m.sent::int, m.opened::int, m.clicked::int, m.replied::int, m.positive_replies::int, m.bounced::int, m.unsubscribed::int
       from app_public.campaigns c join app_public.campaign_metrics m on m.campaign_id = c.id
      where c.org_id = $1 and c.provider = $2 and c.external_id = $3`,
    [orgId, provider, externalId],
  );
  return rows[0];
}

/** Waits until the org's inbox has no pending events (the worker has drained it). */
async function drained(orgId: string): Promise<void> {
  await eventually(async () => {
    const { rows } = await owner.query(
      `select count(*) filter (where status in ('pending', 'failed'))::int as todo, count(*)::int as n
         from app_public.webhook_events where org_id = $1`,
      [orgId],
    );
    return rows[0].n > 0 && rows[0].todo === 0 ? true : undefined;
  });
}

async function storedBodiesContain(text: string): Promise<number> {
  const { rows } = await owner.query(
    `select count(*)::int as n from app_public.webhook_events where payload::text like $1 or dedupe_key like $1`,
    [`%${text}%`],
  );
  return rows[0].n;
}

describe('SmartLead as it really sends', () => {
  const SMARTLEAD_ORDER = ['EMAIL_SENT', 'FIRST_EMAIL_SENT', 'EMAIL_OPEN', 'EMAIL_LINK_CLICK', 'EMAIL_BOUNCE', 'LEAD_UNSUBSCRIBED', 'UNTRACKED_REPLIES'];
  let org: Awaited<ReturnType<typeof createOrg>>;
  let source: { source_id: string; secret: string; url: string };
  // The value SmartLead shows in its webhook settings (a UUID), stored as given.
  const shownSecret = randomUUID();
  const body = (type: string, secret = shownSecret) => ({ ...fixture(`smartlead/${type}.json`), secret_key: secret });

  beforeAll(async () => {
    org = await createOrg();
    source = await cli('source', 'create', '--org', org.orgId, '--provider', 'smartlead', '--secret', shownSecret);
    secretOrgs.push(org.orgId);
  });

  it('stores the secret SmartLead shows and prints the URL to paste', () => {
    expect(source.secret).toBe(shownSecret);
    expect(source.url).toBe(`/webhooks/smartlead/${source.source_id}`);
  });

  it('accepts every published event type by its body secret_key, with exact metrics, once each', async () => {
    const path = source.url;
    const first = await post(path, body('EMAIL_SENT'));
    expect(first.status).toBe(202);
    // FIRST_EMAIL_SENT is the same send: a duplicate, never a second count.
    const firstSent = await post(path, body('FIRST_EMAIL_SENT'));
    expect(firstSent.status).toBe(200);
    expect(await firstSent.json()).toMatchObject({ status: 'duplicate' });
    for (const type of SMARTLEAD_ORDER.slice(2)) expect((await post(path, body(type))).status, type).toBe(202);

    // A reply counts once; it turns positive when the lead is categorised "Interested".
    expect((await post(path, body('EMAIL_REPLY'))).status).toBe(202);
    await drained(org.orgId);
    expect(await metrics(org.orgId, 'smartlead', '9181')).toMatchObject({
      name: 'email sent', sent: 1, opened: 1, clicked: 1, replied: 1, positive_replies: 0, bounced: 1, unsubscribed: 1,
    });
    expect((await post(path, body('LEAD_CATEGORY_UPDATED'))).status).toBe(202);
    await drained(org.orgId);
    expect(await metrics(org.orgId, 'smartlead', '9181')).toMatchObject({ replied: 1, positive_replies: 1 });

    // SmartLead retries: every event re-sent is a duplicate and changes nothing.
    for (const type of [...SMARTLEAD_ORDER, 'EMAIL_REPLY', 'LEAD_CATEGORY_UPDATED']) {
      const again = await post(path, body(type));
      expect(again.status, type).toBe(200);
      expect(await again.json(), type).toMatchObject({ status: 'duplicate' });
    }
    expect(await metrics(org.orgId, 'smartlead', '9181')).toMatchObject({ sent: 1, replied: 1, positive_replies: 1, bounced: 1 });

    // The bounce and the unsubscribe suppress the lead; the untracked reply is the lead's, on no campaign.
    const { rows: suppressed } = await owner.query(`select reason from app_public.suppressions where org_id = $1 and email = 'lead@example.com'`, [org.orgId]);
    expect(suppressed).toHaveLength(1);
    const { rows: untracked } = await owner.query(
      `select ev.kind, ev.campaign_id from app_public.email_events ev join app_public.contacts c on c.id = ev.contact_id
        join app_public.webhook_events w on w.id = ev.webhook_event_id
        where ev.org_id = $1 and c.email = 'lead@example.com' and w.event_type = 'UNTRACKED_REPLIES'`,
      [org.orgId],
    );
    expect(untracked).toEqual([{ kind: 'replied', campaign_id: null }]);
    // The reply's to_email is the sender's own mailbox: no contact is made of it.
    const { rows: own } = await owner.query(`select 1 from app_public.contacts where org_id = $1 and email = 'outreach@acme.example'`, [org.orgId]);
    expect(own).toHaveLength(0);
  });

  it('accepts X-Smartlead-Signature (with or without sha256=) and the secret in the URL', async () => {
    const event = (n: number) => JSON.stringify({ ...fixture('smartlead/EMAIL_OPEN.json'), secret_key: undefined, stats_id: `sig-${n}-${randomUUID()}` });
    const hex = (b: string) => createHmac('sha256', shownSecret).update(b).digest('hex');
    const b1 = event(1);
    expect((await post(source.url, b1, { ...json, 'x-smartlead-signature': hex(b1) })).status).toBe(202);
    const b2 = event(2);
    expect((await post(source.url, b2, { ...json, 'x-smartlead-signature': `sha256=${hex(b2)}` })).status).toBe(202);
    expect((await post(`${source.url}/${shownSecret}`, event(3))).status).toBe(202);
  });

  it('refuses a wrong secret_key, a wrong HMAC, a wrong URL secret and an unknown source identically', async () => {
    const b = JSON.stringify(body('EMAIL_OPEN', randomUUID()));
    await expectRefused(await post(source.url, b), 'wrong secret_key');
    await expectRefused(await post(source.url, JSON.stringify({ ...body('EMAIL_OPEN'), secret_key: undefined })), 'no secret at all');
    await expectRefused(await post(source.url, b, { ...json, 'x-smartlead-signature': 'ab'.repeat(32) }), 'wrong HMAC');
    await expectRefused(await post(`${source.url}/${randomUUID()}`, b), 'wrong URL secret');
    await expectRefused(await post(`/webhooks/smartlead/${randomUUID()}`, body('EMAIL_OPEN')), 'unknown source');
    await expectRefused(await post(`/webhooks/replyio/${source.source_id}/${shownSecret}`, body('EMAIL_OPEN')), 'another provider');
  });

  it('rotates to a secret SmartLead shows, keeping the old one for the grace period', async () => {
    const next = randomUUID();
    const rotated = await cli('source', 'rotate', '--source', source.source_id, '--secret', next, '--grace', '1h');
    expect(rotated).toEqual({ source_id: source.source_id, secret: next, url: source.url });
    await new Promise((r) => setTimeout(r, 1100)); // the credential cache's TTL in tests
    for (const secret of [shownSecret, next]) {
      const b = { ...fixture('smartlead/EMAIL_OPEN.json'), stats_id: randomUUID(), secret_key: secret };
      expect((await post(source.url, b)).status).toBe(202);
    }
  });
});

describe('Reply.io as it really sends', () => {
  let org: Awaited<ReturnType<typeof createOrg>>;
  let source: { source_id: string; secret: string; url: string };
  beforeAll(async () => {
    org = await createOrg();
    source = await cli('source', 'create', '--org', org.orgId, '--provider', 'replyio');
    secretOrgs.push(org.orgId);
  });

  it('prints the URL with its secret, the only way Reply.io can authenticate', () => {
    expect(source.url).toBe(`/webhooks/replyio/${source.source_id}/${source.secret}`);
  });

  it('accepts both documented shapes; names an unnamed sequence until a payload names it', async () => {
    expect((await post(source.url, fixture('replyio/shape-a-email_replied.json'))).status).toBe(202);
    await drained(org.orgId);
    expect((await metrics(org.orgId, 'replyio', '67890')).name).toBe('Reply.io sequence 67890');

    expect((await post(source.url, fixture('replyio/shape-b-email_replied.json'))).status).toBe(202);
    const files = readdirSync(join(FIXTURES, 'replyio')).filter((f) => f.startsWith('shape-a-') && f !== 'shape-a-email_replied.json');
    for (const file of files) expect((await post(source.url, fixture(`replyio/${file}`))).status, file).toBe(202);
    await drained(org.orgId);
    // Two replies (one per shape); the auto-reply and the LinkedIn event are stored, counted nowhere.
    expect(await metrics(org.orgId, 'replyio', '67890')).toMatchObject({
      name: 'Q2 Outbound', sent: 1, opened: 1, clicked: 1, replied: 2, bounced: 1, unsubscribed: 1,
    });
    const { rows } = await owner.query(
      `select event_type, status from app_public.webhook_events where org_id = $1 and event_type in ('email_auto_reply', 'linkedin_message_replied') order by 1`,
      [org.orgId],
    );
    expect(rows).toEqual([{ event_type: 'email_auto_reply', status: 'processed' }, { event_type: 'linkedin_message_replied', status: 'processed' }]);

    // event.id is the dedupe key.
    const again = await post(source.url, fixture('replyio/shape-b-email_replied.json'));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
  });

  it('refuses a wrong or missing URL secret identically', async () => {
    const payload = fixture('replyio/shape-a-email_sent.json');
    await expectRefused(await post(`/webhooks/replyio/${source.source_id}/${'0'.repeat(64)}`, payload), 'wrong secret');
    await expectRefused(await post(`/webhooks/replyio/${source.source_id}`, payload), 'no secret');
  });
});

describe('no secret is stored or logged', () => {
  it('finds no source secret in stored events, their keys, or the gateway log', async () => {
    const { rows } = await owner.query<{ secret: string }>(
      `select pgp_sym_decrypt(k.secret_encrypted, $1) as secret from app_private.source_secrets k where k.org_id = any($2)`,
      [stack().env.ENCRYPTION_KEY, secretOrgs],
    );
    expect(rows.length).toBeGreaterThan(2);
    expect(gatewayLog).toContain('webhook verified'); // the log is really being read
    for (const { secret } of rows) {
      expect(await storedBodiesContain(secret)).toBe(0);
      expect(gatewayLog.includes(secret)).toBe(false);
    }
    expect(await storedBodiesContain('[masked]')).toBeGreaterThan(0);
  });
});

describe('Vapi as it really sends', () => {
  let org: Awaited<ReturnType<typeof createOrg>>;
  beforeAll(async () => {
    org = await createOrg();
  });

  const vapiSource = (...flags: string[]) =>
    cli<{ source_id: string; secret: string; url: string }>('source', 'create', '--org', org.orgId, '--provider', 'vapi', ...flags);
  const report = (callId: string) => {
    const body = fixture('vapi/end-of-call-report.json');
    body.message.call.id = callId;
    return JSON.stringify(body);
  };
  const hmacHex = (secret: string, content: string) => createHmac('sha256', secret).update(content).digest('hex');

  it('authenticates each credential Vapi offers; a re-sent report is a duplicate; wrong or stale is the identical 401', async () => {
    const now = () => String(Math.floor(Date.now() / 1000));
    const modes: Array<{ name: string; flags: string[]; sign: (s: string, b: string) => Record<string, string>; bad: Array<(s: string, b: string) => Record<string, string>> }> = [
      { name: 'secret (default)', flags: [], sign: (s) => ({ 'x-vapi-secret': s }), bad: [() => ({ 'x-vapi-secret': randomUUID() }), () => ({})] },
      { name: 'bearer', flags: ['--auth', 'bearer'], sign: (s) => ({ authorization: `Bearer ${s}` }), bad: [() => ({ authorization: `Bearer ${randomUUID()}` }), (s) => ({ 'x-vapi-secret': s })] },
      {
        name: 'hmac, Vapi defaults', flags: ['--auth', 'hmac'],
        sign: (s, b) => { const t = now(); return { 'x-timestamp': t, 'x-signature': hmacHex(s, `${t}.${b}`) }; },
        bad: [
          (s, b) => { const t = String(Number(now()) - 600); return { 'x-timestamp': t, 'x-signature': hmacHex(s, `${t}.${b}`) }; }, // stale
          (_s, b) => { const t = now(); return { 'x-timestamp': t, 'x-signature': hmacHex(randomUUID(), `${t}.${b}`) }; }, // wrong key
          (s, b) => ({ 'x-signature': hmacHex(s, `.${b}`) }), // no timestamp
        ],
      },
      {
        name: 'hmac in milliseconds', flags: ['--auth', 'hmac'],
        sign: (s, b) => { const t = String(Date.now()); return { 'x-timestamp': t, 'x-signature': hmacHex(s, `${t}.${b}`) }; },
        bad: [(s, b) => { const t = String(Date.now() - 600_000); return { 'x-timestamp': t, 'x-signature': hmacHex(s, `${t}.${b}`) }; }],
      },
      {
        name: 'hmac as integrations sign it: x-vapi-signature over the body, no timestamp',
        flags: ['--auth', 'hmac', '--hmac-header', 'x-vapi-signature', '--hmac-timestamp-header', 'none', '--hmac-payload', '{body}'],
        sign: (s, b) => ({ 'x-vapi-signature': hmacHex(s, b) }),
        bad: [(s, b) => ({ 'x-signature': hmacHex(s, b) }), (_s, b) => ({ 'x-vapi-signature': hmacHex(randomUUID(), b) })],
      },
      {
        name: 'hmac sha512 base64 with prefix and a base64 secret',
        flags: ['--auth', 'hmac', '--hmac-algorithm', 'sha512', '--hmac-encoding', 'base64', '--hmac-prefix', 'v1=', '--secret-base64',
                '--secret', Buffer.from('a-base64-encoded-signing-key').toString('base64'),
                '--hmac-payload', '{method} {url} {timestamp}.{body}'],
        sign: (s, b) => {
          const t = now();
          const url = `${gateway}${pathOf}`;
          return { 'x-timestamp': t, 'x-signature': 'v1=' + createHmac('sha512', Buffer.from(s, 'base64')).update(`POST ${url} ${t}.${b}`).digest('base64') };
        },
        bad: [(s, b) => { const t = now(); return { 'x-timestamp': t, 'x-signature': createHmac('sha512', Buffer.from(s, 'base64')).update(`POST ${gateway}${pathOf} ${t}.${b}`).digest('base64') }; }],
      },
    ];
    let pathOf = '';
    for (const mode of modes) {
      const source = await vapiSource(...mode.flags);
      pathOf = source.url;
      const body = report(`call-${randomUUID()}`);
      const first = await post(source.url, body, { ...json, ...mode.sign(source.secret, body) });
      expect(first.status, mode.name).toBe(202);
      const again = await post(source.url, body, { ...json, ...mode.sign(source.secret, body) });
      expect(again.status, mode.name).toBe(200);
      expect(await again.json(), mode.name).toMatchObject({ status: 'duplicate' });
      for (const bad of mode.bad) await expectRefused(await post(source.url, body, { ...json, ...bad(source.secret, body) }), mode.name);
      // The URL form passes for Vapi too.
      expect((await post(`${source.url}/${encodeURIComponent(source.secret)}`, report(`call-${randomUUID()}`))).status, mode.name).toBe(202);
    }
    const { rows } = await owner.query(`select auth from app_public.sources where org_id = $1 and auth ->> 'signature_header' = 'x-vapi-signature'`, [org.orgId]);
    expect(rows[0].auth).toEqual({
      mode: 'hmac', algorithm: 'sha256', signature_header: 'x-vapi-signature', timestamp_header: null,
      payload_format: '{body}', encoding: 'hex', prefix: '', secret_base64: false,
    });
  });

  it('reads the current and the older end-of-call-report, redacted; status only moves forward', async () => {
    const source = await vapiSource();
    const send = (body: unknown) => post(source.url, body, { ...json, 'x-vapi-secret': source.secret });
    const current = fixture('vapi/end-of-call-report.json');
    const legacy = fixture('vapi/end-of-call-report-legacy.json');
    current.message.call.id = `call-${randomUUID()}`;
    legacy.message.call.id = `call-${randomUUID()}`;
    expect((await send(current)).status).toBe(202);
    expect((await send(legacy)).status).toBe(202);
    const statusCall = `call-${randomUUID()}`;
    for (const file of ['status-update-ended.json', 'status-update.json']) {
      const body = fixture(`vapi/${file}`);
      body.message.call.id = statusCall;
      expect((await send(body)).status, file).toBe(202);
    }
    await drained(org.orgId);

    const { rows: [c] } = await owner.query(
      `select c.*, t.content, t.messages from app_public.calls c left join app_public.transcripts t on t.call_id = c.id
        where c.org_id = $1 and c.external_id = $2`,
      [org.orgId, current.message.call.id],
    );
    const m = current.message;
    expect(c).toMatchObject({
      status: 'ended', ended_reason: m.endedReason, recording_url: m.artifact.recording.stereoUrl,
      customer_number: m.call.customer?.number ?? m.customer.number, structured_data: expect.anything(),
    });
    expect(Number(c.cost)).toBeCloseTo(m.cost, 4);
    expect(c.success_evaluation).toBe(typeof m.analysis.successEvaluation === 'string' ? m.analysis.successEvaluation : JSON.stringify(m.analysis.successEvaluation));
    // The speaker turns the console renders: bot/assistant and user messages with text.
    const spoken = m.artifact.messages.filter((x: { role?: string; message?: string; content?: string }) =>
      ['bot', 'assistant', 'user'].includes(x.role ?? '') && (x.message ?? x.content ?? '') !== '');
    expect(c.messages).toHaveLength(spoken.length);
    for (const text of [c.summary, c.content, JSON.stringify(c.messages)]) expect(text).not.toContain('4155550123');

    const { rows: [old] } = await owner.query(
      `select c.*, t.content from app_public.calls c left join app_public.transcripts t on t.call_id = c.id where c.org_id = $1 and c.external_id = $2`,
      [org.orgId, legacy.message.call.id],
    );
    expect(old).toMatchObject({ status: 'ended', recording_url: legacy.message.recordingUrl, customer_number: legacy.message.customer.number });
    expect(old.summary).toBeTruthy();
    expect(old.content).toBeTruthy();
    for (const text of [old.summary, old.content]) expect(text).not.toContain('4155550123');

    const { rows: [s] } = await owner.query(`select status from app_public.calls where org_id = $1 and external_id = $2`, [org.orgId, statusCall]);
    expect(s.status).toBe('ended'); // the in-progress that came after ended did not reopen it
  });

  it('books through tool-calls with string or object arguments, once per tool call id; taken and unknown answer 200', async () => {
    const source = await vapiSource('--auth', 'bearer');
    const send = (body: unknown) => post(source.url, body, { ...json, authorization: `Bearer ${source.secret}` });
    // A Monday at 10:00 UTC (the default resource's hours in this UTC org), a few weeks ahead.
    const day = new Date(Date.now() + 21 * 86_400_000);
    day.setUTCDate(day.getUTCDate() + ((8 - day.getUTCDay()) % 7));
    const at = (h: number) => `${day.toISOString().slice(0, 10)}T${String(h).padStart(2, '0')}:00:00Z`;
    const call = (file: string, startsAt: string, toolCallId: string, name?: string) => {
      const body = fixture(`vapi/${file}`);
      body.message.call.id = `call-${randomUUID()}`;
      for (const tc of [body.message.toolCallList[0], ...(body.message.toolWithToolCallList ?? []).map((t: any) => t.toolCall)]) {
        tc.id = toolCallId;
        if (name) tc.function.name = name;
        const args = typeof tc.function.arguments === 'string' ? JSON.parse(tc.function.arguments) : tc.function.arguments;
        args.starts_at = startsAt;
        tc.function.arguments = typeof tc.function.arguments === 'string' ? JSON.stringify(args) : args;
      }
      return body;
    };
    const answer = async (body: unknown) => {
      const res = await send(body);
      expect(res.status).toBe(200);
      return ((await res.json()) as { results: Array<Record<string, string>> }).results;
    };
    const id = `call_${randomUUID()}`;
    const booked = await answer(call('tool-calls-string-args.json', at(10), id));
    expect(booked).toEqual([{ toolCallId: id, name: 'book_appointment', result: expect.stringMatching(/^Booked for Monday/) }]);
    expect(await answer(call('tool-calls-string-args.json', at(10), id))).toEqual(booked);
    const { rows } = await owner.query(`select count(*)::int as n from app_public.appointments where org_id = $1 and source = 'vapi'`, [org.orgId]);
    expect(rows[0].n).toBe(1);

    const taken = await answer(call('tool-calls-object-args.json', at(10), `call_${randomUUID()}`));
    expect(taken[0].result).toMatch(/^That time is already taken\. The nearest free times are .+/);
    const other = await answer(call('tool-calls-object-args.json', at(11), `call_${randomUUID()}`));
    expect(other[0].result).toMatch(/^Booked for Monday/);
    const unknown = await answer(call('tool-calls-object-args.json', at(12), 'tc-unknown', 'order_pizza'));
    expect(unknown).toEqual([{ toolCallId: 'tc-unknown', name: 'order_pizza', error: 'Unknown tool order_pizza.' }]);
    const bad = call('tool-calls-string-args.json', at(12), 'tc-bad');
    bad.message.toolCallList[0].function.arguments = '{not json';
    expect((await answer(bad))[0]).toMatchObject({ toolCallId: 'tc-bad', error: 'I could not read the tool arguments.' });
  });

  it('answers assistant-request and transfer-destination-request within 1 s, from the configured agent', async () => {
    const source = await vapiSource();
    const send = async (body: unknown) => {
      const started = Date.now();
      const res = await post(source.url, body, { ...json, 'x-vapi-secret': source.secret });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, any>;
    };
    const request = fixture('vapi/assistant-request.json');
    const transfer = fixture('vapi/transfer-destination-request.json');
    transfer.message.call.id = `call-${randomUUID()}`;
    expect(await send(request)).toEqual({ error: expect.any(String) });
    expect(await send(transfer)).toEqual({ error: expect.any(String) });

    const called = request.message.phoneNumber.id;
    const { rows: [resource] } = await owner.query(
      `insert into app_public.resources (org_id, name) values ($1, 'Front desk') returning id`, [org.orgId]);
    await owner.query(
      `insert into app_public.agents (org_id, name, direction, assistant_id, phone_number_id, escalation_number, resource_id)
       values ($1, 'Other line', 'inbound', 'asst-other', $2, null, null),
              ($1, 'Front desk', 'inbound', 'asst-front', $3, '+14155550199', $4)`,
      [org.orgId, randomUUID(), called, resource.id],
    );
    expect(await send(request)).toEqual({ assistantId: 'asst-front' });
    transfer.message.call.assistantId = 'asst-front';
    // No business hours: open around the clock.
    expect(await send(transfer)).toEqual({ destination: { type: 'number', number: '+14155550199', message: expect.any(String) } });

    // Open only tomorrow: the agent gets a sentence to say, and one callback is recorded for the opening.
    const tomorrow = ((new Date().getUTCDay() + 1) % 7) || 7;
    await owner.query(`insert into app_public.resource_hours (org_id, resource_id, weekday, opens_at, closes_at) values ($1, $2, $3, '09:00', '17:00')`,
      [org.orgId, resource.id, tomorrow]);
    const away = await send(transfer);
    expect(away).toEqual({ error: expect.stringMatching(/call you back/) });
    await send(transfer);
    const { rows: callbacks } = await owner.query(
      `select customer_number from app_public.callback_requests where org_id = $1 and origin_call_external_id = $2`,
      [org.orgId, transfer.message.call.id],
    );
    expect(callbacks).toEqual([{ customer_number: transfer.message.call.customer.number }]);
  });
});

describe('addresses as platforms send them', () => {
  it('accepts apostrophes, quoted local parts and IDN domains; refuses whitespace and control characters naming the field', async () => {
    const org = await createOrg();
    const secret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    const source = await cli('source', 'create', '--org', org.orgId, '--provider', 'standard', '--secret', secret);
    expect(source.secret).toBe(secret);
    const send = (email: string) =>
      post(`${source.url}/${encodeURIComponent(secret)}`, { type: 'email.sent', timestamp: new Date().toISOString(), data: { campaign_id: 'addr', campaign_name: 'Addresses', email } }, { ...json, 'webhook-id': `msg_${randomUUID()}` });
    const good = ["o'brien@x.test", "a'@b.test", '"quoted local"@x.test', 'jürgen@bücher.example'];
    for (const email of good) expect((await send(email)).status, email).toBe(202);
    for (const email of ['a b@x.test', 'a\u0001b@x.test', 'no-at-sign', 'x@']) {
      const res = await send(email);
      expect(res.status, email).toBe(400);
      expect(((await res.json()) as { message: string }).message, email).toMatch(/^data\.email: /);
    }
    await drained(org.orgId);
    const token = await login(org.email, org.password);
    const contacts = (await (await rest('/contacts?select=email', token)).json()) as Array<{ email: string }>;
    expect(contacts.map((c) => c.email).sort()).toEqual([...good].map((e) => e.toLowerCase()).sort());
    const { rows } = await owner.query(`select sent::int from app_public.campaign_metrics m join app_public.campaigns c on c.id = m.campaign_id where c.org_id = $1`, [org.orgId]);
    expect(rows).toEqual([{ sent: 4 }]);
  });
});
