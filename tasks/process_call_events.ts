import type { Task } from 'graphile-worker';

interface Payload {
  org_id: string;
  shard: number;
}

const BATCH_SIZE = Number(process.env.CALLS_BATCH_SIZE ?? 500);
/** Failures before an event is dead and goes to dead_letters (with 2, 4, 8 … s backoff). */
const MAX_ATTEMPTS = Number(process.env.WEBHOOK_MAX_ATTEMPTS ?? 5);

/**
 * Drains one org's shard of Vapi inbox events (status-update, end-of-call-report, …) into
 * calls and transcripts, a batch per transaction. A failing batch is retried event by
 * event so one bad event backs off and lands in dead_letters instead of blocking the shard.
 */
export const process_call_events: Task = async (payload, helpers) => {
  const { org_id, shard } = payload as Payload;
  const processBatch = async (only: string | null, size: number) => {
    const { rows } = await helpers.query<{ n: number }>(
      'select app_private.process_call_events($1, $2::smallint, $3, $4) as n',
      [org_id, shard, size, only],
    );
    return rows[0].n;
  };

  for (;;) {
    let processed: number;
    try {
      processed = await processBatch(null, BATCH_SIZE);
    } catch (error) {
      helpers.logger.warn(`call event batch failed, isolating events: ${(error as Error).message}`);
      processed = await processOneByOne();
    }
    if (processed === 0) return;
  }

  async function processOneByOne(): Promise<number> {
    const { rows } = await helpers.query<{ id: string }>('select id from app_private.due_call_events($1, $2::smallint, 100) as id', [
      org_id,
      shard,
    ]);
    let done = 0;
    for (const { id } of rows) {
      try {
        done += await processBatch(id, 1);
      } catch (error) {
        await helpers.query('select app_private.fail_webhook_event($1, $2, $3, $4)', [org_id, id, (error as Error).message, MAX_ATTEMPTS]);
      }
    }
    return done;
  }
};
