import { afterAll, describe, expect, it } from 'vitest';
import { createOrg, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';

/**
 * Issue 19, finding 4: memberships come from invitations, end to end through PostgREST and
 * the gateway. The plain token only travels in the mail hand-off job's payload; the test
 * reads it the way the mailer would (inside the inviting transaction, before the worker
 * takes the job).
 */
const pool = ownerPool();
afterAll(() => pool.end());

async function loginTo(email: string, password: string, orgId?: string): Promise<Response> {
  return fetch(`${stack().gatewayUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(orgId ? { org_id: orgId } : {}) }),
  });
}

/** invite_member as the given admin, returning the token the mail job would carry. */
async function inviteAndReadToken(orgId: string, adminId: string, email: string, role: string): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('request.jwt.claims', $1, true)`,
      [JSON.stringify({ role: 'authenticated', sub: adminId, org_id: orgId, org_role: 'owner' })]);
    await client.query('select app_public.invite_member($1, $2)', [email, role]);
    const { rows } = await client.query<{ token: string }>(
      `select j.payload ->> 'token' as token from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = 'send_invitation_email' and j.payload ->> 'org_id' = $1 order by j.id desc limit 1`, [orgId]);
    await client.query('commit');
    return rows[0].token;
  } finally {
    client.release();
  }
}

const accept = (body: Record<string, unknown>, bearer?: string) =>
  fetch(`${stack().gatewayUrl}/auth/invitations/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });

describe('invitations', () => {
  it('an admin cannot add a user by id; an invited address joins by setting a password, or by accepting while logged in', async () => {
    const a = await createOrg('Inviting org');
    const b = await createOrg('Other org');
    const adminToken = ((await (await loginTo(a.email, a.password)).json()) as { access_token: string }).access_token;

    // The finding's repro: POST /memberships naming another org's user answers no 201, and no FK hint.
    const direct = await rest('/memberships', adminToken, { method: 'POST', body: JSON.stringify({ org_id: a.orgId, user_id: b.userId, role: 'member' }) });
    expect(direct.status).toBe(403);
    const probe = await rest('/memberships', adminToken, { method: 'POST', body: JSON.stringify({ user_id: '00000000-0000-4000-8000-000000000000', role: 'member' }) });
    expect(probe.status).toBe(403);

    // The API way: invite_member answers without the token.
    const newcomer = uniqueEmail('newcomer');
    const invited = await rest('/rpc/invite_member', adminToken, { method: 'POST', body: JSON.stringify({ email: newcomer, role: 'member' }) });
    expect(invited.status).toBe(200);
    const doc = (await invited.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({ email: newcomer, role: 'member', invitation_id: expect.any(String) });
    expect(JSON.stringify(doc)).not.toMatch(/[0-9a-f]{64}/);

    // A new user accepts with a password (a re-invite replaced the first link), then logs in to the org.
    const token = await inviteAndReadToken(a.orgId, a.userId, newcomer, 'member');
    expect((await accept({ token, password: 'short' })).status).toBe(400);
    const joined = await accept({ token, password: 'a good new password' });
    expect(joined.status).toBe(200);
    expect(await joined.json()).toMatchObject({ status: 'accepted', org_id: a.orgId, email: newcomer });
    expect((await accept({ token, password: 'a good new password' })).status).toBe(400);
    const login = await loginTo(newcomer, 'a good new password', a.orgId);
    expect(login.status).toBe(200);

    // An existing user (owner of org B) must log in to accept; then belongs to both orgs.
    const token2 = await inviteAndReadToken(a.orgId, a.userId, b.email, 'admin');
    const needsLogin = await accept({ token: token2, password: 'whatever password' });
    expect(needsLogin.status).toBe(409);
    expect(((await needsLogin.json()) as { error: string }).error).toBe('login_required');
    const newcomerToken = ((await login.json()) as { access_token: string }).access_token;
    const wrong = await accept({ token: token2 }, newcomerToken);
    expect(wrong.status).toBe(403);
    const bToken = ((await (await loginTo(b.email, b.password)).json()) as { access_token: string }).access_token;
    const accepted = await accept({ token: token2 }, bToken);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ status: 'accepted', org_id: a.orgId, role: 'admin' });
    expect((await loginTo(b.email, b.password, a.orgId)).status).toBe(200);

    // Both memberships are in org A's list; nobody else's.
    const members = (await (await rest('/memberships?select=user_id,role', adminToken)).json()) as Array<{ role: string }>;
    expect(members.map((m) => m.role).sort()).toEqual(['admin', 'member', 'owner']);
  });
});
