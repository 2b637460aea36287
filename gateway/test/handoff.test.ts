import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/paths.ts';
import { waitFor } from '../../lib/ports.ts';
import { createTestCluster } from '../../scripts/lib/test-cluster.ts';
import { cli, createOrg, login, ownerPool, rest, stack } from './helpers.ts';
import { instantlyServer, replyioServer, smartleadServer } from './lib/tool-servers.ts';

/**
 * The feeder's hand-off into SmartLead, Reply.io and Instantly, against local servers that
 * implement each tool's documented contract strictly (tool-servers.ts): every run's leads
 * land in the campaign once, 429s are honoured without loss, refusals leave the feed,
 * failures show in system_health, /metrics and an alert, and a worker killed mid-chunk
 * never makes a lead go twice.
 */
const pool = ownerPool();
afterAll(() => pool.end());

let runDay = 0;
/** Fed leads and their feed run (as feed_leads leaves them), then the hand-off. */
async function feedAndHandOff(db: pg.Pool, orgId: string, n: number, tag: string) {
  const localDate = new Date(Date.UTC(2031, 0, 1 + runDay++)).toISOString().slice(0, 10);
  await db.query(
    `insert into app_public.leads (org_id, mak, first_name, last_name, email, phone, lead_score, estimated_equity, property_address,
                                   campaign_status, email_verified, consent_given, consented_at, attributes)
     select $1, $3 || '-' || s, 'First' || s, 'Last' || s, $3 || s || '@leads.test', '+1415555' || lpad(s::text, 4, '0'), s % 100,
            1000 * s, s || ' Main St', 'active', true, true, now(), jsonb_build_object('company', 'Co ' || s)
       from generate_series(1, $2::int) s`, [orgId, n, tag]);
  await db.query(
    `insert into app_private.lead_feed_runs (org_id, local_date, fed, lead_ids)
     select $1, $2::date, count(*), array_agg(id) from app_public.leads where org_id = $1 and mak like $3 || '-%'`, [orgId, localDate, tag]);
  const { rows } = await db.query<{ r: { status: string } }>('select app_private.handoff_leads($1, $2::date) as r', [orgId, localDate]);
  return { localDate, result: rows[0].r };
}

const pushes = async (db: pg.Pool, orgId: string) =>
  (await db.query<{ email: string; status: string; reason: string | null; lead_status: string }>(
    `select l.email::text, p.status, p.reason, l.campaign_status::text as lead_status
       from app_public.lead_pushes p join app_public.leads l on l.id = p.lead_id where p.org_id = $1 order by l.email`, [orgId])).rows;

async function validConnection(orgId: string, args: string[]) {
  const { connection_id } = await cli<{ connection_id: string }>('connection', 'create', '--org', orgId, ...args);
  await waitFor(async () => (await pool.query('select validation_status from app_public.campaign_connections where id = $1', [connection_id]))
    .rows[0].validation_status !== 'pending', 'connection validated', 20_000);
  return connection_id;
}

describe('hand-off into campaign tools', () => {
  it('SmartLead: chunks of at most 100, paced, a 429 honoured without loss, refused leads leave the feed', async () => {
    const sl = await smartleadServer({
      apiKey: 'sl-key-0123456789', campaignId: '4242', rateLimitFirst: 1, retryAfterSeconds: 2,
      unsubscribed: ['sl7@leads.test'], invalid: ['sl8@leads.test'],
    });
    try {
      const org = await createOrg('SmartLead org');
      const connectionId = await validConnection(org.orgId, ['--provider', 'smartlead', '--campaign', '4242', '--api-key', 'sl-key-0123456789',
        '--base-url', `${sl.url}/api/v1`]);
      expect((await pool.query('select validation_status from app_public.campaign_connections where id = $1', [connectionId])).rows[0])
        .toEqual({ validation_status: 'valid' });
      // An endpoint subscribed to leads.fed: with a connection the run goes to the tool instead.
      await cli('endpoint', 'create', '--org', org.orgId, '--url', 'https://hooks.example.com/fed', '--events', 'leads.fed');

      const { result } = await feedAndHandOff(pool, org.orgId, 250, 'sl');
      expect(result).toMatchObject({ status: 'pushing', connections: 1, leads: 250, chunks: 3 });
      await waitFor(async () => (await pushes(pool, org.orgId)).every((p) => p.status !== 'pending'), 'every lead pushed', 60_000);

      expect(sl.violations).toEqual([]);
      const rows = await pushes(pool, org.orgId);
      expect(rows.filter((p) => p.status === 'pushed')).toHaveLength(248);
      expect(rows.filter((p) => p.status === 'refused')).toEqual([
        { email: 'sl7@leads.test', status: 'refused', reason: 'unsubscribed', lead_status: 'do_not_contact' },
        { email: 'sl8@leads.test', status: 'refused', reason: 'invalid_email', lead_status: 'do_not_contact' },
      ]);
      // In the tool: every accepted lead once; the 429'd chunk went again only after Retry-After.
      expect(sl.campaign.size).toBe(248);
      expect([...sl.campaign.values()].every((n) => n === 1)).toBe(true);
      const accepted = sl.uploads.filter((u) => u.status === 200).flatMap((u) => u.emails);
      expect(new Set(accepted).size).toBe(accepted.length);
      expect(accepted).toHaveLength(250);
      const limited = sl.uploads.find((u) => u.status === 429)!;
      const retried = sl.uploads.find((u) => u.status === 200 && u.emails[0] === limited.emails[0])!;
      expect(retried.at - limited.at).toBeGreaterThanOrEqual(2000);
      expect(sl.uploads.every((u) => u.emails.length <= 100)).toBe(true);

      const { rows: attempts } = await pool.query<{ status_code: number }>(
        'select status_code from app_public.lead_push_attempts where org_id = $1 order by id', [org.orgId]);
      expect(attempts.map((a) => a.status_code).sort()).toEqual([200, 200, 200, 429]);
      expect((await pool.query("select count(*)::int as n from app_public.delivery_messages where org_id = $1 and event_type = 'leads.fed'",
        [org.orgId])).rows[0].n).toBe(0);
      // The contact-facing timeline and the admin's view.
      expect((await pool.query("select count(*)::int as n from app_public.pipeline_events where org_id = $1 and kind = 'pushed'", [org.orgId]))
        .rows[0].n).toBe(248);
      const admin = await login(org.email, org.password);
      const visible = (await (await rest('/lead_pushes?select=status', admin)).json()) as unknown[];
      expect(visible).toHaveLength(250);
      const conn = (await (await rest('/campaign_connections?select=*', admin)).json()) as Array<Record<string, unknown>>;
      expect(JSON.stringify(conn)).not.toContain('sl-key-0123456789');
    } finally {
      await sl.close();
    }
  }, 90_000);

  it('Reply.io v3: one contact per call with a Bearer key, contactAlreadyInSequence is success, a refused contact leaves the feed', async () => {
    const rio = await replyioServer({ apiKey: 'rio-key-0123456789', sequenceId: '31337', alreadyInSequence: ['rio2@leads.test'],
      invalid: ['rio3@leads.test'], rateLimitFirst: 1 });
    try {
      const org = await createOrg('Reply.io org');
      await validConnection(org.orgId, ['--provider', 'replyio', '--campaign', '31337', '--api-key', 'rio-key-0123456789', '--base-url', rio.url]);
      await feedAndHandOff(pool, org.orgId, 6, 'rio');
      await waitFor(async () => (await pushes(pool, org.orgId)).every((p) => p.status !== 'pending'), 'every contact pushed', 60_000);
      expect(rio.violations).toEqual([]);
      expect((await pushes(pool, org.orgId)).map((p) => [p.email, p.status, p.reason])).toEqual([
        ['rio1@leads.test', 'pushed', null], ['rio2@leads.test', 'duplicate', 'contactAlreadyInSequence'],
        ['rio3@leads.test', 'refused', 'invalidEmail'], ['rio4@leads.test', 'pushed', null], ['rio5@leads.test', 'pushed', null],
        ['rio6@leads.test', 'pushed', null],
      ]);
      expect(rio.contacts.get('rio4@leads.test')).toEqual({
        email: 'rio4@leads.test', firstName: 'First4', lastName: 'Last4', company: 'Co 4', phone: '+14155550004',
        customFields: [{ key: 'score', value: '4' }, { key: 'equity', value: '4000.00' }, { key: 'property_address', value: '4 Main St' }],
      });
      const posts = rio.log.filter((l) => l.method === 'POST');
      expect(posts).toHaveLength(7); // six contacts, one of them again after its 429
    } finally {
      await rio.close();
    }
  }, 60_000);

  it('Instantly API v2: POST /api/v2/leads with the campaign, mapped fields and custom_variables', async () => {
    const ins = await instantlyServer({ apiKey: 'ins-key-0123456789', campaignId: '01a14549-bd67-7b6b-a7c0-add14d390c6e' });
    try {
      const org = await createOrg('Instantly org');
      const connectionId = await validConnection(org.orgId, ['--provider', 'instantly', '--campaign', '01a14549-bd67-7b6b-a7c0-add14d390c6e',
        '--api-key', 'ins-key-0123456789', '--base-url', ins.url]);
      // An admin edits the mapping: the score goes as lead_score, the ZIP code is added.
      const admin = await login(org.email, org.password);
      const patch = await rest(`/campaign_connections?id=eq.${connectionId}`, admin, {
        method: 'PATCH',
        body: JSON.stringify({ field_mapping: { email: 'email', first_name: 'first_name', last_name: 'last_name',
          custom_fields: { lead_score: 'lead_score', zip: 'property_zip' } } }),
      });
      expect(patch.status).toBe(204);
      await feedAndHandOff(pool, org.orgId, 3, 'ins');
      await waitFor(async () => (await pushes(pool, org.orgId)).every((p) => p.status === 'pushed'), 'every lead pushed', 30_000);
      expect(ins.violations).toEqual([]);
      expect(ins.leads.get('ins2@leads.test')).toEqual({ campaign: '01a14549-bd67-7b6b-a7c0-add14d390c6e', email: 'ins2@leads.test',
        first_name: 'First2', last_name: 'Last2', skip_if_in_campaign: true, custom_variables: { lead_score: '2' } });
    } finally {
      await ins.close();
    }
  });

  it('failures show in system_health, /metrics and an alert; a refused key falls back to the webhook; dead pushes replay', async () => {
    const options = { apiKey: 'right-key-0123456789', campaignId: '55' };
    const sl = await smartleadServer(options);
    try {
      const org = await createOrg('Failing org');
      // A wrong key is refused at validation: the run goes out as the leads.fed webhook.
      const bad = await validConnection(org.orgId, ['--provider', 'smartlead', '--campaign', '55', '--api-key', 'wrong-key-0123456789',
        '--base-url', `${sl.url}/api/v1`]);
      expect((await pool.query('select validation_status, validation_error from app_public.campaign_connections where id = $1', [bad])).rows[0])
        .toEqual({ validation_status: 'invalid', validation_error: 'the API key was refused (HTTP 401)' });
      await cli('endpoint', 'create', '--org', org.orgId, '--url', 'https://hooks.example.com/fed', '--events', 'leads.fed');
      const first = await feedAndHandOff(pool, org.orgId, 2, 'fb');
      expect(first.result).toMatchObject({ status: 'handed_off', leads: 2 });

      // A valid connection whose key stops working: retries, then dead letters.
      await pool.query("update app_public.workspace_settings set delivery_retry_schedule = '{0,1 second}' where org_id = $1", [org.orgId]);
      const good = await validConnection(org.orgId, ['--provider', 'smartlead', '--campaign', '55', '--api-key', 'right-key-0123456789',
        '--base-url', `${sl.url}/api/v1`]);
      options.apiKey = 'rotated-key-0123456789'; // the team rotates the key in SmartLead
      await feedAndHandOff(pool, org.orgId, 3, 'dead');
      await waitFor(async () => (await pushes(pool, org.orgId)).some((p) => p.status === 'failed'), 'the pushes to die', 30_000);
      expect(sl.violations).toEqual([]);

      const admin = await login(org.email, org.password);
      const [health] = (await (await rest('/system_health', admin)).json()) as Array<Record<string, number>>;
      expect(health).toMatchObject({ failed_lead_pushes_24h: 3, failing_connections: 2 });
      await pool.query('select app_private.evaluate_alerts()');
      const { rows: alerts } = await pool.query<{ rule: string }>('select rule from app_private.alert_state where org_id = $1 order by rule', [org.orgId]);
      expect(alerts.map((a) => a.rule)).toEqual(expect.arrayContaining(['lead_push_dead', 'lead_push_failing']));
      await new Promise((r) => setTimeout(r, 5200)); // /metrics caches its SQL gauges for 5 s
      const metrics = await (await fetch(`${stack().gatewayUrl}/metrics`)).text();
      expect(Number(/^switchboard_lead_pushes_failed (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
      expect(Number(/^switchboard_lead_push_connections_failing (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);

      // The key is fixed; an admin retries the dead letter and the leads go, once.
      await cli('connection', 'key', '--org', org.orgId, '--connection', good, '--api-key', 'rotated-key-0123456789');
      const letters = (await (await rest('/dead_letters?kind=eq.lead_push', admin)).json()) as Array<{ id: number }>;
      expect(letters).toHaveLength(1);
      const retry = await rest('/rpc/retry_dead_letter', admin, { method: 'POST', body: JSON.stringify({ dead_letter_id: letters[0].id }) });
      expect(retry.status).toBe(200);
      await waitFor(async () => (await pushes(pool, org.orgId)).filter((p) => p.status === 'pushed').length === 3, 'the replayed pushes', 30_000);
      expect(sl.campaign.size).toBe(3);
      expect(sl.violations).toEqual([]);
    } finally {
      await sl.close();
    }
  }, 90_000);

  it('admins add a connection and rotate its key through the gateway; members cannot; the key is never shown', async () => {
    const sl = await smartleadServer({ apiKey: 'gw-key-0123456789', campaignId: '321' });
    try {
      const org = await createOrg('Self-service org');
      const admin = await login(org.email, org.password);
      const memberEmail = `m-${Date.now()}@example.test`;
      await cli('user', 'add', '--org', org.orgId, '--email', memberEmail, '--password', 'member password', '--role', 'member');
      const member = await login(memberEmail, 'member password');
      const post = (token: string | undefined, body: unknown) => fetch(`${stack().gatewayUrl}/handoff/connections`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      const body = { provider: 'smartlead', campaign_id: 321, api_key: 'gw-key-0123456789', name: 'Main SmartLead' };
      expect((await post(undefined, body)).status).toBe(401);
      expect((await post(member, body)).status).toBe(403);
      expect((await post(admin, { ...body, field_mapping: { email: 'pii_encrypted' } })).status).toBe(400);
      const created = await post(admin, body);
      expect(created.status).toBe(201);
      const { connection_id } = (await created.json()) as { connection_id: string };
      // The platform's base URL is the operator's to set (the local test double here).
      await cli('connection', 'base-url', '--org', org.orgId, '--connection', connection_id, '--base-url', `${sl.url}/api/v1`);
      const rotate = (token: string, key: string) => fetch(`${stack().gatewayUrl}/handoff/connections/${connection_id}/api-key`, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ api_key: key }) });
      expect((await rotate(member, 'gw-key-0123456789')).status).toBe(403);
      expect((await rotate(admin, 'gw-key-0123456789')).status).toBe(204);
      await waitFor(async () => (await pool.query('select validation_status from app_public.campaign_connections where id = $1', [connection_id]))
        .rows[0].validation_status === 'valid', 'validated with the key', 20_000);
      const seen = await (await rest('/campaign_connections?select=*', admin)).text();
      expect(seen).toContain('Main SmartLead');
      expect(seen).not.toContain('gw-key-0123456789');
      expect(await (await rest('/campaign_connections', member)).json()).toEqual([]);
      const audit = (await pool.query("select actor_id from app_public.audit_log where org_id = $1 and table_name = 'app_public.campaign_connections' and action = 'insert'", [org.orgId])).rows;
      expect(audit).toEqual([{ actor_id: org.userId }]);
      expect(sl.violations).toEqual([]);
    } finally {
      await sl.close();
    }
  });

  it('a worker killed mid-chunk and restarted pushes no lead twice', async () => {
    // Its own cluster and worker: the shared stack's worker must not help out.
    const { cluster, env, config } = await createTestCluster();
    const sl = await smartleadServer({ apiKey: 'kill-key-0123456789', campaignId: '99', holdFirstUpload: true });
    const db = new pg.Pool({ connectionString: config.ownerUrl, max: 2 });
    db.on('error', () => {});
    const workerEnv = { ...process.env, ...env, DELIVERY_ALLOW_PRIVATE_URLS: '1', PUSH_LEASE_SECONDS: '3', LOG_LEVEL: 'error' };
    const startWorker = () => spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/worker.ts')], { env: workerEnv, stdio: 'ignore' });
    let worker: ChildProcess | undefined;
    try {
      const { rows: [org] } = await db.query<{ org_id: string }>(
        "select org_id from app_private.create_organization('Kill org', 'kill@example.test', 'correct horse battery', 'UTC')");
      await db.query('select app_private.create_campaign_connection($1, $2, null, $3, $4, $5, null, $6, true)',
        [org.org_id, 'smartlead', '99', 'kill-key-0123456789', `${sl.url}/api/v1`, env.ENCRYPTION_KEY]);
      worker = startWorker();
      await waitFor(async () => (await db.query("select 1 from app_public.campaign_connections where validation_status = 'valid'")).rowCount === 1,
        'validation', 60_000);
      await feedAndHandOff(db, org.org_id, 40, 'kill');
      await waitFor(async () => sl.uploads.some((u) => u.status === 0), 'a chunk in flight', 30_000);
      worker.kill('SIGKILL');
      await new Promise((r) => worker!.once('exit', r));
      const held = sl.uploads.find((u) => u.status === 0)!;
      // The lease of the interrupted call runs out (PUSH_LEASE_SECONDS); the requeue cron then hands it to the new worker.
      await waitFor(async () => (await db.query("select 1 from app_public.lead_push_chunks where status = 'pending' and next_attempt_at < now() - interval '5 seconds'")).rowCount === 1,
        'the lease to run out', 30_000);
      worker = startWorker();
      await waitFor(async () => (await pushes(db, org.org_id)).every((p) => p.status !== 'pending'), 'every lead settled after the restart', 150_000);

      expect(sl.violations).toEqual([]);
      const rows = await pushes(db, org.org_id);
      expect(rows.filter((p) => p.status === 'pushed')).toHaveLength(40);
      // Against the server's own log: no address was ever uploaded twice.
      const uploaded = sl.uploads.flatMap((u) => u.emails);
      expect(new Set(uploaded).size).toBe(uploaded.length);
      expect(sl.campaign.size).toBe(40);
      expect([...sl.campaign.values()].every((n) => n === 1)).toBe(true);
      // The interrupted chunk was reconciled by look-ups, not sent again.
      const reconciled = rows.filter((p) => p.reason === 'found_in_campaign_after_interrupted_call').map((p) => p.email);
      expect(reconciled.sort()).toEqual([...held.emails].sort());
      expect(sl.log.filter((l) => l.method === 'GET' && l.path === '/api/v1/leads/')).toHaveLength(held.emails.length);
    } finally {
      worker?.kill('SIGKILL');
      await db.end();
      await sl.close();
      cluster.destroy();
    }
  }, 240_000);
});
