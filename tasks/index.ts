import type { TaskList } from 'graphile-worker';

/**
 * Every graphile-worker task, by identifier. Each lives in its own file named after
 * the identifier; SQL enqueues them with graphile_worker.add_job in the same
 * transaction as the data they act on.
 */
export const taskList: TaskList = {};
