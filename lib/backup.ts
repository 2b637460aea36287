import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresBinDir } from './postgres-bin.ts';
import type { StackConfig } from './config.ts';

/**
 * Backups: `pg_dump` (custom format) taken in an exported snapshot, with a manifest of
 * per-table row counts and checksums of critical tables computed in that same snapshot;
 * restore with `pg_restore`; verification restores into a scratch database and compares.
 */
export interface Fingerprint {
  counts: Record<string, number>;
  checksums: Record<string, string>;
}

export interface Manifest extends Fingerprint {
  created_at: string;
  database: string;
  server_version: string;
  dump_bytes: number;
}

function binary(name: 'pg_dump' | 'pg_restore'): string {
  const dir = process.env.PG_BIN_DIR ?? postgresBinDir();
  const path = dir ? join(dir, name) : name;
  if (dir && !existsSync(path)) throw new Error(`${name} not found in ${dir}`);
  return path;
}

function exec(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGCONNECT_TIMEOUT: '10' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

export async function fingerprint(client: pg.ClientBase): Promise<Fingerprint> {
  const { rows } = await client.query<{ fp: Fingerprint }>('select app_private.backup_fingerprint() as fp');
  return rows[0].fp;
}

/** pg_dump -Fc of the database in one snapshot, plus `<file>.manifest.json`. */
export async function createBackup(config: StackConfig, file: string): Promise<Manifest> {
  const client = new pg.Client({ connectionString: config.ownerUrl });
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const { rows } = await client.query<{ snapshot: string; db: string; version: string }>(
      'select pg_export_snapshot() as snapshot, current_database() as db, current_setting(\'server_version\') as version',
    );
    const dump = exec(binary('pg_dump'), ['--format=custom', `--snapshot=${rows[0].snapshot}`, `--file=${file}`, `--dbname=${config.ownerUrl}`]);
    const fp = await fingerprint(client);
    const result = await dump;
    await client.query('commit');
    if (result.code !== 0) throw new Error(`pg_dump failed: ${result.stderr.trim()}`);
    const manifest: Manifest = {
      created_at: new Date().toISOString(),
      database: rows[0].db,
      server_version: rows[0].version,
      dump_bytes: statSync(file).size,
      ...fp,
    };
    writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest, null, 2));
    return manifest;
  } finally {
    await client.end();
  }
}

/** pg_restore into an (empty) database; with a superuser URL owners and grants are kept. */
export async function restoreBackup(file: string, intoUrl: string): Promise<void> {
  const result = await exec(binary('pg_restore'), ['--exit-on-error', '--single-transaction', `--dbname=${intoUrl}`, file]);
  if (result.code !== 0) throw new Error(`pg_restore failed: ${result.stderr.trim()}`);
}

export interface Comparison {
  ok: boolean;
  problems: string[];
}

/** Row counts and checksums equal, RLS forced everywhere, key functions present. */
export async function checkRestored(client: pg.ClientBase, expected: Fingerprint): Promise<Comparison & { actual: Fingerprint }> {
  const actual = await fingerprint(client);
  const problems: string[] = [];
  for (const [table, n] of Object.entries(expected.counts)) {
    if (actual.counts[table] !== n) problems.push(`${table}: ${actual.counts[table] ?? 'missing'} rows, expected ${n}`);
  }
  for (const [table, sum] of Object.entries(expected.checksums)) {
    if (actual.checksums[table] !== sum) problems.push(`${table}: checksum differs`);
  }
  const { rows: rls } = await client.query<{ relname: string }>(`
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'app_public' and c.relkind in ('r', 'p') and not (c.relrowsecurity and c.relforcerowsecurity)`);
  for (const r of rls) problems.push(`app_public.${r.relname}: row-level security not forced`);
  const { rows: fns } = await client.query<{ name: string }>(`
    select f as name from unnest(app_private.backup_key_functions()) f where to_regprocedure(f) is null`);
  for (const f of fns) problems.push(`function missing: ${f.name}`);
  return { ok: problems.length === 0, problems, actual };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface VerifyOptions {
  /** Drill: SQL run on the restored copy before the check, to prove a divergence is caught. */
  tamperSql?: string;
}

export interface VerifyResult extends Comparison {
  log_id: number;
  tables: number;
  rows: number;
  dump_bytes: number;
  seconds: number;
}

/**
 * backup verify: dump, restore into a scratch database, compare, record the result in
 * backup_verification_log (a failure also raises an operational event), drop the scratch.
 */
export async function verifyBackup(config: StackConfig, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const adminUrl = process.env.BACKUP_ADMIN_DATABASE_URL ?? config.rootUrl;
  if (!adminUrl) throw new Error('backup verify needs ROOT_DATABASE_URL or BACKUP_ADMIN_DATABASE_URL (a role that may create databases)');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-backup-'));
  const file = join(dir, 'db.dump');
  const scratch = `switchboard_verify_${randomBytes(6).toString('hex')}`;
  const ownerRole = decodeURIComponent(new URL(config.ownerUrl).username);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let comparison: Comparison = { ok: false, problems: [] };
  let manifest: Manifest | undefined;
  let error: string | null = null;
  let actual: Fingerprint | undefined;
  try {
    manifest = await createBackup(config, file);
    await admin.query(`create database ${pg.escapeIdentifier(scratch)} owner ${pg.escapeIdentifier(ownerRole)}`);
    const scratchUrl = withDatabase(adminUrl, scratch);
    await restoreBackup(file, scratchUrl);
    const copy = new pg.Client({ connectionString: scratchUrl });
    await copy.connect();
    try {
      if (options.tamperSql) await copy.query(options.tamperSql);
      const checked = await checkRestored(copy, manifest);
      comparison = { ok: checked.ok, problems: checked.problems };
      actual = checked.actual;
    } finally {
      await copy.end();
    }
  } catch (e) {
    error = (e as Error).message;
    comparison = { ok: false, problems: [error] };
  } finally {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(scratch)} with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  const counts = manifest?.counts ?? {};
  const details = {
    counts,
    restored_counts: actual?.counts,
    problems: comparison.problems,
    dump_bytes: manifest?.dump_bytes ?? 0,
    seconds,
  };
  const owner = new pg.Client({ connectionString: config.ownerUrl });
  await owner.connect();
  let logId: number;
  try {
    const { rows } = await owner.query<{ id: string }>(
      'select app_private.record_backup_verification($1, $2, $3) as id',
      [comparison.ok, details, error ?? (comparison.ok ? null : comparison.problems.slice(0, 5).join('; '))],
    );
    logId = Number(rows[0].id);
  } finally {
    await owner.end();
  }
  return {
    ...comparison,
    log_id: logId,
    tables: Object.keys(counts).length,
    rows: Object.values(counts).reduce((a, b) => a + b, 0),
    dump_bytes: manifest?.dump_bytes ?? 0,
    seconds,
  };
}

export function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as Manifest;
}
