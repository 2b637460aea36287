import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, createOrg, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';

/**
 * A real OpenID Connect provider (npm oidc-provider) on a free port. Its login/consent
 * interaction is answered by the test: whoever `nextAccount` names signs in.
 */
const accounts = new Map<string, { email: string; email_verified: boolean }>();
let nextAccount = '';
let issuer = '';
let server: ReturnType<typeof createServer>;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'switchboard',
      client_secret: 'switchboard-test-secret',
      redirect_uris: [`${stack().gatewayUrl}/auth/sso/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    cookies: { keys: ['identity-sso-test-cookie-key'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });
  const handler = provider.callback();
  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      try {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: nextAccount, clientId: details.params.client_id as string });
        grant.addOIDCScope('openid email profile');
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: nextAccount }, consent: { grantId } }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
      return;
    }
    handler(req, res);
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Follows the browser's redirects from the gateway's start URL to the callback, with cookies. */
async function ssoLogin(orgId: string, account: string): Promise<Response> {
  nextAccount = account;
  const cookies = new Map<string, string>();
  let url = `${stack().gatewayUrl}/auth/sso/${orgId}/start`;
  for (let hop = 0; hop < 12; hop++) {
    const sameIdp = url.startsWith(issuer);
    const res = await fetch(url, {
      redirect: 'manual',
      headers: sameIdp && cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {},
    });
    if (sameIdp) {
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return res;
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}

describe('identity: OpenID Connect SSO', () => {
  it('creates the membership once, then a session like a password login; other domains are refused', async () => {
    const a = await createOrg('SSO Org');
    const configured = await cli('sso', 'configure', '--org', a.orgId, '--issuer', issuer, '--client-id', 'switchboard',
      '--client-secret', 'switchboard-test-secret', '--domains', 'acme-sso.test');
    expect(configured).toMatchObject({ org_id: a.orgId, allowed_domains: ['acme-sso.test'], enabled: true });

    const email = uniqueEmail('jane').replace('example.test', 'acme-sso.test');
    accounts.set('idp-user-jane', { email, email_verified: true });
    const first = await ssoLogin(a.orgId, 'idp-user-jane');
    expect(first.status, await first.clone().text()).toBe(200);
    const pair = (await first.json()) as { access_token: string; refresh_token: string; token_type: string };
    expect(pair.token_type).toBe('bearer');
    const claims = JSON.parse(Buffer.from(pair.access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ org_id: a.orgId, org_role: 'member' });
    expect((await rest('/organizations', pair.access_token)).status).toBe(200);
    // The same kind of session: refresh and logout work as for passwords.
    const refreshed = await fetch(`${stack().gatewayUrl}/auth/refresh`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: pair.refresh_token }),
    });
    expect(refreshed.status).toBe(200);

    const second = await ssoLogin(a.orgId, 'idp-user-jane');
    expect(second.status).toBe(200);
    const pool = ownerPool();
    try {
      const { rows } = await pool.query(
        `select (select count(*)::int from app_public.memberships m join app_public.users u on u.id = m.user_id where u.email = $1) as memberships,
                (select count(*)::int from app_private.user_identities where email = $1) as identities,
                (select count(*)::int from app_private.sessions s join app_public.users u on u.id = s.user_id where u.email = $1 and s.auth_method = 'sso') as sessions`,
        [email],
      );
      expect(rows[0]).toEqual({ memberships: 1, identities: 1, sessions: 2 });
    } finally {
      await pool.end();
    }

    // Another domain, an unverified email, a replayed callback: refused.
    accounts.set('idp-user-mallory', { email: uniqueEmail('mallory').replace('example.test', 'evil-sso.test'), email_verified: true });
    const outsider = await ssoLogin(a.orgId, 'idp-user-mallory');
    expect(outsider.status).toBe(403);
    expect(((await outsider.json()) as { error: string }).error).toBe('domain_not_allowed');
    accounts.set('idp-user-unverified', { email: uniqueEmail('bob').replace('example.test', 'acme-sso.test'), email_verified: false });
    expect((await ssoLogin(a.orgId, 'idp-user-unverified')).status).toBe(403);
    const replay = await fetch(`${stack().gatewayUrl}/auth/sso/callback?state=made-up&code=abc`);
    expect(replay.status).toBe(401);

    // An org without SSO.
    const b = await createOrg('No SSO');
    expect((await fetch(`${stack().gatewayUrl}/auth/sso/${b.orgId}/start`, { redirect: 'manual' })).status).toBe(404);
  });

  it('does not take over an existing account that is not a member of the org', async () => {
    const a = await createOrg('SSO Org 2');
    const other = await createOrg('Victim Org');
    await cli('sso', 'configure', '--org', a.orgId, '--issuer', issuer, '--client-id', 'switchboard',
      '--client-secret', 'switchboard-test-secret', '--domains', 'example.test');
    accounts.set('idp-user-victim', { email: other.email, email_verified: true });
    const res = await ssoLogin(a.orgId, 'idp-user-victim');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('email_in_use');
  });
});
