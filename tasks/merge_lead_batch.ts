import type { Task } from 'graphile-worker';

const RETRYABLE = new Set(['40P01', '40001', '55P03']);

/**
 * Merges one uploaded lead batch (app_private.merge_lead_batch: one set-based statement
 * chain, serialised per org by an advisory lock). A deadlock or serialization failure is
 * retried here with jitter; anything else fails the job, which graphile-worker retries
 * with backoff; after the last attempt the batch is marked failed.
 */
export const merge_lead_batch: Task = async (payload, helpers) => {
  const { batch_id } = payload as { batch_id: string };
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await helpers.query<{ r: Record<string, unknown> }>('select app_private.merge_lead_batch($1) as r', [batch_id]);
      helpers.logger.info(`merged lead batch ${batch_id}: ${JSON.stringify(rows[0].r)}`);
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
