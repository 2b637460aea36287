import type { Task } from 'graphile-worker';
import { type ShardPayload, drainShard, maxAttempts } from './lib/drain-shard.ts';

/** Drains one org's shard of Twilio inbox events (status callbacks, inbound SMS: STOP/START, replies). */
export const process_sms_events: Task = (payload, helpers) =>
  drainShard(helpers, payload as ShardPayload, {
    processFunction: 'app_private.process_sms_events',
    dueFunction: 'app_private.due_sms_events',
    batchSize: Number(process.env.SMS_EVENTS_BATCH_SIZE ?? 200),
    maxAttempts: maxAttempts(),
  });
