import { SignJWT, decodeJwt } from 'jose';
import pg from 'pg';
import type { BenchContext, BenchResult } from '../scripts/bench.ts';
import { configOnNode } from '../scripts/lib/ha.ts';
import { createPool } from '../lib/multihost.ts';
import { measurePreRequest } from './rest-prerequest.ts';
import { startPgBouncer } from './lib/pgbouncer.ts';
import { cpuByProgram, cpuShare } from './lib/cpu.ts';
import { round, sized } from './lib/stats.ts';
import { ensureWrk, runWrk } from './lib/wrk.ts';

/**
 * rest: the dashboard load test made real. VUS virtual users, each RATE requests/s for
 * SECONDS, read campaign metrics, a leads page and upcoming appointments of their org through
 * PostgREST, against ORGS orgs holding LEADS leads and EVENTS email events. Every user's
 * requests alternate between two identities with the same claims: the normal
 * `authenticated` role (RLS) and a bench-only role that bypasses RLS; both carry the same
 * explicit org filter, so HTTP and query cost cancel and `ratio` = p95(bypass) ÷ p95(RLS)
 * isolates what RLS costs. Also reports peak server connections and the db-pre-request
 * overhead (bench/rest-prerequest.ts).
 *
 * BENCH_REST_REPLICA=1 runs on the HA formation (pg_auto_failover, a synchronous standby) and
 * then serves the same `authenticated` reads from the read-only PostgREST on the standby:
 * replica_* are its figures next to the primary's. (No PgBouncer in that mode.)
 */
export const topology = process.env.BENCH_REST_REPLICA === '1' ? 'ha' : undefined;

export default async function rest(ctx: BenchContext): Promise<BenchResult> {
  const orgs = sized(100, 4, process.env.BENCH_REST_ORGS);
  const leads = sized(1_000_000, 4_000, process.env.BENCH_REST_LEADS);
  const events = sized(1_000_000, 4_000, process.env.BENCH_REST_EVENTS);
  const vus = sized(100, 8, process.env.BENCH_REST_VUS);
  const rate = Number(process.env.BENCH_REST_RATE ?? 10);
  // 60 s on its own, 5 minutes as part of `npm run bench -- all`.
  const seconds = sized(process.env.BENCH_ALL ? 300 : 60, 4, process.env.BENCH_REST_SECONDS);

  // PostgREST connects straight to PostgreSQL, as `npm start` runs it. BENCH_REST_PGBOUNCER=1
  // puts a throwaway PgBouncer (transaction mode) in between when the machine has one: no
  // prepared statements and no LISTEN through a transaction pooler.
  ensureWrk();
  const replica = Boolean(ctx.formation);
  const authenticator = replica ? undefined : new URL(ctx.config.authenticatorUrl);
  const withBouncer = process.env.BENCH_REST_PGBOUNCER === '1';
  const bouncer = !authenticator || !withBouncer ? undefined : await startPgBouncer(ctx.config.authenticatorUrl, { [decodeURIComponent(authenticator.username)]: decodeURIComponent(authenticator.password) });
  const pooled: Record<string, string> = bouncer
    ? { AUTHENTICATOR_DATABASE_URL: bouncer.through(ctx.config.authenticatorUrl), PGRST_DB_PREPARED_STATEMENTS: 'false', PGRST_DB_CHANNEL_ENABLED: 'false', PGRST_DB_POOL: '20' }
    : {}; // npm start's own PostgREST settings (scripts/lib/services.ts)
  ctx.log(bouncer ? 'PostgREST → PgBouncer (transaction mode) → PostgreSQL'
    : replica ? 'HA formation: PostgREST connects directly (multi-host URI), a second one reads from the standby'
    : withBouncer ? 'no pgbouncer on this machine: PostgREST connects directly' : 'PostgREST connects straight to PostgreSQL, as npm start runs it');
  const stack = await ctx.startStack({ AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...pooled });
  const owner = createPool(ctx.config.ownerUrl, { max: 4 });
  // Superuser sessions go to one node: the primary of the formation, or the one cluster.
  const rootUrl = ctx.formation ? configOnNode(ctx.config, ctx.formation.primary()!.port).rootUrl! : ctx.config.rootUrl!;
  try {
    ctx.log(`seeding ${orgs} orgs, ${leads} leads, ${events} email events …`);
    await owner.query(`select app_private.create_organization('Org ' || g, ('admin' || g || '@rest.bench')::citext, 'bench password', 'UTC')
                         from generate_series(1, $1::int) g`, [orgs]);
    await owner.query(`select app_private.set_org_quota(id, 1000000, 1000000) from app_public.organizations`);
    await owner.query(`insert into app_public.campaigns (org_id, name, provider, external_id)
                       select o.id, 'Campaign ' || c, 'smartlead', 'c' || c from app_public.organizations o, generate_series(1, 5) c`);
    await owner.query(`insert into app_public.campaign_counters (org_id, campaign_id, sent, opened, replied, synced_at)
                       select org_id, id, 1000, 400, 30, now() from app_public.campaigns`);
    await owner.query(`
      with c as (select org_id, id, row_number() over (order by org_id, id) - 1 as n, count(*) over () as total from app_public.campaigns)
      insert into app_public.email_events (org_id, webhook_event_id, campaign_id, kind, occurred_at)
      select c.org_id, gen_random_uuid(), c.id, (array['sent','opened','clicked','replied'])[g % 4 + 1], now() - (g % 10000) * interval '1 minute'
        from generate_series(1, $1::int) g join c on c.n = g % c.total`, [events]);
    const orgIds = (await owner.query<{ id: string }>('select id from app_public.organizations order by name')).rows.map((r) => r.id);
    for (let from = 1; from <= leads; from += 100_000) {
      await owner.query(`
        insert into app_public.leads (org_id, first_name, last_name, email, property_address, property_zip, mak, lead_score, data_as_of)
        select ($3::uuid[])[g % array_length($3::uuid[], 1) + 1], 'First' || g, 'Last' || g, 'lead' || g || '@rest.bench',
               g || ' Main St', lpad((g % 99999)::text, 5, '0'), 'mak-' || g, g % 101, now()
          from generate_series($1::int, $2::int) g`, [from, Math.min(leads, from + 99_999), orgIds]);
    }
    await owner.query('analyze');

    // The RLS-bypassing twin of `authenticated`, for the baseline only (roles need a superuser).
    const root = new pg.Client({ connectionString: rootUrl });
    await root.connect();
    await root.query(`create role bench_bypass nologin bypassrls; grant bench_bypass to authenticator;
      grant usage on schema app_public, app_private to bench_bypass;
      grant select on all tables in schema app_public to bench_bypass;
      grant execute on all functions in schema app_public to bench_bypass;
      grant execute on function app_private.check_session() to bench_bypass;`);
    await root.end();

    ctx.log('logging in one admin per org …');
    const key = new TextEncoder().encode(ctx.env.JWT_SECRET);
    const identities: Array<{ org: string; rls: string; bypass: string }> = [];
    for (let g = 1; g <= orgs; g++) {
      const res = await fetch(`${stack.gatewayUrl}/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `admin${g}@rest.bench`, password: 'bench password' }),
      });
      const { access_token } = (await res.json()) as { access_token: string };
      const claims = decodeJwt(access_token);
      const bypass = await new SignJWT({ ...claims, role: 'bench_bypass' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
      identities.push({ org: claims.org_id as string, rls: access_token, bypass });
    }

    const paths = (org: string) => [
      `/campaign_metrics?org_id=eq.${org}&select=campaign_id,name,sent,replied,positive_replies,freshness`,
      `/leads?org_id=eq.${org}&select=id,first_name,last_name,email,lead_score,campaign_status&order=lead_score.desc&limit=50`,
      `/appointments?org_id=eq.${org}&starts_at=gte.${new Date().toISOString()}&order=starts_at&limit=50`,
    ];
    ctx.log('warming up (every page once per org and role) …');
    await Promise.all(identities.flatMap((who) => paths(who.org).flatMap((path) => [who.rls, who.bypass].map(async (token) => {
      await (await fetch(stack.postgrestUrl + path, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
    }))));

    let peakConnections = 0;
    // Where the sessions spend the run (`state:wait event`, `cpu` when not waiting): many
    // `idle in transaction:Client/ClientRead` means PostgreSQL waits for PostgREST.
    const states = new Map<string, number>();
    let samples = 0;
    // A superuser sees every session in pg_stat_activity.
    const watcher = new pg.Client({ connectionString: rootUrl });
    await watcher.connect();
    const sampler = setInterval(async () => {
      const { rows } = await watcher.query<{ state: string; n: number }>(
        `select coalesce(state, '?') || ':' || coalesce(wait_event_type || '/' || wait_event, 'cpu') as state, count(*)::int as n
           from pg_stat_activity
          where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()
          group by 1`).catch(() => ({ rows: [] }));
      peakConnections = Math.max(peakConnections, rows.reduce((sum, r) => sum + r.n, 0) + 1);
      for (const r of rows) states.set(r.state, (states.get(r.state) ?? 0) + r.n);
      samples++;
    }, 250);

    // Half the users read as `authenticated` (RLS), half as the bypassing twin, at the same
    // time, each half from its own wrk process; every user cycles through all orgs' pages.
    ctx.log(`${vus} users × ${rate} req/s for ${seconds} s (wrk) …`);
    const progress = setInterval(() => ctx.log('  …'), 30_000);
    const cpuBefore = cpuByProgram();
    const load = (variant: 'rls' | 'bypass') => runWrk({
      baseUrl: stack.postgrestUrl,
      requests: identities.flatMap((who) => paths(who.org).map((path) => ({ path, token: who[variant] }))),
      connections: Math.max(1, Math.round(vus / 2)),
      seconds,
      thinkMs: Math.round(1000 / rate),
    });
    const [rls, bypass] = await Promise.all([load('rls'), load('bypass')]);
    const cpu = cpuShare(cpuBefore, cpuByProgram(), seconds);
    clearInterval(sampler);
    clearInterval(progress);
    await watcher.end();
    ctx.log(`CPU (share of one core): ${cpu}`);
    ctx.log(`sessions (mean count): ${[...states].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${round(n / Math.max(1, samples))}`).join(' · ')}`);
    const total = rls.requests + bypass.requests;
    const errors = rls.errors + bypass.errors;

    let replicaFigures: BenchResult = {};
    if (replica && stack.postgrestReadUrl) {
      ctx.log(`the same reads from the replica PostgREST (standby): ${Math.round(vus / 2)} users × ${rate} req/s for ${seconds} s …`);
      const fromStandby = await runWrk({
        baseUrl: stack.postgrestReadUrl,
        requests: identities.flatMap((who) => paths(who.org).map((path) => ({ path, token: who.rls }))),
        connections: Math.max(1, Math.round(vus / 2)),
        seconds,
        thinkMs: Math.round(1000 / rate),
      });
      const { rows: [lag] } = await owner.query<{ s: number }>('select app_private.replica_lag_seconds() as s');
      replicaFigures = {
        replica_rps: Math.round(fromStandby.requests / seconds),
        replica_p50_ms: round(fromStandby.p50_ms),
        replica_p95_ms: round(fromStandby.p95_ms),
        replica_errors: fromStandby.errors,
        replica_lag_s: round(Number(lag.s), 3),
      };
    }

    ctx.log('measuring the db-pre-request hook …');
    const hook = await measurePreRequest(ctx, { stack, requestsPerRound: sized(4000, 200), rounds: sized(3, 1) });
    return {
      orgs, leads, email_events: events, users: vus, seconds,
      requests: total,
      rps: Math.round(total / seconds),
      p50_ms: round(rls.p50_ms),
      p95_ms: round(rls.p95_ms),
      p99_ms: round(rls.p99_ms),
      bypass_p95_ms: round(bypass.p95_ms),
      errors,
      peak_connections: peakConnections,
      pgbouncer: bouncer ? 'yes' : 'no',
      ...replicaFigures,
      prerequest_ratio: hook.prerequest_ratio,
      ratio: round(bypass.p95_ms / rls.p95_ms),
      lost: errors + Number(replicaFigures.replica_errors ?? 0) + (hook.lost ?? 0),
    };
  } finally {
    await owner.end();
    await ctx.stopStack();
    await bouncer?.stop();
  }
}
