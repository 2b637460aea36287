import type { Task } from 'graphile-worker';

/** Cron (every minute): queues a calendar_sync job for each source whose sync_interval has passed. */
export const calendar_sync_tick: Task = async (_payload, helpers) => {
  await helpers.query('select app_private.due_calendar_sources()');
};
