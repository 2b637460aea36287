import type { Task } from 'graphile-worker';

/**
 * Hand-off of the leads the feeder marked active to the campaign tool. The outreach
 * integration (push to SmartLead / Reply.io) plugs in here; until a campaign is mapped
 * for the org, the job records the hand-off in the log only.
 */
export const handoff_leads: Task = async (payload, helpers) => {
  const { org_id, local_date, lead_ids } = payload as { org_id: string; local_date: string; lead_ids: string[] };
  helpers.logger.info(`hand-off of ${lead_ids.length} lead(s) for org ${org_id} (${local_date})`);
};
