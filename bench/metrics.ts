import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchContext, BenchResult } from '../scripts/bench.ts';
import { projectRoot } from '../lib/paths.ts';
import { cpuOfTrees, treeCpu } from './lib/cpu.ts';
import { round, sized } from './lib/stats.ts';

/**
 * metrics: processing throughput. N events (90 % on ONE hot campaign, the rest over 10 cold
 * ones) are stored through the gateway's SQL ingest function, then timed from the worker's
 * start until every counter is settled and exact. Baseline, same run and cluster: one
 * `update … set n = n + 1` per event from as many connections as the worker uses, half of
 * them timed just before ours and half just after.
 */
const TYPES = ['email.sent', 'email.opened', 'email.clicked'];
const METRIC: Record<string, 'sent' | 'opened' | 'clicked'> = { 'email.sent': 'sent', 'email.opened': 'opened', 'email.clicked': 'clicked' };

export default async function metrics(ctx: BenchContext): Promise<BenchResult> {
  const total = sized(100_000, 2_000, process.env.BENCH_METRICS_EVENTS);
  const connections = Number(process.env.WORKER_CONCURRENCY ?? 4);
  const owner = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: connections + 2 });
  const gateway = new pg.Pool({ connectionString: ctx.config.gatewayUrl, max: 4 });
  try {
    const { rows: [org] } = await owner.query("select org_id from app_private.create_organization('Bench', 'bench@example.test', 'bench password', 'UTC')");
    const { rows: [src] } = await owner.query("select source_id from app_private.create_source($1, 'standard', 'bench', $2)", [org.org_id, ctx.env.ENCRYPTION_KEY]);

    // Deterministic data: event g → campaign, type and contact.
    const campaignOf = (g: number) => (g % 10 === 0 ? `cold-${Math.floor(g / 10) % 10}` : 'hot');
    const expected = new Map<string, number>();
    for (let g = 1; g <= total; g++) {
      const key = `${campaignOf(g)}:${METRIC[TYPES[g % 3]]}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }

    ctx.log(`storing ${total} events through app_private.ingest_webhook_event …`);
    const chunk = 500; // small transactions: each updates its shard's job row once per event
    const chunks = Array.from({ length: Math.ceil(total / chunk) }, (_, i) => [i * chunk + 1, Math.min(total, (i + 1) * chunk)]);
    const ingest = `select count(*) from generate_series($2::int, $3::int) g, lateral app_private.ingest_webhook_event($1, 'standard', 'evt-' || g, 'lead' || (g % 5000) || '@x.test',
        (array['email.sent','email.opened','email.clicked'])[g % 3 + 1], now(),
        jsonb_build_object('type', (array['email.sent','email.opened','email.clicked'])[g % 3 + 1], 'timestamp', now(),
          'data', jsonb_build_object('campaign_id', case when g % 10 = 0 then 'cold-' || ((g / 10) % 10) else 'hot' end,
                                     'campaign_name', 'Bench campaign', 'email', 'lead' || (g % 5000) || '@x.test')))`;
    // One connection: a multi-event transaction touches several shards' job keys, and two
    // such transactions could deadlock on them (single-event webhook transactions cannot).
    for (const [from, to] of chunks) await gateway.query(ingest, [src.source_id, from, to]);

    // Baseline: a read-modify-write-free but per-event counter update, same connections, in
    // two halves timed right before and right after ours, so that the machine's drift over
    // the run (its speed varies by ±20 % from minute to minute) weighs on both sides alike.
    await owner.query('create table bench_counter (id int primary key, n bigint not null)');
    await owner.query('insert into bench_counter values (1, 0)');
    const baselineHalf = async (from: number, to: number) => {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: connections }, async (_, w) => {
        const client = await owner.connect();
        try {
          for (let i = from + w; i < to; i += connections) await client.query('update bench_counter set n = n + 1 where id = 1');
        } finally {
          client.release();
        }
      }));
      return (performance.now() - t0) / 1000;
    };
    ctx.log('timing the baseline, first half (one update per event) …');
    let baseSeconds = await baselineHalf(0, Math.floor(total / 2));

    // Ours: from the worker's start until the counters are exact.
    ctx.log('timing the worker …');
    const started = performance.now();
    const worker = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/worker.ts')], {
      env: { ...process.env, ...ctx.env, WORKER_CONCURRENCY: String(connections), LOG_LEVEL: 'error' },
      stdio: 'ignore',
    });
    // CPU per event of this run's processes only (a shared box's noise is not mixed in): the
    // worker and PostgreSQL's backends, taken before the worker stops (its backends exit with it).
    const roots = { worker: worker.pid, postgres: Number(readFileSync(join(ctx.cluster.pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]) };
    const cpuBefore = cpuOfTrees(roots);
    let cpu: Record<string, number> = {};
    let counted = 0;
    try {
      for (;;) {
        const { rows: [row] } = await owner.query('select coalesce(sum(sent + opened + clicked), 0)::int as n from app_public.campaign_counters');
        counted = row.n;
        if (counted >= total) {
          cpu = treeCpu(cpuBefore, cpuOfTrees(roots));
          break;
        }
        if (performance.now() - started > 600_000) throw new Error(`only ${counted} of ${total} counted after 10 minutes`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      worker.kill('SIGTERM');
    }
    const oursSeconds = (performance.now() - started) / 1000;
    const perEvent = (name: string) => Math.round(((cpu[name] ?? 0) * 1e6) / total);
    ctx.log(`CPU µs per event: PostgreSQL ${perEvent('postgres')}, worker ${perEvent('worker')} (start-up included)`);
    const { rows } = await owner.query<{ external_id: string; sent: number; opened: number; clicked: number }>(
      'select c.external_id, k.sent::int, k.opened::int, k.clicked::int from app_public.campaign_counters k join app_public.campaigns c on c.id = k.campaign_id');
    let lost = 0;
    ctx.log('timing the baseline, second half …');
    baseSeconds += await baselineHalf(Math.floor(total / 2), total);
    const { rows: [base] } = await owner.query('select n::int from bench_counter');
    lost += Math.abs(base.n - total);
    const actual = new Map<string, number>();
    for (const r of rows) for (const m of ['sent', 'opened', 'clicked'] as const) actual.set(`${r.external_id}:${m}`, r[m]);
    for (const [key, n] of expected) lost += Math.abs((actual.get(key) ?? 0) - n);


    const ours = total / oursSeconds;
    const baseline = total / baseSeconds;
    return {
      events: total,
      campaigns: 11,
      ours_events_per_s: Math.round(ours),
      baseline_events_per_s: Math.round(baseline),
      ours_s: round(oursSeconds),
      baseline_s: round(baseSeconds),
      ratio: round(ours / baseline),
      lost,
    };
  } finally {
    await owner.end();
    await gateway.end();
  }
}
