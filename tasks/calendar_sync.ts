import type { Task } from 'graphile-worker';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { syncSource, type Query } from './lib/calendar-sync.ts';

let encryptionKey: string | undefined;
/** Source secrets are decrypted in SQL with the key from the environment (.env). */
export function calendarKey(): string {
  if (!encryptionKey) {
    loadEnvFile();
    encryptionKey = resolveConfig().encryptionKey;
  }
  return encryptionKey;
}

/**
 * Syncs one busy source (queued by calendar_sync_tick when its interval has passed, by
 * app_public.sync_calendar_source on demand, and when a source is created). A failed fetch
 * is recorded on the source and is not a job failure: the next tick retries.
 */
export const calendar_sync: Task = async (payload, helpers) => {
  const { org_id, source_id } = payload as { org_id: string; source_id: string };
  const result = await syncSource(helpers.query as unknown as Query, org_id, source_id, calendarKey());
  if (result.status === 'failed') helpers.logger.warn(`calendar source ${source_id} sync failed: ${result.error}`);
};
