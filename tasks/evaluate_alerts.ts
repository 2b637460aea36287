import type { Task } from 'graphile-worker';

/**
 * Alerts (cron, every 5 minutes): app_private.evaluate_alerts raises and resolves alerts and
 * publishes them through outbound deliveries. Platform alerts (backups) go to the org in
 * OPS_ALERT_ORG_ID when set (and always to operational_events).
 */
export const evaluate_alerts: Task = async (_payload, helpers) => {
  const platformOrg = process.env.OPS_ALERT_ORG_ID || null;
  const { rows } = await helpers.query<{ n: number }>('select app_private.evaluate_alerts($1::uuid) as n', [platformOrg]);
  if (rows[0].n > 0) helpers.logger.warn(`${rows[0].n} alert(s) raised`);
};
