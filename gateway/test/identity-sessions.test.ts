import { describe, expect, it } from 'vitest';
import { cli, createOrg, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';

interface Pair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${stack().gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });

async function loginPair(email: string, password: string, extra: Record<string, unknown> = {}): Promise<Pair> {
  const res = await post('/auth/login', { email, password, ...extra });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Pair;
}

describe('identity: sessions, refresh rotation, logout', () => {
  it('login → PostgREST works → logout → the same JWT gets 401 from PostgREST on the next request', async () => {
    const a = await createOrg('Sessions');
    const pair = await loginPair(a.email, a.password);
    expect(pair).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 900 });
    expect((await rest('/organizations', pair.access_token)).status).toBe(200);

    expect((await post('/auth/logout', {}, pair.access_token)).status).toBe(204);
    const after = await rest('/organizations', pair.access_token);
    expect(after.status).toBe(401);
    expect(JSON.stringify(await after.json())).not.toMatch(/select|app_private/i);
    // The gateway refuses it as well, and the refresh token died with the session.
    expect((await post('/auth/logout', {}, pair.access_token)).status).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: pair.refresh_token })).status).toBe(401);
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole session', async () => {
    const a = await createOrg();
    const first = await loginPair(a.email, a.password);
    const res = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(res.status).toBe(200);
    const second = (await res.json()) as Pair;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.token_type).toBe('bearer');
    expect((await rest('/organizations', second.access_token)).status).toBe(200);

    // An attacker replays the old token: refused, and the session is gone for everyone.
    const replay = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe('refresh_token_reused');
    expect((await rest('/organizations', second.access_token)).status).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: second.refresh_token })).status).toBe(401);

    const events = (await (await rest('/auth_events?event=eq.refresh_token_reused', (await loginPair(a.email, a.password)).access_token)).json()) as unknown[];
    expect(events).toHaveLength(1);
  });

  it('a burst of concurrent refreshes with one token yields at most one new pair and ends the session', async () => {
    const a = await createOrg();
    const pair = await loginPair(a.email, a.password);
    const results = await Promise.all(Array.from({ length: 8 }, () => post('/auth/refresh', { refresh_token: pair.refresh_token })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(7);
    for (const r of ok) {
      const p = (await r.json()) as Pair;
      expect((await rest('/organizations', p.access_token)).status).toBe(401);
    }
  });

  it('logout-all kills every session of the user', async () => {
    const a = await createOrg();
    const pairs = await Promise.all([1, 2, 3].map(() => loginPair(a.email, a.password)));
    for (const p of pairs) expect((await rest('/organizations', p.access_token)).status).toBe(200);
    const res = await post('/auth/logout-all', {}, pairs[0].access_token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sessions_revoked: number }).sessions_revoked).toBe(3);
    for (const p of pairs) {
      expect((await rest('/organizations', p.access_token)).status).toBe(401);
      expect((await post('/auth/refresh', { refresh_token: p.refresh_token })).status).toBe(401);
    }
  });

  it('users list and revoke their own sessions through PostgREST; admins revoke members in their org only', async () => {
    const a = await createOrg('Org A');
    const b = await createOrg('Org B');
    const memberEmail = uniqueEmail('member');
    const { user_id: memberId } = await cli('user', 'add', '--org', a.orgId, '--email', memberEmail, '--password', 'member password 1', '--role', 'member');

    const m1 = await loginPair(memberEmail, 'member password 1', { device: 'Work laptop' });
    const m2 = await loginPair(memberEmail, 'member password 1');
    const list = (await (await rest('/user_sessions?order=created_at', m1.access_token)).json()) as Array<Record<string, unknown>>;
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ user_id: memberId, org_id: a.orgId, device: 'Work laptop', active: true, current: true });
    expect(list[0]).not.toHaveProperty('refresh_token_hash');
    expect(list[1].current).toBe(false);

    // The member revokes their second session.
    const revoke = await rest('/rpc/revoke_session', m1.access_token, { method: 'POST', body: JSON.stringify({ session_id: list[1].id }) });
    expect(await revoke.json()).toBe(true);
    expect((await rest('/organizations', m2.access_token)).status).toBe(401);

    // A member cannot revoke the owner's session; the admin of org B cannot touch org A's.
    const owner = await loginPair(a.email, a.password);
    const ownerSessions = (await (await rest('/user_sessions', owner.access_token)).json()) as Array<{ id: string; user_id: string }>;
    const ownerOwn = ownerSessions.find((s) => s.user_id === a.userId)!;
    expect(ownerSessions.some((s) => s.user_id === memberId)).toBe(true); // admins see the org's sessions
    const denied = await rest('/rpc/revoke_session', m1.access_token, { method: 'POST', body: JSON.stringify({ session_id: ownerOwn.id }) });
    expect(await denied.json()).toBe(false);
    const bOwner = await loginPair(b.email, b.password);
    const foreign = await rest('/rpc/revoke_session', bOwner.access_token, { method: 'POST', body: JSON.stringify({ session_id: list[0].id }) });
    expect(await foreign.json()).toBe(false);
    expect(((await (await rest('/user_sessions', bOwner.access_token)).json()) as unknown[]).length).toBe(1);
    expect((await rest('/organizations', m1.access_token)).status).toBe(200);

    // The owner of org A ends every session of the member.
    const ended = await rest('/rpc/revoke_user_sessions', owner.access_token, { method: 'POST', body: JSON.stringify({ user_id: memberId }) });
    expect(await ended.json()).toBe(1);
    expect((await rest('/organizations', m1.access_token)).status).toBe(401);

    // All of it is in the auth trail the owner reads, and the member reads none of the owner's.
    const trail = (await (await rest('/auth_events?select=event,user_id&order=id', owner.access_token)).json()) as Array<{ event: string; user_id: string }>;
    expect(trail.filter((e) => e.event === 'session_revoked').length).toBe(2);
    expect(trail.filter((e) => e.event === 'login_succeeded' && e.user_id === memberId).length).toBe(2);
  });

  it('a demoted member’s old JWT is refused at once; refresh issues the current role', async () => {
    const a = await createOrg();
    const email = uniqueEmail('admin2');
    const { user_id } = await cli('user', 'add', '--org', a.orgId, '--email', email, '--password', 'admin password 1', '--role', 'admin');
    const pair = await loginPair(email, 'admin password 1');
    expect((await rest('/auth_events', pair.access_token)).status).toBe(200);
    const owner = await loginPair(a.email, a.password);
    const demote = await rest(`/memberships?user_id=eq.${user_id}`, owner.access_token, { method: 'PATCH', body: JSON.stringify({ role: 'member' }) });
    expect(demote.status).toBe(204);
    expect((await rest('/organizations', pair.access_token)).status).toBe(401);
    const refreshed = (await (await post('/auth/refresh', { refresh_token: pair.refresh_token })).json()) as Pair;
    const claims = JSON.parse(Buffer.from(refreshed.access_token.split('.')[1], 'base64url').toString());
    expect(claims.org_role).toBe('member');
    expect((await rest('/organizations', refreshed.access_token)).status).toBe(200);
  });
});

describe('identity: lockout', () => {
  it('refuses a malformed email as a bad request, recording nothing', async () => {
    const pool = ownerPool();
    try {
      const count = async () => Number((await pool.query('select count(*) as n from app_private.login_attempts')).rows[0].n);
      const before = await count();
      for (const email of ["'; drop table app_public.organizations; --", '<script>alert(1)</script>', 'no-at-sign.example']) {
        const res = await post('/auth/login', { email, password: 'whatever' });
        expect(res.status, email).toBe(400);
        expect(((await res.json()) as { error: string }).error).toBe('invalid_payload');
      }
      // Other tests run at the same time; none of them uses these addresses.
      const { rows } = await pool.query(`select count(*)::int as n from app_private.login_attempts where email::text like '%script%' or email::text like '%drop table%'`);
      expect(rows[0].n).toBe(0);
      expect(await count()).toBeGreaterThanOrEqual(before);
    } finally {
      await pool.end();
    }
  });

  it('11 wrong passwords → 429 locked, the right password is refused too, and an unknown email behaves identically', async () => {
    const a = await createOrg();
    const unknown = uniqueEmail('ghost');
    const run = async (email: string) => {
      const statuses: number[] = [];
      const bodies: string[] = [];
      for (let i = 0; i < 11; i++) {
        const res = await post('/auth/login', { email, password: `wrong ${i}` });
        statuses.push(res.status);
        bodies.push(await res.text());
      }
      const right = await post('/auth/login', { email, password: email === a.email ? a.password : 'anything at all' });
      return { statuses, bodies, right: right.status, rightBody: await right.text(), retryAfter: Number(right.headers.get('retry-after')) };
    };
    const [known, ghost] = await Promise.all([run(a.email), run(unknown)]);
    expect(known.statuses).toEqual([...Array(10).fill(401), 429]);
    expect(known.right).toBe(429);
    expect(JSON.parse(known.rightBody).error).toBe('locked');
    expect(known.retryAfter).toBeGreaterThan(800);
    expect(known.retryAfter).toBeLessThanOrEqual(900);
    expect(ghost.statuses).toEqual(known.statuses);
    expect(ghost.bodies).toEqual(known.bodies);
    expect(ghost.rightBody).toBe(known.rightBody);

    const pool = ownerPool();
    try {
      const { rows } = await pool.query(
        `select outcome, count(*)::int as n from app_private.login_attempts where email = $1 group by outcome order by outcome`,
        [a.email],
      );
      expect(rows).toEqual([
        { outcome: 'invalid_credentials', n: 10 },
        { outcome: 'locked', n: 2 },
      ]);
      const events = await pool.query(`select event from app_public.auth_events where org_id = $1 and event = 'account_locked'`, [a.orgId]);
      expect(events.rowCount).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
