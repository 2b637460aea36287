import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER, leadFile, sha256hex, signUpload } from '../../bench/lead-file.ts';
import { cli, createOrg, login, ownerPool, rest, stack } from './helpers.ts';

/**
 * Signed lead uploads end to end: gateway (streamed COPY) → staging → worker merge →
 * leads, rejects and batches read through PostgREST.
 */
const pool = () => (shared ??= ownerPool());
let shared: ReturnType<typeof ownerPool> | undefined;
afterAll(async () => {
  await shared?.end();
});

async function csvSource(orgId: string): Promise<{ sourceId: string; secret: string }> {
  const { source_id, secret } = await cli('source', 'create', '--org', orgId, '--provider', 'csv', '--name', 'Skip trace');
  return { sourceId: source_id, secret };
}

const fileBody = (lines: Iterable<string>) => Buffer.from([...lines].join(''));

function upload(sourceId: string, body: Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(`${stack().gatewayUrl}/uploads/leads/${sourceId}`, { method: 'POST', headers, body: new Uint8Array(body) });
}

async function waitMerged(batchIds: string[], timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool().query<{ status: string; error: string | null }>(
      'select status, error from app_public.lead_import_batches where id = any($1::uuid[])', [batchIds]);
    if (rows.length === batchIds.length && rows.every((r) => r.status === 'merged')) return;
    const failed = rows.find((r) => r.status === 'failed');
    if (failed) throw new Error(`merge failed: ${failed.error}`);
    if (Date.now() > until) throw new Error(`merge not done: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const leadCount = async (orgId: string) =>
  Number((await pool().query('select count(*) from app_public.leads where org_id = $1', [orgId])).rows[0].count);

describe('POST /uploads/leads/{source_id}', () => {
  let org: Awaited<ReturnType<typeof createOrg>>;
  let source: { sourceId: string; secret: string };
  let token: string;
  const file = leadFile({ entities: 45_000, dupRate: 0.1, rejects: 500, prefix: 'E2E', seed: 7 });
  let body: Buffer;

  beforeAll(async () => {
    org = await createOrg('Lead uploads');
    source = await csvSource(org.orgId);
    token = await login(org.email, org.password);
    // 45,000 entities + 4,500 planted duplicates + 500 rejects = 50,000 rows, then a probe
    // entity whose two rows check the merge rules.
    const probe = [
      ['Old', 'Probe', 'probe@example.test', '4155550000', '', '', '', '', '', '', 'PROBE-1', '', '', '', '', '$90000', 'N', 'A1', '', 'first'],
      ['New', '', '', '', '', '', '', '', '', '', ' probe-1 ', '', '', '', '', '', 'Y', 'b2', '', 'second'],
    ].map((r) => r.join(',') + '\n');
    body = fileBody([...file.lines, ...probe]);
    expect(file.rows).toBe(50_000);
  });

  it('accepts a signed 50,000-row file with 202, merges it to exactly the expected leads, and reports rejects by row', async () => {
    const res = await upload(source.sourceId, body, signUpload(source.secret, sha256hex(body)));
    expect(res.status).toBe(202);
    const json = (await res.json()) as { batch_id: string; status: string };
    expect(json).toEqual({ batch_id: expect.any(String), status: 'queued' });
    await waitMerged([json.batch_id]);

    expect(await leadCount(org.orgId)).toBe(file.expectedLeads + 1);

    // Through PostgREST as the org's owner: batch counters and rejects with row numbers.
    const batches = (await (await rest(`/lead_import_batches?id=eq.${json.batch_id}`, token)).json()) as Array<Record<string, unknown>>;
    expect(batches[0]).toMatchObject({ status: 'merged', rows_total: 50_002, rows_rejected: 500, rows_merged: 49_502 });
    const rejects = (await (await rest(`/lead_import_rejects?batch_id=eq.${json.batch_id}&select=row_number,reason&order=row_number`, token, {
      headers: { 'range-unit': 'items' },
    })).json()) as Array<{ row_number: number; reason: string }>;
    expect(rejects.map((r) => r.row_number)).toEqual(file.rejectRows);
    expect(new Set(rejects.map((r) => r.reason))).toEqual(new Set([
      'missing key: needs mak, or county_fips and apn, or property_address and property_zip', 'invalid email',
    ]));

    // Merge rules on the probe: newest non-null wins, null never overwrites, OR, union; unknown column kept.
    const probe = (await (await rest('/leads?mak=eq.PROBE-1', token)).json()) as Array<Record<string, unknown>>;
    expect(probe).toHaveLength(1);
    expect(probe[0]).toMatchObject({
      first_name: 'New', last_name: 'Probe', email: 'probe@example.test', phone: '+14155550000',
      owner_occupied: true, email_verification_codes: ['A1', 'B2'], estimated_equity: 90000,
      attributes: { list_name: 'second' },
    });

    // Every key shape deduplicated: the variants matched (no lead carries a variant spelling).
    const { rows } = await pool().query(
      `select count(*) filter (where mak is not null) as mak, count(*) filter (where apn_normalized is not null) as apn,
              count(*) filter (where addr_hash is not null) as addr
         from app_public.leads where org_id = $1 and mak is distinct from 'PROBE-1'`, [org.orgId]);
    expect(rows[0]).toEqual({ mak: String(22_500), apn: String(22_500), addr: String(22_500) });
  }, 240_000);

  it('answers 409 duplicate_upload for the same file again', async () => {
    const res = await upload(source.sourceId, body, signUpload(source.secret, sha256hex(body)));
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: 'duplicate_upload', message: expect.any(String) });
  });

  it('answers 400 content_hash_mismatch for a tampered body and stores nothing', async () => {
    const original = fileBody([HEADER.join(',') + '\n', 'A,B,a@b.test,,,,,,,,TAMPER-1,,,,,,,,,\n']);
    const headers = signUpload(source.secret, sha256hex(original));
    const tampered = Buffer.from(original.toString().replace('TAMPER-1', 'TAMPER-2'));
    const res = await upload(source.sourceId, tampered, headers);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'content_hash_mismatch', message: expect.any(String) });
    // The rolled-back upload did not burn the hash: the genuine file is accepted.
    expect((await upload(source.sourceId, original, headers)).status).toBe(202);
  });

  it('answers 400 invalid_csv for an unclosed quote and stores nothing; the fixed file is accepted', async () => {
    const broken = fileBody([HEADER.join(',') + '\n', 'A,B,a@b.test,,,,,,,,CSV-1,,,,,,,,,\n', '"Unclosed,B,c@d.test,,,,,,,,CSV-2,,,,,,,,,\n']);
    const batches = async () => (await pool().query(
      'select count(*)::int as n from app_public.lead_import_batches where org_id = $1', [org.orgId])).rows[0].n;
    const before = await batches();
    const res = await upload(source.sourceId, broken, signUpload(source.secret, sha256hex(broken)));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_csv', message: expect.stringContaining('not closed') });
    expect(await batches()).toBe(before);
    const fixed = Buffer.from(broken.toString().replace('"Unclosed', '"Closed"'));
    expect((await upload(source.sourceId, fixed, signUpload(source.secret, sha256hex(fixed)))).status).toBe(202);
  });

  it('answers 401 invalid_signature for a bad signature, a stale timestamp and an unknown source, identically', async () => {
    const small = fileBody([HEADER.join(',') + '\n', 'A,B,a@b.test,,,,,,,,SIG-1,,,,,,,,,\n']);
    const good = signUpload(source.secret, sha256hex(small));
    const responses = await Promise.all([
      upload(source.sourceId, small, { ...good, 'x-signature': good['x-signature'].replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) }),
      upload(source.sourceId, small, signUpload('not-the-secret', sha256hex(small))),
      upload(source.sourceId, small, signUpload(source.secret, sha256hex(small), new Date(Date.now() - 301_000).toISOString())),
      upload('00000000-0000-4000-8000-000000000000', small, good),
      upload(source.sourceId, small, { 'content-type': 'text/csv' }),
    ]);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]).error).toBe('invalid_signature');
  });

  it('keeps the 256 KiB JSON limit on other routes', async () => {
    const res = await fetch(`${stack().gatewayUrl}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'x'.repeat(300_000), password: 'x' }),
    });
    expect(res.status).toBe(413);
  });
});

describe('two concurrent uploads for one org with duplicates split across them', () => {
  it('merges to exactly the expected leads (no duplicate rows, no lost rows)', async () => {
    const org = await createOrg('Concurrent uploads');
    const source = await csvSource(org.orgId);
    const file = leadFile({ entities: 12_000, dupRate: 0.25, prefix: 'CC', seed: 11 });
    const lines = [...file.lines];
    const header = lines[0];
    const rows = lines.slice(1);
    // Interleave: every other row goes to the other file, so duplicates straddle both.
    const a = fileBody([header, ...rows.filter((_, i) => i % 2 === 0)]);
    const b = fileBody([header, ...rows.filter((_, i) => i % 2 === 1)]);
    const [ra, rb] = await Promise.all([
      upload(source.sourceId, a, signUpload(source.secret, sha256hex(a))),
      upload(source.sourceId, b, signUpload(source.secret, sha256hex(b))),
    ]);
    expect([ra.status, rb.status]).toEqual([202, 202]);
    const ids = await Promise.all([ra.json(), rb.json()]) as Array<{ batch_id: string }>;
    await waitMerged(ids.map((x) => x.batch_id));
    expect(await leadCount(org.orgId)).toBe(file.expectedLeads);
    const { rows: dupes } = await pool().query(
      `select count(*) - count(distinct email) as n from app_public.leads where org_id = $1`, [org.orgId]);
    expect(Number(dupes[0].n)).toBe(0);
  }, 240_000);
});
