import { afterAll, describe, expect, it } from 'vitest';
import { cli, createOrg, login, ownerPool, stack, uniqueEmail } from './helpers.ts';

/** POST /leads/{id}/consent-link: signed-in users mint consent links for leads they can see. */
const pool = ownerPool();
afterAll(async () => {
  await pool.end();
});
const gw = (path: string, init?: RequestInit) => fetch(`${stack().gatewayUrl}${path}`, init);
const mint = (leadId: string, token?: string, body: unknown = {}) =>
  gw(`/leads/${leadId}/consent-link`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('POST /leads/{lead_id}/consent-link', () => {
  it('gives an admin a working single-use link; members only for their leads; never across orgs', async () => {
    const org = await createOrg('Consent links');
    const other = await createOrg('Consent links other');
    const memberEmail = uniqueEmail('broker');
    const { user_id: memberId } = await cli('user', 'add', '--org', org.orgId, '--email', memberEmail, '--password', 'correct horse battery', '--role', 'member');
    const { rows } = await pool.query<{ id: string }>(
      "insert into app_public.leads (org_id, mak, first_name) values ($1, $2, 'Ann') returning id", [org.orgId, `CL-${Date.now()}`]);
    const leadId = rows[0].id;
    const { rows: otherRows } = await pool.query<{ id: string }>(
      "insert into app_public.leads (org_id, mak) values ($1, $2) returning id", [other.orgId, `CL-O-${Date.now()}`]);

    expect((await mint(leadId)).status).toBe(401);
    const admin = await login(org.email, org.password);
    expect((await mint(leadId, admin, { ttl_hours: 0 })).status).toBe(400);
    expect((await mint(otherRows[0].id, admin)).status).toBe(404);
    expect((await mint('not-a-uuid', admin)).status).toBe(404);

    const res = await mint(leadId, admin, { ttl_hours: 24 });
    expect(res.status).toBe(201);
    const link = (await res.json()) as { url: string; token: string; expires_at: string };
    expect(link.url).toMatch(/\/consent\/[^/]+$/);
    expect(Date.parse(link.expires_at) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    const path = new URL(link.url).pathname;
    const form = await gw(path);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Ann');
    expect((await gw(path, { method: 'POST' })).status).toBe(200);
    expect((await gw(path, { method: 'POST' })).status).toBe(410);
    const { rows: lead } = await pool.query<{ consent_given: boolean; consented_at: Date | null }>(
      'select consent_given, consented_at from app_public.leads where id = $1', [leadId]);
    expect(lead[0].consent_given).toBe(true);
    expect(lead[0].consented_at).not.toBeNull();

    const member = await login(memberEmail, 'correct horse battery');
    expect((await mint(leadId, member)).status).toBe(404);
    await pool.query('update app_public.leads set assigned_to = $2 where id = $1', [leadId, memberId]);
    expect((await mint(leadId, member)).status).toBe(201);
  });
});
