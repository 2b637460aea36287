import type { Task } from 'graphile-worker';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { verifyBackup } from '../lib/backup.ts';

/**
 * Daily backup verification (cron): the same as `npx switchboard backup verify`. Needs the
 * owner's credentials and a role that may create databases (ROOT_DATABASE_URL or
 * BACKUP_ADMIN_DATABASE_URL) in the worker's environment; without them it logs and skips.
 * The result (and a failure's operational event) is recorded by verifyBackup itself.
 */
export const verify_backup: Task = async (_payload, helpers) => {
  loadEnvFile();
  const config = resolveConfig();
  if (!process.env.BACKUP_ADMIN_DATABASE_URL && !config.rootUrl) {
    helpers.logger.warn('backup verification skipped: no ROOT_DATABASE_URL / BACKUP_ADMIN_DATABASE_URL in the worker environment');
    return;
  }
  const result = await verifyBackup(config);
  if (result.ok) helpers.logger.info(`backup verified: ${result.tables} tables, ${result.rows} rows, ${result.seconds}s`);
  else helpers.logger.error(`backup verification FAILED (log ${result.log_id}): ${result.problems.slice(0, 5).join('; ')}`);
};
