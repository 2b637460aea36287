import type { Task } from 'graphile-worker';

/**
 * The weekday feeder for one org. app_private.feed_leads claims the (org, local date) key
 * in the same transaction as the feed, so a duplicate job, a second worker or a restart
 * is a no-op. `at` is the tick that found the org due: its local date is the one fed.
 */
export const feed_leads: Task = async (payload, helpers) => {
  const { org_id, at } = payload as { org_id: string; at?: string };
  const { rows } = await helpers.query<{ r: Record<string, unknown> }>('select app_private.feed_leads($1, coalesce($2::timestamptz, now())) as r', [org_id, at ?? null]);
  helpers.logger.info(`feed for org ${org_id}: ${JSON.stringify(rows[0].r)}`);
};
