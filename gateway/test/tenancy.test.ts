import { describe, expect, it } from 'vitest';
import { createOrg, login, rest, stack } from './helpers.ts';

describe('tenancy end to end: CLI → login → PostgREST', () => {
  it('shows each user only their own organization and memberships', async () => {
    const a = await createOrg('Org A');
    const b = await createOrg('Org B');
    const tokenA = await login(a.email, a.password);

    const orgs = (await (await rest('/organizations', tokenA)).json()) as Array<{ id: string; name: string }>;
    expect(orgs.map((o) => o.id)).toEqual([a.orgId]);
    expect(orgs[0].name).toBe('Org A');

    const memberships = (await (await rest('/memberships', tokenA)).json()) as Array<{ org_id: string; user_id: string; role: string }>;
    expect(memberships).toEqual([expect.objectContaining({ org_id: a.orgId, user_id: a.userId, role: 'owner' })]);

    const otherOrg = await rest(`/organizations?id=eq.${b.orgId}`, tokenA);
    expect(await otherOrg.json()).toEqual([]);
  });

  it('answers a wrong password and an unknown email with the identical 401 body', async () => {
    const a = await createOrg();
    const attempt = (email: string, password: string) =>
      fetch(`${stack().gatewayUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
    const wrongPassword = await attempt(a.email, 'not the password');
    const unknownEmail = await attempt('nobody-here@example.test', 'not the password');
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const [bodyA, bodyB] = [await wrongPassword.text(), await unknownEmail.text()];
    expect(bodyA).toBe(bodyB);
    expect(JSON.parse(bodyA)).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
  });

  it('refuses a tampered JWT at PostgREST', async () => {
    const a = await createOrg();
    const token = await login(a.email, a.password);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, org_id: '00000000-0000-0000-0000-000000000000' })).toString('base64url');
    const res = await rest('/organizations', `${header}.${forged}.${signature}`);
    expect(res.status).toBe(401);
  });

  it('rejects malformed JSON and missing fields on /auth/login with 400 invalid_payload, never SQL text', async () => {
    const post = (body: string) =>
      fetch(`${stack().gatewayUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (const body of ['{"email": "a@b.c", ', '{}', '{"email":"a@b.c"}', '[]', '{"email": 5, "password": "x"}']) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { error: string; message: string };
      expect(json.error).toBe('invalid_payload');
      expect(json.message).not.toMatch(/select|from|where|app_private/i);
    }
  });
});
