import { afterAll, describe, expect, it } from 'vitest';
import { createConsentToken } from '../src/routes/consent.ts';
import { signToken, unsubscribeToken } from '../src/routes/unsubscribe.ts';
import { createOrg, ownerPool, stack } from './helpers.ts';

/** Unsubscribe pages (RFC 8058 one-click, escaped HTML) and single-use consent links. */
const pool = ownerPool();
afterAll(async () => {
  await pool.end();
});
const key = () => stack().env.ENCRYPTION_KEY;
const gw = (path: string, init?: RequestInit) => fetch(`${stack().gatewayUrl}${path}`, init);

describe('GET/POST /unsubscribe/{token}', () => {
  it('renders the contact\'s name escaped, suppresses on one-click POST, and stops the lead in the same transaction', async () => {
    const org = await createOrg('Unsub <b>Org</b>');
    const email = `victim-${Date.now()}@example.test`;
    await pool.query(
      "insert into app_public.contacts (org_id, email, first_name, last_name) values ($1, $2, '<script>alert(1)</script>', '\"&''')",
      [org.orgId, email]);
    await pool.query(
      "insert into app_public.leads (org_id, mak, email, campaign_status) values ($1, $2, $3, 'queued')", [org.orgId, `UNSUB-${Date.now()}`, email]);
    const token = unsubscribeToken(key(), org.orgId, email);

    const page = await gw(`/unsubscribe/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&amp;&#39;');
    expect(html).toContain('Unsub &lt;b&gt;Org&lt;/b&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');

    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, no cookies, no confirmation.
    const post = await gw(`/unsubscribe/${token}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click',
    });
    expect(post.status).toBe(200);
    const { rows } = await pool.query(
      `select s.reason, l.campaign_status from app_public.suppressions s join app_public.leads l on l.org_id = s.org_id and l.email = s.email
        where s.org_id = $1 and s.email = $2`, [org.orgId, email]);
    expect(rows).toEqual([{ reason: 'unsubscribed', campaign_status: 'do_not_contact' }]);

    // Idempotent: a second click is fine and the page says so.
    expect((await gw(`/unsubscribe/${token}`, { method: 'POST' })).status).toBe(200);
    expect(await (await gw(`/unsubscribe/${token}`)).text()).toContain('already unsubscribed');
  });

  it('answers 404 HTML for a forged or malformed token', async () => {
    const org = await createOrg();
    const forged = unsubscribeToken('not-the-key', org.orgId, 'someone@example.test');
    for (const t of [forged, 'garbage', `${forged}x`]) {
      const res = await gw(`/unsubscribe/${encodeURIComponent(t)}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect((await gw(`/unsubscribe/${encodeURIComponent(t)}`, { method: 'POST' })).status).toBe(404);
    }
  });
});

describe('GET/POST /consent/{token}', () => {
  it('records consent once with its timestamp; a second use is 410 token_used; bad or expired tokens are 401', async () => {
    const org = await createOrg();
    const { rows } = await pool.query<{ id: string }>(
      "insert into app_public.leads (org_id, mak, first_name) values ($1, $2, '<i>Ann</i>') returning id", [org.orgId, `CONSENT-${Date.now()}`]);
    const leadId = rows[0].id;
    const token = (await createConsentToken(pool, key(), leadId, '1 hour'))!;

    const form = await gw(`/consent/${token}`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('&lt;i&gt;Ann&lt;/i&gt;');

    expect((await gw(`/consent/${token}`, { method: 'POST' })).status).toBe(200);
    const { rows: lead } = await pool.query('select consent_given, consented_at from app_public.leads where id = $1', [leadId]);
    expect(lead[0].consent_given).toBe(true);
    expect(lead[0].consented_at).toBeInstanceOf(Date);

    const again = await gw(`/consent/${token}`, { method: 'POST' });
    expect(again.status).toBe(410);
    expect((await again.json()).error).toBe('token_used');
    expect((await gw(`/consent/${token}`)).status).toBe(410);

    const [body] = token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const expired = signToken(key(), 'consent', { ...claims, x: Math.floor(Date.now() / 1000) - 1 });
    const forged = signToken('wrong-key', 'consent', claims);
    for (const t of [expired, forged, 'nope']) {
      const res = await gw(`/consent/${encodeURIComponent(t)}`, { method: 'POST' });
      expect(res.status).toBe(401);
    }
  });
});
