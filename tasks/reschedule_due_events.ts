import type { Task } from 'graphile-worker';

/** Cron safety net: gives every shard with events waiting over 30 s a processing job. */
export const reschedule_due_events: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ n: number }>("select app_private.reschedule_due_events('30 seconds') as n");
  if (rows[0].n > 0) helpers.logger.info(`rescheduled ${rows[0].n} shard(s) with waiting events`);
};
