import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { resolveConfig } from '../../lib/config.ts';
import { leadFile } from '../../bench/lead-file.ts';
import { createOrg, login, ownerPool, rest, stack } from './helpers.ts';

/**
 * A parallel lead merge (tasks/merge_lead_batch.ts, db/functions/leads/merge_parallel.sql)
 * killed half-way: a chunk's backend is terminated with pg_terminate_backend while the other
 * chunks commit their leads. At no moment does the org's owner see a lead of
 * the batch through PostgREST (RLS), and graphile-worker's retry merges the batch exactly
 * once: the exact lead count, no duplicates.
 */
const pool = () => (shared ??= ownerPool());
let shared: ReturnType<typeof ownerPool> | undefined;
let rootShared: pg.Pool | undefined;
const root = () => (rootShared ??= new pg.Pool({ connectionString: resolveConfig(stack().env).rootUrl, max: 3 }));
afterAll(async () => {
  await shared?.end();
  await rootShared?.end();
});

const COLUMNS = ['first_name', 'last_name', 'email', 'phone', 'property_address', 'property_city', 'property_state', 'property_zip',
  'county_fips', 'apn', 'mak', 'mailing_address', 'mailing_city', 'mailing_state', 'mailing_zip', 'estimated_equity',
  'owner_occupied', 'email_verification_code', 'phone_verification_code'];

/** A queued batch staged as an upload stages it (without the upload's own merge job). */
async function stageBatch(orgId: string, lines: string[]): Promise<string> {
  const client = await pool().connect();
  try {
    await client.query('begin');
    const { rows: [b] } = await client.query<{ batch_id: string; staging_table: string }>(
      "select * from app_private.begin_lead_upload(null, $1, md5(random()::text) || md5(random()::text), null)", [orgId]);
    const rows = lines.slice(1).map((line, i) => {
      const f = line.trimEnd().split(',');
      const r: Record<string, unknown> = { row_number: i + 2, attributes: { list_name: f[19] } };
      COLUMNS.forEach((c, j) => { r[c] = f[j] === '' ? null : f[j]; });
      return r;
    });
    await client.query(`insert into app_private.${b.staging_table}
      select * from jsonb_populate_recordset(null::app_private.${b.staging_table}, $1::jsonb)`, [JSON.stringify(rows)]);
    await client.query("update app_public.lead_import_batches set status = 'queued', rows_total = $2 where id = $1", [b.batch_id, rows.length]);
    await client.query('commit');
    return b.batch_id;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/** How many of the org's leads its owner sees through PostgREST. */
async function visible(token: string): Promise<number> {
  const res = await rest('/leads?select=id&limit=1', token, { headers: { prefer: 'count=exact' } });
  expect(res.status).toBeLessThan(300);
  return Number(res.headers.get('content-range')!.split('/')[1]);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a parallel lead merge killed half-way', () => {
  it('never shows a lead of the batch, and the retry merges it exactly once', async () => {
    const org = await createOrg('Parallel merge kill');
    const token = await login(org.email, org.password);
    const file = leadFile({ entities: 6_000, dupRate: 0.1, prefix: 'PK', seed: 23 });
    const batchId = await stageBatch(org.orgId, [...file.lines]);

    // Watch what the owner sees, every few milliseconds, for the whole run.
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.push(await visible(token));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Hold back every chunk after its rows are in (the leads' org check locks organizations
    // FOR KEY SHARE at the end of each INSERT), so the kill lands mid-merge.
    const gate = await root().connect();
    await gate.query('begin');
    await gate.query('lock table app_public.organizations in exclusive mode');
    try {
      await pool().query("select graphile_worker.add_job('merge_lead_batch', json_build_object('batch_id', $1::uuid, 'chunks', 2), max_attempts => 5)", [batchId]);
      const waiting = await waitFor('chunks inserting', async () => {
        const { rows } = await root().query<{ pid: number }>(
          "select pid from pg_stat_activity where query like '%merge_lead_batch_chunk%' and pid <> pg_backend_pid() and wait_event_type = 'Lock' order by pid");
        return rows.length >= 2 ? rows : undefined;
      });
      expect(await visible(token)).toBe(0);
      // One chunk's backend dies; the others then commit their leads (still hidden).
      await root().query('select pg_terminate_backend($1)', [waiting[0].pid]);
    } finally {
      await gate.query('commit');
      gate.release();
    }
    // graphile-worker retries the job: the same batch is merged once.
    await waitFor('the merge', async () => {
      const { rows } = await pool().query<{ status: string }>('select status from app_public.lead_import_batches where id = $1', [batchId]);
      return rows[0].status === 'merged' ? true : undefined;
    });
    watching = false;
    await watcher;

    expect(await visible(token)).toBe(file.expectedLeads);
    expect(seen.length).toBeGreaterThan(10);
    // Before the publish nothing, after it everything: never part of the batch.
    expect(seen.filter((n) => n !== 0 && n !== file.expectedLeads)).toEqual([]);
    const { rows: [counts] } = await pool().query(
      `select count(*)::int as leads, count(distinct mak)::int as maks, count(mak)::int as with_mak,
              count(distinct addr_hash)::int as addrs, count(addr_hash)::int as with_addr
         from app_public.leads where org_id = $1`, [org.orgId]);
    expect(counts.leads).toBe(file.expectedLeads);
    expect(counts.maks).toBe(counts.with_mak);
    expect(counts.addrs).toBe(counts.with_addr);
    const { rows: [batch] } = await pool().query(
      'select leads_created, attempts from app_public.lead_import_batches where id = $1', [batchId]);
    expect(batch.leads_created).toBe(file.expectedLeads);
    expect(batch.attempts).toBeGreaterThanOrEqual(2);
    const { rows: left } = await pool().query('select count(*)::int as n from app_private.lead_import_pending where batch_id = $1', [batchId]);
    expect(left[0].n).toBe(0);
  }, 240_000);
});
