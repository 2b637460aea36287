import { afterAll, describe, expect, it } from 'vitest';
import { sha256hex } from '../../bench/lead-file.ts';
import { waitFor } from '../../lib/ports.ts';
import { cli, createOrg, login, ownerPool, stack, uniqueEmail } from './helpers.ts';

/**
 * POST /uploads/leads: the console's upload route. A live session's Bearer token of an owner
 * or admin replaces the HMAC; everything else is the signed route's (streaming COPY into the
 * batch's staging table, 409 for the same file within 7 days, the size limit).
 */
const pool = ownerPool();
afterAll(() => pool.end());

const upload = (token: string | null, body: Buffer, headers: Record<string, string> = { 'x-content-sha256': sha256hex(body) }) =>
  fetch(`${stack().gatewayUrl}/uploads/leads`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: new Uint8Array(body),
  });

describe('POST /uploads/leads with a session token', () => {
  it('accepts an admin\'s file, merges it, refuses it again for 7 days, and checks the hash, the session and the role', async () => {
    const org = await createOrg('Session uploads');
    const token = await login(org.email, org.password);
    const file = Buffer.from('first_name,email,mak\nAda,ada@session.test,SESSION-1\nBo,bo@session.test,SESSION-2\nCy,cy@session.test,\n');

    const accepted = await upload(token, file);
    expect(accepted.status).toBe(202);
    const { batch_id, status } = (await accepted.json()) as { batch_id: string; status: string };
    expect(status).toBe('queued');
    await waitFor(async () => {
      const { rows } = await pool.query('select status from app_public.lead_import_batches where id = $1', [batch_id]);
      return rows[0]?.status === 'merged';
    }, 'the merge', 45_000);
    const { rows: [batch] } = await pool.query(
      'select org_id, source_id, uploaded_by, rows_total, leads_created, rows_rejected from app_public.lead_import_batches where id = $1', [batch_id]);
    expect(batch).toMatchObject({ org_id: org.orgId, source_id: null, uploaded_by: org.userId, rows_total: 3, leads_created: 2, rows_rejected: 1 });

    expect((await upload(token, file)).status).toBe(409);
    const again = await upload(token, file);
    expect(await again.json()).toMatchObject({ error: 'duplicate_upload' });

    const other = Buffer.from('first_name,mak\nDee,SESSION-4\n');
    const noHash = await upload(token, other, {});
    expect(noHash.status).toBe(400);
    expect(await noHash.json()).toMatchObject({ error: 'content_hash_required' });
    const wrongHash = await upload(token, other, { 'x-content-sha256': sha256hex(Buffer.from('something else')) });
    expect(wrongHash.status).toBe(400);
    expect(await wrongHash.json()).toMatchObject({ error: 'content_hash_mismatch' });
    // A rejected body leaves nothing behind: the same file goes through afterwards.
    expect((await upload(token, other)).status).toBe(202);

    expect((await upload(null, Buffer.from('mak\nX-1\n'))).status).toBe(401);
    expect((await upload('not-a-token', Buffer.from('mak\nX-2\n'))).status).toBe(401);
    const member = { email: uniqueEmail('uploader'), password: 'member password 1' };
    await cli('user', 'add', '--org', org.orgId, '--email', member.email, '--password', member.password, '--role', 'member');
    const refused = await upload(await login(member.email, member.password), Buffer.from('mak\nX-3\n'));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'forbidden', message: 'Only owners and admins upload lead files.' });

    // A session that ended (logout) is refused at once, though its JWT has not expired.
    const ended = await login(org.email, org.password);
    expect((await fetch(`${stack().gatewayUrl}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${ended}` } })).status).toBe(204);
    const afterLogout = await upload(ended, Buffer.from('mak\nX-4\n'));
    expect(afterLogout.status).toBe(401);
  }, 90_000);
});
