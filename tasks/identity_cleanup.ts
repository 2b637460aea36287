import type { Task } from 'graphile-worker';

/**
 * Identity retention (cron): auth events and raw login attempts older than 90 days, expired
 * lockouts and reset tokens, and REST-quota windows older than two minutes.
 */
export const identity_cleanup: Task = async (_payload, helpers) => {
  let purged = 0;
  for (;;) {
    const { rows } = await helpers.query<{ n: string }>("select app_private.purge_auth_events('90 days', 5000) as n");
    purged += Number(rows[0].n);
    if (Number(rows[0].n) === 0) break;
  }
  const { rows } = await helpers.query<{ n: string }>('select app_private.purge_request_counters() as n');
  if (purged > 0 || Number(rows[0].n) > 0) {
    helpers.logger.info(`identity cleanup: ${purged} auth record(s), ${rows[0].n} quota window row(s) removed`);
  }
};
