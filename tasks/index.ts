import type { TaskList } from 'graphile-worker';
import { process_outreach_events } from './process_outreach_events.ts';
import { reschedule_due_events } from './reschedule_due_events.ts';

/**
 * Every graphile-worker task, by identifier. Each lives in its own file named after
 * the identifier; SQL enqueues them with graphile_worker.add_job in the same
 * transaction as the data they act on.
 */
export const taskList: TaskList = {
  process_outreach_events,
  reschedule_due_events,
};
