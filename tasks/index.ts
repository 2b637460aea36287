import type { TaskList } from 'graphile-worker';
import { process_call_events } from './process_call_events.ts';
import { purge_transcripts } from './purge_transcripts.ts';
import { request_callback } from './request_callback.ts';
import { process_outreach_events } from './process_outreach_events.ts';
import { reschedule_due_events } from './reschedule_due_events.ts';

/**
 * Every graphile-worker task, by identifier. Each lives in its own file named after
 * the identifier; SQL enqueues them with graphile_worker.add_job in the same
 * transaction as the data they act on.
 */
export const taskList: TaskList = {
  process_call_events,
  purge_transcripts,
  request_callback,
  process_outreach_events,
  reschedule_due_events,
};
