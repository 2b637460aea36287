import type { Task } from 'graphile-worker';

/**
 * Every minute (crontab, UTC): enqueues the 05:30-local contactable refresh and the
 * weekday 06:00-local feeder for each org whose local time has come (app_private.leads_cron_tick).
 */
export const leads_cron_tick: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ r: { refreshes: number; feeds: number } }>('select app_private.leads_cron_tick(now()) as r');
  if (rows[0].r.refreshes || rows[0].r.feeds) helpers.logger.info(`leads cron: ${JSON.stringify(rows[0].r)}`);
};
