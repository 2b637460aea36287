import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOrg, login, ownerPool, rest } from './helpers.ts';

describe('identity: REST quotas in db-pre-request', () => {
  it('counts concurrent requests exactly and answers 429 with Retry-After once the budget is spent', async () => {
    const a = await createOrg('Quota');
    const pool = ownerPool();
    try {
      await pool.query('select app_private.set_org_quota($1, 40, 100000)', [a.orgId]);
      const token = await login(a.email, a.password);
      // Quotas use one-minute windows: keep the burst inside one.
      const second = new Date().getUTCSeconds();
      if (second >= 50) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));

      // 60 requests at once (read-write: they consume budget).
      const responses = await Promise.all(
        Array.from({ length: 60 }, () =>
          rest('/rpc/revoke_session', token, { method: 'POST', body: JSON.stringify({ session_id: randomUUID() }) }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      const ok = statuses.filter((s) => s === 200).length;
      const limited = responses.filter((r) => r.status === 429);
      expect(ok + limited.length).toBe(60);
      // Admission may overshoot only by requests in flight at once (PostgREST's pool of 10).
      expect(ok).toBeGreaterThanOrEqual(40);
      expect(ok).toBeLessThanOrEqual(50);
      const { rows } = await pool.query<{ n: number }>(
        'select coalesce(sum(count), 0)::int as n from app_private.request_counters where subject = $1',
        [a.userId],
      );
      expect(rows[0].n).toBe(ok); // every admitted request counted once; refused ones roll back

      // Reads are refused too once the budget is spent, with Retry-After.
      const read = await rest('/organizations', token);
      expect(read.status).toBe(429);
      const retryAfter = Number(read.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(((await read.json()) as { code: string }).code).toBe('quota_exceeded');

      // Another org is not affected.
      const b = await createOrg('Other');
      expect((await rest('/organizations', await login(b.email, b.password))).status).toBe(200);
    } finally {
      await pool.end();
    }
  });
});
