import type { Task } from 'graphile-worker';
import { type ShardPayload, drainShard, maxAttempts } from './lib/drain-shard.ts';

/** Drains one org's shard of Vapi inbox events (status-update, end-of-call-report, …) into calls and transcripts. */
export const process_call_events: Task = (payload, helpers) =>
  drainShard(helpers, payload as ShardPayload, {
    processFunction: 'app_private.process_call_events',
    dueFunction: 'app_private.due_call_events',
    batchSize: Number(process.env.CALLS_BATCH_SIZE ?? 500),
    maxAttempts: maxAttempts(),
  });
