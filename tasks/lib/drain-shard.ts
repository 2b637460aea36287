import type { JobHelpers } from 'graphile-worker';

export interface ShardPayload {
  org_id: string;
  shard: number;
}

export interface DrainOptions {
  /** SQL function (org, shard, batch_size, only_event) → events processed, in one transaction. */
  processFunction: string;
  /** SQL function (org, shard, max_count) → ids of due events, for one-by-one isolation. */
  dueFunction: string;
  batchSize: number;
  /** Failures before an event is dead and goes to dead_letters (2, 4, 8 … s backoff between). */
  maxAttempts: number;
}

/**
 * Drains one org's shard of inbox events a batch per transaction until none are due. If a
 * batch fails, its events are retried one by one, so a single bad event is isolated (it
 * backs off, then lands in dead_letters) instead of blocking the shard.
 */
export async function drainShard(helpers: JobHelpers, { org_id, shard }: ShardPayload, options: DrainOptions): Promise<void> {
  const processEvents = async (only: string | null, size: number) => {
    const { rows } = await helpers.query<{ n: number }>(
      `select ${options.processFunction}($1, $2::smallint, $3, $4) as n`,
      [org_id, shard, size, only],
    );
    return rows[0].n;
  };

  const processOneByOne = async () => {
    const { rows } = await helpers.query<{ id: string }>(`select id from ${options.dueFunction}($1, $2::smallint, 100) as id`, [org_id, shard]);
    let done = 0;
    for (const { id } of rows) {
      try {
        done += await processEvents(id, 1);
      } catch (error) {
        await helpers.query('select app_private.fail_webhook_event($1, $2, $3, $4)', [org_id, id, (error as Error).message, options.maxAttempts]);
      }
    }
    return done;
  };

  for (;;) {
    let processed: number;
    try {
      processed = await processEvents(null, options.batchSize);
    } catch (error) {
      helpers.logger.warn(`batch failed, isolating events: ${(error as Error).message}`);
      processed = await processOneByOne();
    }
    if (processed === 0) return;
  }
}

export const maxAttempts = () => Number(process.env.WEBHOOK_MAX_ATTEMPTS ?? 5);
