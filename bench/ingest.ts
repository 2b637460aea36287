import { createHmac, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BenchContext, BenchResult } from '../scripts/bench.ts';
import { type LoadResult, percentile, round, runLoad, sized } from './lib/stats.ts';
import { cpuOfTrees, treeCpu } from './lib/cpu.ts';
import { post } from './lib/http.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * ingest: signed SmartLead webhooks accepted per second through the gateway (HMAC over the
 * raw body, validation, one SQL call storing the event and its job), against the
 * Supabase-style baseline in the same run: the same event rows POSTed straight to
 * PostgREST into an RLS-protected table with the same dedupe key. Rounds alternate
 * between the two so machine drift affects both.
 */
export default async function ingest(ctx: BenchContext): Promise<BenchResult> {
  const total = sized(20_000, 400, process.env.BENCH_INGEST_EVENTS);
  // 16 senders in flight: enough to queue on every resource; BENCH_CONCURRENCY=64 shows the knee.
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const rounds = 4;
  const stack = await ctx.startStack({
    WEBHOOK_RATE_PER_SOURCE_PER_MINUTE: '100000000',
    WEBHOOK_RATE_PER_IP_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
  });
  const owner = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 2 });
  try {
    const { rows: [org] } = await owner.query("select org_id from app_private.create_organization('Bench', 'bench@example.test', 'bench password', 'UTC')");
    const { rows: [src] } = await owner.query("select source_id, secret from app_private.create_source($1, 'smartlead', 'bench', $2)", [org.org_id, ctx.env.ENCRYPTION_KEY]);
    // The baseline goes through PostgREST's per-user quota; a load test is not abuse.
    await owner.query('select app_private.set_org_quota($1, 100000000, 100000000)', [org.org_id]);
    // The baseline's table: what a Supabase-style app POSTs webhook rows into.
    await owner.query(`
      create table app_public.bench_raw_events (
        org_id uuid not null default app_public.current_org_id(),
        id bigint generated always as identity,
        provider text not null, dedupe_key text not null, payload jsonb not null,
        received_at timestamptz not null default now(),
        primary key (org_id, id), unique (org_id, dedupe_key));
      alter table app_public.bench_raw_events enable row level security;
      alter table app_public.bench_raw_events force row level security;
      create policy insert_own_org on app_public.bench_raw_events for insert to authenticated
        with check (org_id = (select app_public.current_org_id()));
      grant insert (provider, dedupe_key, payload) on app_public.bench_raw_events to authenticated;
      notify pgrst, 'reload schema';`);
    await new Promise((r) => setTimeout(r, 1500));
    const login = await fetch(`${stack.gatewayUrl}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.test', password: 'bench password' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };

    const event = (i: number) => JSON.stringify({
      event_type: ['EMAIL_SENT', 'EMAIL_OPEN', 'EMAIL_REPLY'][i % 3], campaign_id: `c${i % 10}`, campaign_name: `Campaign ${i % 10}`,
      to_email: `lead${i}@example.test`, event_timestamp: new Date().toISOString(), nonce: randomUUID(),
    });
    const ours = (body: string) => {
      const signature = createHmac('sha256', src.secret).update(body).digest('hex');
      return () => post(`${stack.gatewayUrl}/webhooks/smartlead/${src.source_id}`,
        { 'content-type': 'application/json', 'x-smartlead-signature': signature }, body);
    };
    const baseline = (body: string) => {
      const row = JSON.stringify({ provider: 'smartlead', dedupe_key: randomUUID(), payload: JSON.parse(body) });
      return () => post(`${stack.postgrestUrl}/bench_raw_events`,
        { 'content-type': 'application/json', authorization: `Bearer ${token}`, prefer: 'return=minimal' }, row);
    };

    // Only ingest is timed here (`metrics` times processing): the worker would otherwise drain
    // our events on the same cores while the baseline's rows sit unprocessed.
    const worker = stack.services.find((s) => s.name === 'worker');
    worker?.child.kill('SIGTERM');
    await new Promise((resolve) => (worker && worker.child.exitCode === null ? worker.child.once('exit', resolve) : resolve(null)));

    // Warm-up, not timed.
    const warm = Array.from({ length: sized(2000, 50) }, (_, i) => event(10_000_000 + i));
    const warmOurs = await runLoad(warm.map(ours), concurrency, (s) => s === 202);
    const warmBase = await runLoad(warm.map(baseline), concurrency, (s) => s === 201);
    ctx.log(`warm-up: ours ${JSON.stringify(warmOurs.statuses)}, baseline ${JSON.stringify(warmBase.statuses)}`);

    const results: { ours: LoadResult[]; baseline: LoadResult[] } = { ours: [], baseline: [] };
    const perRound = Math.floor(total / rounds);
    // Where each side's CPU goes, per request (this run's processes only, whatever else the
    // machine runs): the gateway or PostgREST, PostgreSQL's backends, and this load generator.
    const roots = {
      gateway: stack.services.find((s) => s.name === 'gateway')?.child.pid,
      postgrest: stack.services.find((s) => s.name === 'postgrest')?.child.pid,
      postgres: Number(readFileSync(join(ctx.cluster.pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]),
    };
    const cpu = { ours: {} as Record<string, number>, baseline: {} as Record<string, number> };
    const timed = async (side: 'ours' | 'baseline', phase: () => Promise<LoadResult>) => {
      const [before, loadBefore] = [cpuOfTrees(roots), process.cpuUsage()];
      const result = await phase();
      const used = treeCpu(before, cpuOfTrees(roots));
      const load = process.cpuUsage(loadBefore);
      for (const [name, seconds] of Object.entries(used)) cpu[side][name] = (cpu[side][name] ?? 0) + seconds;
      cpu[side].load = (cpu[side].load ?? 0) + (load.user + load.system) / 1e6;
      results[side].push(result);
    };
    for (let r = 0; r < rounds; r++) {
      const bodies = Array.from({ length: perRound }, (_, i) => event(r * perRound + i));
      await timed('ours', () => runLoad(bodies.map(ours), concurrency, (s) => s === 202));
      await timed('baseline', () => runLoad(bodies.map(baseline), concurrency, (s) => s === 201));
      ctx.log(`round ${r + 1}/${rounds}: ours ${Math.round(results.ours[r].perSecond)}/s ${JSON.stringify(results.ours[r].statuses)}, ` +
        `baseline ${Math.round(results.baseline[r].perSecond)}/s ${JSON.stringify(results.baseline[r].statuses)}`);
    }
    const sum = (list: LoadResult[], f: (x: LoadResult) => number) => list.reduce((n, x) => n + f(x), 0);
    const oursRps = sum(results.ours, (x) => x.ok + x.failed) / sum(results.ours, (x) => x.seconds);
    const baseRps = sum(results.baseline, (x) => x.ok + x.failed) / sum(results.baseline, (x) => x.seconds);
    const latencies = results.ours.flatMap((x) => x.latenciesMs).sort((a, b) => a - b);
    const perRequest = (side: 'ours' | 'baseline') => Object.entries(cpu[side])
      .filter(([, seconds]) => seconds > 0).map(([name, seconds]) => `${name} ${Math.round((seconds * 1e6) / (rounds * perRound))}`).join(', ');
    ctx.log(`CPU µs per request: ours ${perRequest('ours')}; baseline ${perRequest('baseline')}`);

    // Nothing lost: every 2xx is a stored row, on both sides.
    const accepted = sum(results.ours, (x) => x.ok) + warmOurs.ok;
    const created = sum(results.baseline, (x) => x.ok) + warmBase.ok;
    const { rows: [stored] } = await owner.query(
      'select (select count(*) from app_public.webhook_events)::int as ours, (select count(*) from app_public.bench_raw_events)::int as base');
    const lost = Math.abs(stored.ours - accepted) + Math.abs(stored.base - created);
    return {
      requests: rounds * perRound,
      concurrency,
      ours_rps: Math.round(oursRps),
      baseline_rps: Math.round(baseRps),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      errors: sum(results.ours, (x) => x.failed) + sum(results.baseline, (x) => x.failed),
      ratio: round(oursRps / baseRps),
      lost,
    };
  } finally {
    await owner.end();
  }
}
