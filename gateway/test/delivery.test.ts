import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/paths.ts';
import { cli, createOrg, login, ownerPool, rest, stack } from './helpers.ts';

/**
 * Outbound deliveries end to end: the real worker sends to a local HTTP receiver; every
 * request is verified with the official standardwebhooks package.
 */
interface Received {
  path: string;
  body: string;
  headers: Record<string, string>;
  at: number;
  answered: number;
}

type Behaviour = (count: number) => { status: number; headers?: Record<string, string> };

const pool = ownerPool();
const received: Received[] = [];
const behaviours = new Map<string, Behaviour>();
let server: Server;
let base: string;
let org: Awaited<ReturnType<typeof createOrg>>;
let token: string;

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function endpoint(path: string, behaviour: Behaviour, events: string[] = []) {
  behaviours.set(path, behaviour);
  const args = ['endpoint', 'create', '--org', org.orgId, '--url', `${base}${path}`];
  if (events.length) args.push('--events', events.join(','));
  const { endpoint_id, secret } = await cli<{ endpoint_id: string; secret: string }>(...args);
  return { id: endpoint_id, secret };
}

async function emit(type: string, data: Record<string, unknown>): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('select app_private.emit_event($1, $2, $3) as id', [org.orgId, type, data]);
  return rows[0].id;
}

async function delivery(messageId: string, endpointId: string) {
  const { rows } = await pool.query(
    'select * from app_public.deliveries where message_id = $1 and endpoint_id = $2',
    [messageId, endpointId],
  );
  return rows[0] as { id: string; status: string; attempts: number; last_status_code: number | null };
}

const at = (path: string) => received.filter((r) => r.path === path);

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    const count = received.filter((r) => r.path === path).length;
    const behaviour: Behaviour = behaviours.get(path) ?? (() => ({ status: 404 }));
    const answer = behaviour(count);
    received.push({ path, body, headers: req.headers as Record<string, string>, at: Date.now(), answered: answer.status });
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end(`answer ${answer.status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  org = await createOrg('Deliveries');
  token = await login(org.email, org.password);
  // A shortened schedule (immediately, 1 s, 1 s) keeps the test quick; jitter stays on.
  await pool.query(
    `update app_public.workspace_settings set delivery_retry_schedule = '{0,1 second,1 second}',
            delivery_retry_jitter = 0.1, delivery_circuit_failures = 50 where org_id = $1`,
    [org.orgId],
  );
});

afterAll(async () => {
  await pool.end();
  await new Promise((r) => server.close(r));
});

describe('outbound deliveries', () => {
  it('arrive signed with Standard Webhooks headers, verified by the standardwebhooks package', async () => {
    const ep = await endpoint('/signed', () => ({ status: 200 }), ['lead.fed']);
    expect(ep.secret).toMatch(/^whsec_/);
    const msg = await emit('lead.fed', { lead_id: 'L-1', email: 'x@example.test' });
    await emit('call.ended', { call_id: 'C-1' }); // not subscribed: never sent to this endpoint
    const got = await until('the signed delivery', async () => at('/signed')[0]);
    const verified = new Webhook(ep.secret).verify(got.body, got.headers) as { type: string; data: { lead_id: string } };
    expect(verified.type).toBe('lead.fed');
    expect(verified.data.lead_id).toBe('L-1');
    expect(got.headers['webhook-id']).toBe(`msg_${msg}`);
    expect(() => new Webhook(`whsec_${Buffer.from('wrong key wrong key wrong key!!').toString('base64')}`).verify(got.body, got.headers)).toThrow();
    await until('delivered status', async () => (await delivery(msg, ep.id)).status === 'delivered');
    await new Promise((r) => setTimeout(r, 500));
    expect(at('/signed')).toHaveLength(1);
  });

  it('a receiver answering 500 then 200 gets exactly one successful delivery after a retry', async () => {
    const ep = await endpoint('/flaky', (n) => ({ status: n === 0 ? 500 : 200 }), ['reply.received']);
    const msg = await emit('reply.received', { contact: 'c-1' });
    await until('delivered', async () => (await delivery(msg, ep.id)).status === 'delivered');
    await new Promise((r) => setTimeout(r, 1500));
    const hits = at('/flaky');
    expect(hits.map((h) => h.answered)).toEqual([500, 200]);
    expect(hits[0].headers['webhook-id']).toBe(hits[1].headers['webhook-id']);
    for (const h of hits) new Webhook(ep.secret).verify(h.body, h.headers);
    const d = await delivery(msg, ep.id);
    expect(d.attempts).toBe(2);
    const { rows } = await pool.query('select attempt, status_code, latency_ms, response_excerpt from app_public.delivery_attempts where delivery_id = $1 order by attempt', [d.id]);
    expect(rows.map((r) => [r.attempt, r.status_code])).toEqual([[1, 500], [2, 200]]);
    expect(rows[0].response_excerpt).toBe('answer 500');
    expect(rows[1].latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('honours Retry-After on 429 over a shorter schedule', async () => {
    const ep = await endpoint('/busy', (n) => (n === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 }), ['booked']);
    const msg = await emit('booked', {});
    await until('delivered', async () => (await delivery(msg, ep.id)).status === 'delivered', 30_000);
    const [first, second] = at('/busy');
    expect(second.at - first.at).toBeGreaterThanOrEqual(2900);
  });

  it('410 Gone disables the endpoint, dead-letters the delivery and tells the org by an event', async () => {
    const watcher = await endpoint('/watcher', () => ({ status: 200 }), ['endpoint.disabled']);
    const ep = await endpoint('/gone', () => ({ status: 410 }), ['import.finished']);
    const msg = await emit('import.finished', { batch_id: 'b-1' });
    await until('dead', async () => (await delivery(msg, ep.id)).status === 'dead');
    const { rows } = await pool.query('select enabled, disabled_reason from app_public.delivery_endpoints where id = $1', [ep.id]);
    expect(rows[0]).toEqual({ enabled: false, disabled_reason: 'endpoint answered 410 Gone' });
    expect(at('/gone')).toHaveLength(1);
    const note = await until('the endpoint.disabled event', async () => at('/watcher')[0]);
    const event = new Webhook(watcher.secret).verify(note.body, note.headers) as { type: string; data: { endpoint_id: string } };
    expect(event).toMatchObject({ type: 'endpoint.disabled', data: { endpoint_id: ep.id } });
    // Later events are not sent to a disabled endpoint.
    await emit('import.finished', { batch_id: 'b-2' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(at('/gone')).toHaveLength(1);
  });

  it('after the last attempt a delivery is dead-lettered; an admin replays it, or all failed since a time', async () => {
    let healthy = false;
    const ep = await endpoint('/down', () => ({ status: healthy ? 200 : 500 }), ['call.ended']);
    const since = new Date(Date.now() - 1000).toISOString();
    const first = await emit('call.ended', { call_id: 'A' });
    const second = await emit('call.ended', { call_id: 'B' });
    await until('both dead', async () => (await delivery(first, ep.id)).status === 'dead' && (await delivery(second, ep.id)).status === 'dead');
    expect(at('/down')).toHaveLength(6); // 3 attempts each
    const d1 = await delivery(first, ep.id);

    const letters = await rest(`/dead_letters?kind=eq.delivery&ref_id=eq.${d1.id}`, token);
    const [letter] = (await letters.json()) as { id: number }[];
    expect(letter).toBeDefined();
    healthy = true;
    const retry = await rest('/rpc/retry_dead_letter', token, { method: 'POST', body: JSON.stringify({ dead_letter_id: letter.id }) });
    expect(retry.status).toBe(200);
    await until('replayed delivery', async () => (await delivery(first, ep.id)).status === 'delivered');
    expect((await delivery(second, ep.id)).status).toBe('dead');

    const bulk = await rest('/rpc/replay_failed_deliveries', token, {
      method: 'POST',
      body: JSON.stringify({ endpoint_id: ep.id, since }),
    });
    expect(await bulk.json()).toBe(1);
    await until('bulk replay', async () => (await delivery(second, ep.id)).status === 'delivered');
    const ok = at('/down').filter((h) => h.answered === 200);
    expect(ok).toHaveLength(2);
    for (const h of ok) new Webhook(ep.secret).verify(h.body, h.headers);

    // Replaying marked the dead letter as retried.
    const { rows } = await pool.query('select count(*)::int as n from app_public.dead_letters where kind = $1 and ref_id = $2 and retried_at is null', ['delivery', d1.id]);
    expect(rows[0].n).toBe(0);
  });

  it('refuses private, loopback and plain-http URLs unless the operator allows them', async () => {
    const run = promisify(execFile);
    const env = { ...stack().env, DELIVERY_ALLOW_PRIVATE_URLS: '0' };
    // The full list of refused forms is in db/tests/70-delivery-engine.test.sql; here the CLI path.
    for (const url of [`${base}/x`, 'https://169.254.169.254/latest']) {
      const out = await run(process.execPath, [join(projectRoot, 'scripts/switchboard.mjs'), 'endpoint', 'create', '--org', org.orgId, '--url', url, '--json'], { env })
        .then((r) => r.stdout, (e: { stdout: string }) => e.stdout);
      expect(JSON.parse(out), url).toMatchObject({ error: 'failed' });
      expect(JSON.parse(out).message, url).toMatch(/endpoint URL refused/);
    }
    const ok = await run(process.execPath, [join(projectRoot, 'scripts/switchboard.mjs'), 'endpoint', 'create', '--org', org.orgId,
      '--url', 'https://hooks.example.com/switchboard', '--events', 'never.sent', '--json'], { env });
    expect(JSON.parse(ok.stdout)).toHaveProperty('endpoint_id');
  });
});
