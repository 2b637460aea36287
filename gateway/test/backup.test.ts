import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config.ts';
import { projectRoot } from '../../lib/paths.ts';
import { cli, createOrg, ownerPool, stack } from './helpers.ts';

/** backup verify / create / restore with the real pg_dump and pg_restore. */
const run = promisify(execFile);
const pool = ownerPool();
const dir = mkdtempSync(join(tmpdir(), 'switchboard-backup-test-'));
afterAll(async () => {
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

async function cliRaw(...args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  const out = await run(process.execPath, [join(projectRoot, 'scripts/switchboard.mjs'), ...args, '--json'], { env: stack().env })
    .then((r) => ({ code: 0, stdout: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }));
  return { code: out.code, json: JSON.parse(out.stdout) };
}

describe('backups', () => {
  it('backup verify succeeds on a populated database and logs it', async () => {
    await createOrg('Backup A');
    await createOrg('Backup B');
    const result = await cli<{ ok: boolean; log_id: number; tables: number; rows: number }>('backup', 'verify');
    expect(result.ok).toBe(true);
    expect(result.tables).toBeGreaterThan(30);
    expect(result.rows).toBeGreaterThan(0);
    const { rows } = await pool.query('select ok, error, details -> $2 as orgs from app_private.backup_verification_log where id = $1', [result.log_id, 'counts']);
    expect(rows[0].ok).toBe(true);
    expect(rows[0].error).toBeNull();
  }, 120_000);

  it('backup verify fails (non-zero exit, logged, operational event) when rows are tampered between dump and check', async () => {
    const { code, json } = await cliRaw('backup', 'verify', '--drill-tamper',
      "update app_public.organizations set name = 'tampered' where id = (select min(id::text)::uuid from app_public.organizations); delete from app_private.provider_tasks where provider = 'smartlead'");
    expect(code).not.toBe(0);
    expect(json.error).toBe('failed');
    expect(json.message).toMatch(/app_public\.organizations: checksum differs/);
    expect(json.message).toMatch(/app_private\.provider_tasks: \d+ rows, expected \d+/);
    const { rows } = await pool.query('select id, ok, error from app_private.backup_verification_log order by id desc limit 1');
    expect(rows[0].ok).toBe(false);
    expect(rows[0].error).toMatch(/checksum differs/);
    const events = await pool.query("select count(*)::int as n from app_private.operational_events where kind = 'backup_verification_failed' and (details ->> 'log_id')::bigint = $1", [rows[0].id]);
    expect(events.rows[0].n).toBe(1);
  }, 120_000);

  it('backup create + backup restore --into URL round-trips with the same counts', async () => {
    const file = join(dir, 'switchboard.dump');
    const created = await cli<{ tables: number; rows: number }>('backup', 'create', '--out', file);
    expect(created.tables).toBeGreaterThan(30);
    const rootUrl = resolveConfig(stack().env).rootUrl!;
    const admin = new pg.Client({ connectionString: rootUrl });
    await admin.connect();
    const target = `restore_test_${Date.now()}`;
    await admin.query(`create database ${target} owner switchboard_owner`);
    try {
      const url = new URL(rootUrl);
      url.pathname = `/${target}`;
      const restored = await cli<{ restored: boolean; tables: number; rows: number }>('backup', 'restore', '--from', file, '--into', url.toString());
      expect(restored).toEqual({ restored: true, tables: created.tables, rows: created.rows });
      const copy = new pg.Client({ connectionString: url.toString() });
      await copy.connect();
      const { rows } = await copy.query('select count(*)::int as n from app_public.organizations');
      await copy.end();
      expect(rows[0].n).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.query(`drop database if exists ${target} with (force)`);
      await admin.end();
    }
  }, 120_000);
});
