import type { Task } from 'graphile-worker';

/**
 * Safety net (every minute): overdue pending push chunks (e.g. a worker killed mid-call) get
 * a job again, and SMS whose worker died before Twilio answered are marked in doubt.
 */
export const requeue_lead_pushes: Task = async (_payload, helpers) => {
  await helpers.query('select app_private.requeue_due_lead_pushes()');
  await helpers.query('select app_private.expire_sms_in_flight()');
};
