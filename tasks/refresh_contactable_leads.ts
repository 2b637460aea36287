import type { Task } from 'graphile-worker';

/** Refreshes app_private.contactable_leads_mv concurrently; the SQL side holds an advisory lock so refreshes never overlap. */
export const refresh_contactable_leads: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ r: Record<string, unknown> }>('select app_private.refresh_contactable_leads() as r');
  helpers.logger.info(`contactable leads refreshed: ${JSON.stringify(rows[0].r)}`);
};
