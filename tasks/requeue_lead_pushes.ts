import type { Task } from 'graphile-worker';

/** Safety net: overdue pending push chunks (e.g. a worker killed mid-call) get a job again. */
export const requeue_lead_pushes: Task = async (_payload, helpers) => {
  await helpers.query('select app_private.requeue_due_lead_pushes()');
};
