import { describe, expect, it } from 'vitest';
import { createOrg, ownerPool, rest, stack } from './helpers.ts';

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${stack().gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });

async function loginPair(email: string, password: string) {
  const res = await post('/auth/login', { email, password });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

describe('identity: password change and reset', () => {
  it('a change needs the current password and ends every other session', async () => {
    const a = await createOrg();
    const current = await loginPair(a.email, a.password);
    const other = await loginPair(a.email, a.password);

    const wrong = await post('/auth/password/change', { current_password: 'nope', new_password: 'another password 2' }, current.access_token);
    expect(wrong.status).toBe(401);
    const weak = await post('/auth/password/change', { current_password: a.password, new_password: 'short' }, current.access_token);
    expect(weak.status).toBe(400);
    const ok = await post('/auth/password/change', { current_password: a.password, new_password: 'another password 2' }, current.access_token);
    expect(ok.status).toBe(204);

    expect((await rest('/organizations', current.access_token)).status).toBe(200);
    expect((await rest('/organizations', other.access_token)).status).toBe(401);
    expect((await post('/auth/login', { email: a.email, password: a.password })).status).toBe(401);
    await loginPair(a.email, 'another password 2');
    const events = (await (await rest('/auth_events?event=eq.password_changed', current.access_token)).json()) as unknown[];
    expect(events).toHaveLength(1);
  });

  it('reset: same answer for unknown emails; a token works once, within 30 minutes, and ends all sessions', async () => {
    const a = await createOrg();
    const session = await loginPair(a.email, a.password);
    const unknown = await post('/auth/password/reset-request', { email: 'nobody-reset@example.test' });
    const known = await post('/auth/password/reset-request', { email: a.email });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(await unknown.text()).toBe(await known.text());

    // The plain token only travels in the hand-off job's payload; read it the way the
    // mailer would, inside a transaction so the worker cannot take the job first.
    const pool = ownerPool();
    let token: string;
    try {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('select app_private.request_password_reset($1)', [a.email]);
        const { rows } = await client.query<{ payload: { token: string; user_id: string } }>(
          `select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
            where t.identifier = 'send_password_reset_email' and j.payload ->> 'user_id' = $1 order by j.id desc limit 1`,
          [a.userId],
        );
        token = rows[0].payload.token;
        await client.query('commit');
      } finally {
        client.release();
      }
      const stored = await pool.query('select count(*)::int as n from app_private.password_reset_tokens where token_hash = digest($1, $2)', [token, 'sha256']);
      expect(stored.rows[0].n).toBe(1);

      expect((await post('/auth/password/reset', { token: 'not-a-token', new_password: 'reset password 3' })).status).toBe(400);
      expect((await post('/auth/password/reset', { token, new_password: 'reset password 3' })).status).toBe(204);
      expect((await post('/auth/password/reset', { token, new_password: 'reset password 4' })).status).toBe(400);
      expect((await rest('/organizations', session.access_token)).status).toBe(401);
      await loginPair(a.email, 'reset password 3');

      // An expired token is refused.
      const client2 = await pool.connect();
      try {
        await client2.query('begin');
        await client2.query('select app_private.request_password_reset($1)', [a.email]);
        const { rows } = await client2.query<{ payload: { token: string } }>(
          `select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
            where t.identifier = 'send_password_reset_email' and j.payload ->> 'user_id' = $1 order by j.id desc limit 1`,
          [a.userId],
        );
        await client2.query(`update app_private.password_reset_tokens set expires_at = now() - interval '1 second' where token_hash = digest($1, 'sha256')`, [rows[0].payload.token]);
        await client2.query('commit');
        expect((await post('/auth/password/reset', { token: rows[0].payload.token, new_password: 'reset password 5' })).status).toBe(400);
      } finally {
        client2.release();
      }
    } finally {
      await pool.end();
    }
  });
});
