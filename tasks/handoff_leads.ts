import type { Task } from 'graphile-worker';

/**
 * Hand-off of a feed run (the leads the feeder marked active) to the campaign tool:
 * app_private.handoff_leads raises ONE `leads.fed` domain event with the fed leads, which
 * the delivery engine sends, signed, to every endpoint of the org subscribed to it (the
 * campaign tool's inbound webhook, or a Zapier/Make hook in front of it). Exactly once per
 * (org, local date): a retried or duplicate job finds the run already handed off.
 */
export const handoff_leads: Task = async (payload, helpers) => {
  const { org_id, local_date, lead_ids } = payload as { org_id: string; local_date: string; lead_ids?: string[] };
  const { rows } = await helpers.query<{ r: Record<string, unknown> }>(
    'select app_private.handoff_leads($1, $2::date, $3::uuid[]) as r', [org_id, local_date, lead_ids ?? null]);
  helpers.logger.info(`hand-off for org ${org_id} (${local_date}): ${JSON.stringify(rows[0].r)}`);
};
