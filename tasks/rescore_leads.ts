import type { Task } from 'graphile-worker';

/**
 * Daily (crontab, UTC): re-scores leads whose score changed with the age of their data
 * (app_private.rescore_leads: set-based, only changed rows). One org per transaction, so
 * a large org does not hold other orgs' merges or feeds.
 */
export const rescore_leads: Task = async (_payload, helpers) => {
  let after: string | null = null;
  let orgs = 0;
  let rescored = 0;
  for (;;) {
    const result: { rows: Array<{ r: { org_id: string; rescored: number } | null }> } = await helpers.query(
      'select app_private.rescore_next_org($1) as r', [after]);
    const r = result.rows[0].r;
    if (!r) break;
    after = r.org_id;
    orgs++;
    rescored += r.rescored;
  }
  helpers.logger.info(`lead scores: ${rescored} lead(s) re-scored across ${orgs} org(s)`);
};
