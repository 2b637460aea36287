import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createOrg, login, ownerPool, rest, stack } from './helpers.ts';
import { createVapiSource, eventually, sendVapi, toolCall, vapiHeaders, type VapiSource } from './calls-vapi-sender.ts';

let owner: pg.Pool;
beforeAll(() => {
  owner = ownerPool();
});
afterAll(async () => {
  await owner.end();
});

describe('Vapi webhooks', () => {
  let org: Awaited<ReturnType<typeof createOrg>>;
  let source: VapiSource;
  beforeAll(async () => {
    org = await createOrg('Voice');
    source = await createVapiSource(org.orgId);
  });

  const report = (callId: string) => ({
    type: 'end-of-call-report',
    endedReason: 'customer-ended-call',
    cost: 0.31,
    durationSeconds: 64,
    startedAt: '2030-05-01T10:00:00Z',
    endedAt: '2030-05-01T10:01:04Z',
    recordingUrl: 'https://recordings.example/abc.wav',
    transcript: 'User: my social security number is 123-45-6789, email me at pat@example.com',
    analysis: { summary: 'Caller asked for a callback at 415-555-0132' },
    call: { id: callId, type: 'inboundPhoneCall', customer: { number: '+14155550132' } },
  });

  it('the same end-of-call-report delivered 5 times makes one call row, redacted', async () => {
    const callId = `call-${crypto.randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await sendVapi(source, report(callId), timestamp));
    expect(answers.map((r) => r.status)).toEqual([202, 200, 200, 200, 200]);
    expect(await answers[1].json()).toMatchObject({ status: 'duplicate' });
    // Re-sent later with new timestamps: the same event (call id + type), still one call.
    await Promise.all(Array.from({ length: 5 }, (_, i) => sendVapi(source, report(callId), timestamp + 1 + i)));

    const token = await login(org.email, org.password);
    const calls = await eventually(async () => {
      const { rows } = await owner.query(
        `select count(*) filter (where status = 'processed')::int as done from app_public.webhook_events
          where org_id = $1 and provider = 'vapi' and payload #>> '{message,call,id}' = $2`,
        [org.orgId, callId],
      );
      if (rows[0].done !== 1) return undefined;
      return (await (await rest(`/calls?external_id=eq.${callId}`, token)).json()) as Array<Record<string, unknown>>;
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 'ended', ended_reason: 'customer-ended-call', direction: 'inbound', summary: 'Caller asked for a callback at [PHONE]' });
    const transcripts = (await (await rest(`/transcripts?call_id=eq.${calls[0].id}`, token)).json()) as Array<{ content: string }>;
    expect(transcripts.map((t) => t.content)).toEqual(['User: my social security number is [SSN], email me at [EMAIL]']);
    const { rows } = await owner.query(`select count(*)::int as n from app_public.webhook_events where payload::text like '%123-45-6789%'`);
    expect(rows[0].n).toBe(0);
  });

  it('answers 401 for a bad signature, a stale or missing timestamp and an unknown source', async () => {
    const message = report(`call-${crypto.randomUUID()}`);
    const body = JSON.stringify({ message });
    const now = Math.floor(Date.now() / 1000);
    const good = vapiHeaders(source, body, now);
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['wrong signature', { ...good, 'x-signature': 'ab'.repeat(32) }],
      ['signed with another secret', vapiHeaders({ ...source, secret: 'not-the-secret' }, body, now)],
      ['stale timestamp', vapiHeaders(source, body, now - 600)],
      ['future timestamp', vapiHeaders(source, body, now + 600)],
      ['timestamp not covered', { ...good, 'x-timestamp': String(now - 1) }],
      ['no timestamp', { 'content-type': 'application/json', 'x-signature': good['x-signature'] }],
      ['unknown source', good, crypto.randomUUID()],
    ];
    for (const [name, headers, sourceId] of cases) {
      const res = await fetch(`${stack().gatewayUrl}/webhooks/vapi/${sourceId ?? source.sourceId}`, { method: 'POST', headers, body });
      expect(res.status, name).toBe(401);
      expect(await res.json(), name).toMatchObject({ error: 'invalid_signature' });
    }
  });

  it('answers tool-calls synchronously with {results:[{toolCallId,result}]}', async () => {
    const res = await sendVapi(source, toolCall('check_availability', { date: '2030-05-06' }, 'call-tools', 'tc-avail'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Array<{ toolCallId: string; result: string }> };
    expect(body.results).toHaveLength(1);
    expect(body.results[0].toolCallId).toBe('tc-avail');
    // The default resource opens Monday to Friday 09:00-17:00 in the org's time zone (UTC here).
    expect(body.results[0].result).toMatch(/^Free times on Monday, May 6 \(UTC\): 9:00 AM; 9:30 AM;/);

    const booked = await sendVapi(source, toolCall('book_appointment', { starts_at: '2030-05-06T09:00:00Z' }, 'call-tools', 'tc-book'));
    expect(((await booked.json()) as typeof body).results[0].result).toBe('Booked for Monday, May 6 at 9:00 AM (UTC).');
    const again = await sendVapi(source, toolCall('book_appointment', { starts_at: '2030-05-06T09:00:00Z' }, 'call-tools', 'tc-book-2'));
    expect(((await again.json()) as typeof body).results[0].result).toMatch(/^That time is already taken\. The nearest free times are .*9:30 AM/);
    const token = await login(org.email, org.password);
    const appts = (await (await rest('/appointments?source=eq.vapi', token)).json()) as unknown[];
    expect(appts).toHaveLength(1);
  });
});

describe('request_callback', () => {
  let server: Server;
  let baseUrl: string;
  const received: Array<{ path: string; body: Record<string, unknown> }> = [];
  let failNext = 0;

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      received.push({ path: `${req.method} ${req.url}`, body: JSON.parse(raw || '{}') });
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('{"message":"try later"}');
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `vapi-out-${received.length}`, status: 'queued' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses clearly before anything leaves, then places exactly one call with the right body', async () => {
    const org = await createOrg('Callbacks');
    const token = await login(org.email, org.password);
    // Operator setting (admins cannot point the worker's API key elsewhere).
    const attempt = await rest(`/workspace_settings?org_id=eq.${org.orgId}`, token, {
      method: 'PATCH',
      body: JSON.stringify({ voice_api_base_url: 'https://attacker.example' }),
    });
    expect(attempt.status).toBe(403);
    await owner.query('update app_public.workspace_settings set voice_api_base_url = $2 where org_id = $1', [org.orgId, baseUrl]);
    const contact = async (phone: string) => {
      const res = await rest('/contacts', token, {
        method: 'POST',
        headers: { prefer: 'return=representation' },
        body: JSON.stringify({ first_name: 'Dana', last_name: 'Lee', phone, email: `${crypto.randomUUID()}@example.test` }),
      });
      return ((await res.json()) as Array<{ id: string }>)[0].id;
    };
    const good = await contact('+1 415 555 0199');
    const bad = await contact('555-0199');
    const request = (contactId: string) => rest('/rpc/request_callback', token, { method: 'POST', body: JSON.stringify({ contact_id: contactId }) });

    const none = await request(good);
    expect(none.status).toBe(422);
    expect(await none.json()).toMatchObject({ code: 'PT422', hint: 'outbound_agent_not_configured', message: 'outbound agent not configured' });

    const agent = await rest('/agents', token, {
      method: 'POST',
      headers: { prefer: 'return=representation' },
      body: JSON.stringify({ name: 'Closer', direction: 'outbound', assistant_id: 'asst_123', phone_number_id: '+14155550100' }),
    });
    expect(agent.status).toBe(201);
    const agentId = ((await agent.json()) as Array<{ id: string }>)[0].id;
    const e164AsId = await request(good);
    expect(e164AsId.status).toBe(422);
    expect(await e164AsId.json()).toMatchObject({ hint: 'invalid_phone_number_id' });

    const phoneNumberId = '3f1c1f7e-8d0a-4b6e-9a63-2b7f6c1d9e01';
    expect((await rest(`/agents?id=eq.${agentId}`, token, { method: 'PATCH', body: JSON.stringify({ phone_number_id: phoneNumberId }) })).status).toBe(204);
    const badNumber = await request(bad);
    expect(badNumber.status).toBe(422);
    expect(await badNumber.json()).toMatchObject({ hint: 'invalid_customer_number' });

    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toEqual([]);

    const ok = await request(good);
    expect(ok.status).toBe(200);
    const req = (await ok.json()) as { id: string };
    const sent = await eventually(async () => {
      const { rows } = await owner.query('select status, external_call_id, call_id from app_public.callback_requests where id = $1', [req.id]);
      return rows[0].status === 'sent' ? rows[0] : undefined;
    });
    expect(received).toEqual([
      { path: 'POST /call', body: { assistantId: 'asst_123', phoneNumberId, customer: { number: '+14155550199', name: 'Dana Lee' } } },
    ]);
    expect(sent.external_call_id).toBe('vapi-out-1');
    const calls = (await (await rest(`/calls?id=eq.${sent.call_id}`, token)).json()) as Array<Record<string, unknown>>;
    expect(calls[0]).toMatchObject({ external_id: 'vapi-out-1', direction: 'outbound', contact_id: good, agent_id: agentId });
  });

  it('retries a transient failure and still places one call', async () => {
    const org = await createOrg('Callbacks retry');
    const token = await login(org.email, org.password);
    await owner.query('update app_public.workspace_settings set voice_api_base_url = $2 where org_id = $1', [org.orgId, baseUrl]);
    await rest('/agents', token, {
      method: 'POST',
      body: JSON.stringify({ name: 'Closer', direction: 'outbound', assistant_id: 'asst_9', phone_number_id: '3f1c1f7e-8d0a-4b6e-9a63-2b7f6c1d9e02' }),
    });
    const c = await rest('/contacts', token, {
      method: 'POST',
      headers: { prefer: 'return=representation' },
      body: JSON.stringify({ first_name: 'Ray', phone: '+442079460958' }),
    });
    const contactId = ((await c.json()) as Array<{ id: string }>)[0].id;
    const before = received.length;
    failNext = 1;
    const res = await rest('/rpc/request_callback', token, { method: 'POST', body: JSON.stringify({ contact_id: contactId }) });
    const { id } = (await res.json()) as { id: string };
    const row = await eventually(async () => {
      const { rows } = await owner.query('select status, attempts from app_public.callback_requests where id = $1', [id]);
      return rows[0].status === 'sent' ? rows[0] : undefined;
    }, 30_000);
    expect(row.attempts).toBe(2);
    expect(received.length - before).toBe(2);
    expect(received.slice(before).every((r) => (r.body as { assistantId: string }).assistantId === 'asst_9')).toBe(true);
  });
});
