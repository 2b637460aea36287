import type { Task } from 'graphile-worker';

const BATCH = Number(process.env.RETENTION_BATCH_SIZE ?? 5000);

/**
 * Retention (cron, hourly): every step in app_private.retention_steps(), batch by batch
 * (each batch its own short transaction), logging what each step removed.
 */
export const retention_cleanup: Task = async (_payload, helpers) => {
  const { rows: steps } = await helpers.query<{ step: string }>('select app_private.retention_steps() as step');
  for (const { step } of steps) {
    const started = new Date();
    let removed = 0;
    for (;;) {
      const { rows } = await helpers.query<{ n: string }>('select app_private.retention_step($1, $2) as n', [step, BATCH]);
      removed += Number(rows[0].n);
      if (Number(rows[0].n) < BATCH) break;
    }
    await helpers.query('select app_private.log_retention_run($1, $2, $3)', [step, removed, started]);
    if (removed > 0) helpers.logger.info(`retention ${step}: ${removed} row(s) removed`);
  }
};
