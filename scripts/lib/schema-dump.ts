import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lib/paths.ts';

/**
 * db/schema.sql: the current shape of the database in one file (graphile/starter's
 * data/schema.sql habit), so a reader sees a table as it is now instead of adding up the
 * migrations. It is `pg_dump --schema-only` of a freshly migrated database, owners and
 * privileges kept; graphile-worker's schema (its own migrations) and graphile-migrate's
 * bookkeeping are left out. `npm test` fails when it differs from a fresh migration.
 */
export const schemaFile = join(projectRoot, 'db/schema.sql');

export const REFRESH_COMMAND = 'npm run db:schema';

const HEADER = `-- The current schema: pg_dump --schema-only of a freshly migrated database (graphile_worker
-- and graphile_migrate left out). Generated; do not edit. Refresh it with \`${REFRESH_COMMAND}\`
-- (npm run db:commit, and npm run migrate while db/migrations/current/ holds work, refresh it too).
`;

/**
 * Makes a dump comparable across machines and runs: drops the lines that name the server and
 * pg_dump versions and the random-key `\restrict`/`\unrestrict` lines of newer pg_dumps, and
 * runs of blank lines. pg_dump orders objects by kind, schema and name (dependencies first),
 * so the same schema always dumps in the same order.
 */
export function normalizeDump(dump: string): string {
  const lines = dump
    .split('\n')
    .filter((line) => !/^-- Dumped (from database|by pg_dump) version /.test(line) && !/^\\(un)?restrict /.test(line));
  return HEADER + lines.join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** The normalized schema dump of the database at `url` (a superuser's, so every object is visible). */
export function dumpSchema(pgBinDir: string, url: string): string {
  const dump = execFileSync(
    join(pgBinDir, 'pg_dump'),
    ['--schema-only', '--no-sync', '--exclude-schema=graphile_worker', '--exclude-schema=graphile_migrate', `--dbname=${url}`],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return normalizeDump(dump);
}

/** A few lines of `diff -u` between the committed file and a fresh dump, for the failure message. */
export function schemaDiff(fresh: string, maxLines = 40): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-schema-'));
  try {
    const freshFile = join(dir, 'schema.sql');
    writeFileSync(freshFile, fresh);
    const committed = existsSync(schemaFile) ? schemaFile : '/dev/null';
    const out = spawnSync('diff', ['-u', '--label', 'db/schema.sql (committed)', '--label', 'fresh migration', committed, freshFile], { encoding: 'utf8' });
    const lines = (out.stdout || out.error?.message || '').split('\n');
    return lines.slice(0, maxLines).join('\n') + (lines.length > maxLines ? `\n… (${lines.length - maxLines} more lines)` : '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compares db/schema.sql with the dump of a freshly migrated database. */
export function checkSchemaFile(fresh: string): { ok: true } | { ok: false; message: string } {
  const committed = existsSync(schemaFile) ? readFileSync(schemaFile, 'utf8') : undefined;
  if (committed === fresh) return { ok: true };
  const what = committed === undefined ? 'db/schema.sql is missing' : 'db/schema.sql differs from a fresh migration';
  return { ok: false, message: `${what}. Refresh it with \`${REFRESH_COMMAND}\` and commit it.\n${schemaDiff(fresh)}` };
}

/** Whether db/migrations/current/ holds uncommitted work (anything but plain comments and blank lines). */
export function currentMigrationHasWork(): boolean {
  const dir = join(projectRoot, 'db/migrations/current');
  if (!existsSync(dir)) return false;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .some((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .map((line) => line.trim())
        // `--!include` is work; other comments are not.
        .some((line) => line !== '' && (!line.startsWith('--') || line.startsWith('--!'))),
    );
}

/**
 * Writes db/schema.sql from a throwaway cluster migrated from scratch (never from a dev
 * database, which may hold leftovers of earlier versions of current/). Returns whether
 * the file changed.
 */
export async function refreshSchemaFile(): Promise<boolean> {
  // Imported here: test-cluster.ts pulls in graphile-migrate and graphile-worker.
  const { createTestCluster } = await import('./test-cluster.ts');
  const { cluster, config } = await createTestCluster();
  try {
    const fresh = dumpSchema(cluster.bin, config.rootUrl!);
    const before = existsSync(schemaFile) ? readFileSync(schemaFile, 'utf8') : undefined;
    if (before === fresh) return false;
    writeFileSync(schemaFile, fresh);
    return true;
  } finally {
    cluster.destroy();
  }
}
