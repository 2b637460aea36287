import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/paths.ts';
import { answers, freePort, waitFor } from '../../lib/ports.ts';
import { cli, createOrg, login, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';

/**
 * The console's secret-issuing calls go through the gateway's POST /console/rpc/{name}: the
 * encryption key lives in the gateway (and the worker and the CLI), never in PostgREST. Run
 * against a gateway of its own whose full log (level debug) is kept and searched for secrets.
 */
const owner = ownerPool();
const key = () => stack().env.ENCRYPTION_KEY;
let gateway = '';
let gatewayLog = '';
let child: ChildProcess | undefined;
let admin: Awaited<ReturnType<typeof createOrg>>;
let adminToken = '';
const member = { email: uniqueEmail('rpc-member'), password: 'member password 1' };
let memberToken = '';
/** Every secret issued or given in this file: none may appear in the log. */
const secrets: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway/src/main.ts')], {
    env: { ...process.env, ...stack().env, LOG_LEVEL: 'debug', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (gatewayLog += chunk));
  child.stderr!.on('data', (chunk) => (gatewayLog += chunk));
  gateway = `http://127.0.0.1:${port}`;
  await waitFor(() => answers(`${gateway}/health`), 'the logging gateway', 30_000);
  admin = await createOrg('Console RPC Org');
  adminToken = await login(admin.email, admin.password);
  await cli('user', 'add', '--org', admin.orgId, '--email', member.email, '--password', member.password, '--role', 'member');
  memberToken = await login(member.email, member.password);
}, 60_000);
afterAll(async () => {
  // SIGTERM, then SIGKILL if it has not exited within 5 s: a gateway whose log pipe has no
  // reader any more must not outlive the run.
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await owner.end();
});

/** token null: no Authorization header. */
const call = (name: string, body: unknown, token: string | null = adminToken) =>
  fetch(`${gateway}/console/rpc/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${gateway}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const vapiStatus = () => JSON.stringify({ message: { type: 'status-update', status: 'ringing', call: { id: `rpc-${randomUUID()}` } } });

describe('PostgREST holds no encryption key', () => {
  it('its process environment has no ENCRYPTION_KEY, under any name', () => {
    const pid = stack().postgrestPid;
    expect(pid).toBeGreaterThan(0);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    expect(environ.some((e) => e.startsWith('PGRST_DB_URI='))).toBe(true);
    expect(environ.filter((e) => /ENCRYPTION|DELIVERY_ALLOW/i.test(e.split('=')[0]))).toEqual([]);
    expect(environ.filter((e) => e.includes(key()))).toEqual([]);
  });

  it('the secret-issuing calls are not in its API, and the key path is refused to its roles', async () => {
    for (const name of ['create_source', 'rotate_source', 'create_endpoint', 'rotate_endpoint', 'create_sending_account', 'set_sending_account_password']) {
      const res = await rest(`/rpc/${name}`, adminToken, { method: 'POST', body: '{}' });
      expect(res.status, name).toBe(404);
    }
    // Even someone holding the key cannot use it through PostgREST: app_private is not exposed
    // and its console functions are the gateway role's alone (pgTAP 92 checks the grants).
    const res = await rest('/rpc/console_create_source', adminToken, {
      method: 'POST', headers: { 'content-profile': 'app_private' }, body: JSON.stringify({ encryption_key: key(), provider: 'vapi' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const { rows } = await owner.query('select count(*)::int as n from app_public.sources where org_id = $1', [admin.orgId]);
    expect(rows[0].n).toBe(0);
  });
});

describe('POST /console/rpc/{name}', () => {
  it('creates and rotates sources: the URL to paste, the given secret, Vapi auth options; they authenticate real requests', async () => {
    // SmartLead with the secret SmartLead shows.
    const shown = `sl-${randomUUID()}`;
    secrets.push(shown);
    let res = await call('create_source', { provider: 'smartlead', name: 'SmartLead main', given_secret: shown });
    expect(res.status).toBe(200);
    const smartlead = (await res.json()) as { source_id: string; secret: string; url: string };
    expect(smartlead).toEqual({ source_id: expect.any(String), secret: shown, url: `/webhooks/smartlead/${smartlead.source_id}` });

    // Reply.io: the secret travels in the (percent-encoded) path.
    res = await call('create_source', { provider: 'replyio' });
    const replyio = (await res.json()) as { source_id: string; secret: string; url: string };
    secrets.push(replyio.secret);
    expect(replyio.url).toBe(`/webhooks/replyio/${replyio.source_id}/${replyio.secret}`);

    // Vapi, default auth: the x-vapi-secret header.
    res = await call('create_source', { provider: 'vapi', name: 'Vapi default' });
    const vapi = (await res.json()) as { source_id: string; secret: string; url: string };
    secrets.push(vapi.secret);
    expect((await post(vapi.url, vapiStatus(), { 'x-vapi-secret': vapi.secret })).status).toBe(202);
    expect((await post(vapi.url, vapiStatus(), { 'x-vapi-secret': 'wrong' })).status).toBe(401);

    // Vapi HMAC as integrations in the wild send it: x-vapi-signature over the body, no timestamp.
    res = await call('create_source', {
      provider: 'vapi', name: 'Vapi HMAC',
      auth: { mode: 'hmac', signature_header: 'x-vapi-signature', timestamp_header: 'none', payload_format: '{body}' },
    });
    expect(res.status).toBe(200);
    const hmac = (await res.json()) as { source_id: string; secret: string; url: string };
    secrets.push(hmac.secret);
    const body = vapiStatus();
    expect((await post(hmac.url, body, { 'x-vapi-signature': createHmac('sha256', hmac.secret).update(body).digest('hex') })).status).toBe(202);
    const { rows: [stored] } = await owner.query('select auth from app_public.sources where id = $1', [hmac.source_id]);
    expect(stored.auth).toMatchObject({ mode: 'hmac', signature_header: 'x-vapi-signature', timestamp_header: null, payload_format: '{body}' });

    // Rotation with grace: the new secret is returned once; both work for the grace period.
    res = await call('rotate_source', { source: vapi.source_id, grace: '1 hour' });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { source_id: string; secret: string; url: string };
    secrets.push(rotated.secret);
    expect(rotated).toMatchObject({ source_id: vapi.source_id, url: vapi.url });
    expect(rotated.secret).not.toBe(vapi.secret);
    await new Promise((r) => setTimeout(r, 1_200)); // the gateway's credential cache (SOURCE_CACHE_TTL_MS=1000)
    for (const s of [vapi.secret, rotated.secret]) expect((await post(vapi.url, vapiStatus(), { 'x-vapi-secret': s })).status).toBe(202);

    // Refusals as PostgREST would give them, as {error, message}.
    res = await call('create_source', { provider: 'fax' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_provider', message: expect.stringContaining('provider must be one of') });
    res = await call('create_source', { provider: 'vapi', auth: { mode: 'carrier-pigeon' } });
    expect(res.status).toBe(400);
    res = await call('rotate_source', { source: randomUUID() });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'source_not_found' });
    res = await call('rotate_source', { source: vapi.source_id, grace: '30 days' });
    expect(res.status).toBe(400);
    res = await call('rotate_source', { source: 'not-a-uuid' });
    expect(res.status).toBe(400);
  });

  it('creates and rotates outbound endpoints and adds a sending account, its password encrypted under the gateway\'s key', async () => {
    let res = await call('create_endpoint', { url: 'http://127.0.0.1:9/hook', event_types: ['lead.merged'], description: 'CRM' });
    expect(res.status).toBe(200); // the test stack allows private URLs (DELIVERY_ALLOW_PRIVATE_URLS=1)
    const endpoint = (await res.json()) as { endpoint_id: string; secret: string };
    secrets.push(endpoint.secret);
    expect(endpoint.secret).toMatch(/^whsec_/);
    res = await call('rotate_endpoint', { endpoint: endpoint.endpoint_id, grace: '0' });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { endpoint_id: string; secret: string };
    secrets.push(rotated.secret);
    expect(rotated.secret).not.toBe(endpoint.secret);
    const { rows: [ep] } = await owner.query(
      `select array_agg(pgp_sym_decrypt(secret_encrypted, $2)) as secrets from app_private.delivery_endpoint_secrets
        where endpoint_id = $1 and (expires_at is null or expires_at > now())`, [endpoint.endpoint_id, key()]);
    expect(ep.secrets).toEqual([rotated.secret]);

    const password = `smtp-${randomUUID()}`;
    secrets.push(password);
    res = await call('create_sending_account', { from_email: uniqueEmail('sales'), smtp_host: 'smtp.example.test', smtp_user: 'sales', smtp_password: password, smtp_port: 587, daily_cap: 40 });
    expect(res.status).toBe(200);
    const accountId = (await res.json()) as string;
    expect(accountId).toMatch(/^[0-9a-f-]{36}$/);
    const { rows: [acct] } = await owner.query('select pgp_sym_decrypt(password_encrypted, $2) as p from app_private.sending_account_secrets where account_id = $1', [accountId, key()]);
    expect(acct.p).toBe(password);
    const second = `smtp-${randomUUID()}`;
    secrets.push(second);
    res = await call('set_sending_account_password', { account_id: accountId, smtp_password: second });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(true);
    res = await call('create_sending_account', { from_email: 'x@example.test', smtp_host: 'h', smtp_user: 'u' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_payload', message: 'smtp_password: required.' });
  });

  it('checks the session like PostgREST: members 403, no or a bad token 401, an ended session 401; only whitelisted calls', async () => {
    let res = await call('create_source', { provider: 'vapi' }, memberToken);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'admin_required', message: 'owners and admins only' });
    expect((await call('create_endpoint', { url: 'https://example.com/h' }, memberToken)).status).toBe(403);
    expect((await call('create_source', { provider: 'vapi' }, null)).status).toBe(401);
    expect((await call('create_source', { provider: 'vapi' }, `${adminToken}x`)).status).toBe(401);
    expect((await call('source_activity', {})).status).toBe(404);
    expect((await call('create_source', { provider: 'vapi', encryption_key: 'mine' })).status).toBe(400);
    expect((await call('create_source', ['vapi'])).status).toBe(400);

    // Another org's admin cannot rotate this org's source.
    const other = await createOrg('Console RPC Other');
    const otherToken = await login(other.email, other.password);
    const { rows: [src] } = await owner.query('select id from app_public.sources where org_id = $1 limit 1', [admin.orgId]);
    expect((await call('rotate_source', { source: src.id }, otherToken)).status).toBe(404);

    // A session that has ended: refused even though the JWT has not expired.
    const token = await login(admin.email, admin.password);
    expect((await call('create_endpoint', { url: 'https://example.com/ok' }, token)).status).toBe(200);
    await fetch(`${gateway}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    res = await call('create_endpoint', { url: 'https://example.com/after' }, token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'session_revoked' });
  });

  it('no secret, password or the key reaches the gateway\'s log', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(gatewayLog).toContain('/console/rpc/');
    for (const s of [...secrets, key()]) expect(gatewayLog.includes(s), 'a secret in the log').toBe(false);
  });
});
