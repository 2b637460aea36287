import type { JobHelpers, Task } from 'graphile-worker';
import type pg from 'pg';
import { resolveConfig } from '../lib/config.ts';
import { createPool } from '../lib/multihost.ts';

const RETRYABLE = new Set(['40P01', '40001', '55P03']);

/** Batches of at least this many rows insert their new leads from several connections. */
const PARALLEL_MIN_ROWS = Number(process.env.LEAD_MERGE_PARALLEL_MIN_ROWS ?? 100_000);
/** How many connections insert a large batch's leads of one row each, beside one for its groups (1 = the one-transaction merge). */
const CHUNKS = Number(process.env.LEAD_MERGE_CHUNKS ?? 2);

type Payload = { batch_id: string; chunks?: number };

/**
 * Merges one uploaded lead batch. A batch below LEAD_MERGE_PARALLEL_MIN_ROWS is one
 * transaction (app_private.merge_lead_batch, serialised per org by an advisory lock). A
 * larger one (or a payload with `chunks`) is merged in parallel, all-or-nothing as users
 * see it (db/functions/leads/merge_parallel.sql): under the org's lock held by this job's
 * connection, prepare → its groups formed and its new leads inserted by `chunks` + 1
 * transactions at once, hidden → one publish transaction un-hides them. Anything failing in between deletes the hidden
 * leads before the error goes on to graphile-worker's retry. A deadlock or serialization
 * failure is retried here with jitter; after the last attempt the batch is marked failed.
 */
export const merge_lead_batch: Task = async (payload, helpers) => {
  const { batch_id, chunks: asked } = payload as Payload;
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await merge(batch_id, asked, helpers);
      helpers.logger.info(`merged lead batch ${batch_id}: ${JSON.stringify(r)}`);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (RETRYABLE.has(code) && attempt < 8) {
        helpers.logger.warn(`lead batch ${batch_id}: ${code} on attempt ${attempt}, retrying`);
        await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 200));
        continue;
      }
      if (helpers.job.attempts >= helpers.job.max_attempts) {
        await helpers.query('select app_private.mark_lead_batch_failed($1, $2)', [batch_id, `${code} ${(error as Error).message}`]);
      }
      throw error;
    }
  }
};

async function merge(batchId: string, asked: number | undefined, helpers: JobHelpers): Promise<Record<string, unknown>> {
  const chunks = asked ?? CHUNKS;
  if (chunks <= 1) {
    const { rows } = await helpers.query<{ r: Record<string, unknown> }>('select app_private.merge_lead_batch($1) as r', [batchId]);
    return rows[0].r;
  }
  return helpers.withPgClient(async (client) => {
    await client.query('select app_private.lock_lead_batch_org($1, true)', [batchId]);
    let attemptId: string | undefined;
    try {
      const { rows } = await client.query<{ r: { status: string; attempt?: string; chunks?: number } }>(
        'select app_private.merge_lead_batch_prepare($1, $2, $3) as r', [batchId, chunks, asked === undefined ? PARALLEL_MIN_ROWS : 0]);
      const prepared = rows[0].r;
      if (prepared.status !== 'prepared') return prepared;
      attemptId = prepared.attempt!;
      await insertChunks(batchId, attemptId, prepared.chunks!);
      const published = await client.query<{ r: Record<string, unknown> }>(
        'select app_private.merge_lead_batch_publish($1, $2) as r', [batchId, attemptId]);
      attemptId = undefined;
      return published.rows[0].r;
    } catch (error) {
      if (attemptId) {
        // The attempt's hidden leads go now (the next merge of the org would do it anyway).
        await client.query('select app_private.discard_lead_batch_attempt($1)', [batchId])
          .catch((e) => helpers.logger.warn(`lead batch ${batchId}: discard failed: ${(e as Error).message}`));
      }
      throw error;
    } finally {
      await client.query('select app_private.lock_lead_batch_org($1, false)', [batchId]).catch(() => undefined);
    }
  });
}

/**
 * Chunk 0 (the batch's groups) and chunks 1 … `chunks` (the rows that are leads on their own),
 * every one on a connection of its own (not the worker's pool: it would starve other jobs).
 */
async function insertChunks(batchId: string, attemptId: string, chunks: number): Promise<void> {
  const pool: pg.Pool = createPool(resolveConfig().workerUrl, { max: chunks + 1 });
  try {
    const results = await Promise.allSettled(Array.from({ length: chunks + 1 }, (_, i) =>
      pool.query('select app_private.merge_lead_batch_chunk($1, $2, $3)', [batchId, attemptId, i])));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await pool.end();
  }
}
