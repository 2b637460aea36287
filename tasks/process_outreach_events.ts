import type { Task } from 'graphile-worker';
import { type ShardPayload, drainShard, maxAttempts } from './lib/drain-shard.ts';

/** Drains one org's shard of outreach webhook events into contacts, email events and metrics. */
export const process_outreach_events: Task = (payload, helpers) =>
  drainShard(helpers, payload as ShardPayload, {
    processFunction: 'app_private.process_outreach_events',
    dueFunction: 'app_private.due_webhook_events',
    batchSize: Number(process.env.OUTREACH_BATCH_SIZE ?? 2000),
    maxAttempts: maxAttempts(),
  });
