import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchContext, BenchResult } from '../../scripts/bench.ts';
import type { StackConfig } from '../../lib/config.ts';
import { projectRoot } from '../../lib/paths.ts';
import { waitFor } from '../../lib/ports.ts';
import { ingestSentEvents, orgWithSource } from '../lib/outreach-data.ts';
import { sized } from '../lib/stats.ts';

/**
 * worker-crash: kill -9 the worker while it processes a backlog, start a new one, and check
 * that every event is counted exactly once. Also run by vitest (outreach-failures.test.ts).
 */
export async function workerCrash(config: StackConfig, env: Record<string, string>, total: number) {
  const owner = new pg.Pool({ connectionString: config.ownerUrl, max: 2 });
  owner.on('error', () => {});
  const workerEnv = { ...process.env, ...env, OUTREACH_BATCH_SIZE: '200', LOG_LEVEL: 'error' };
  const startWorker = () => spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/worker.ts')], { env: workerEnv, stdio: 'ignore' });
  let worker: ChildProcess | undefined;
  try {
    const { sourceId } = await orgWithSource(owner, env.ENCRYPTION_KEY);
    await ingestSentEvents(owner, sourceId, total);
    const processed = async () =>
      Number((await owner.query("select count(*) from app_public.webhook_events where status = 'processed'")).rows[0].count);

    worker = startWorker();
    await waitFor(async () => (await processed()) >= Math.min(1000, total / 10), 'processing to start', 60_000);
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
    const processedAtKill = await processed();

    worker = startWorker();
    const restarted = performance.now();
    await waitFor(async () => (await processed()) === total, 'all events processed after the restart', 120_000);
    const recoverySeconds = (performance.now() - restarted) / 1000;
    const { rows: [counts] } = await owner.query(
      'select coalesce(sum(sent), 0)::int as sent, (select count(*)::int from app_public.email_events) as email_events from app_public.campaign_counters');
    return {
      events: total,
      processed_at_kill: processedAtKill,
      recovery_s: Number(recoverySeconds.toFixed(2)),
      counted: counts.sent,
      email_events: counts.email_events,
      lost: Math.abs(counts.sent - total) + Math.abs(counts.email_events - total),
    };
  } finally {
    worker?.kill('SIGKILL');
    await owner.end();
  }
}

export default async function drill(ctx: BenchContext): Promise<BenchResult> {
  return workerCrash(ctx.config, ctx.env, sized(20_000, 3_000));
}
