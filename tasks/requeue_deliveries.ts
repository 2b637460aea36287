import type { Task } from 'graphile-worker';

/** Safety net: overdue pending deliveries (e.g. a worker killed mid-attempt) get a job again. */
export const requeue_deliveries: Task = async (_payload, helpers) => {
  await helpers.query('select app_private.requeue_due_deliveries()');
};
