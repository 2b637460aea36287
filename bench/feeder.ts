import pg from 'pg';
import type { BenchContext, BenchResult } from '../scripts/bench.ts';
import { sized } from './lib/stats.ts';

/**
 * npm run bench -- feeder
 * FEEDER_LEADS leads (default 1,000,000) across FEEDER_ORGS orgs (default 100), most of
 * them queued, verified and consented, some suppressed. Measures one org's feed of 250
 * (app_private.feed_leads at 06:00 local on a weekday) while a concurrent refresh of the
 * contactable set runs (on a connection warmed up by a feed of a third org), and the
 * refresh itself.
 * Baseline in the same run: the same feed done the naive way — a scan-and-sort of the
 * org's leads (no index), then one UPDATE per lead by id. ratio = baseline ms ÷ ours ms.
 * lost = leads fed ≠ 250, plus anything a second run on the same local date feeds.
 */
export default async function feederBench(ctx: BenchContext): Promise<BenchResult> {
  const total = sized(1_000_000, 5_000, process.env.FEEDER_LEADS);
  const orgs = sized(100, 5, process.env.FEEDER_ORGS);
  const owner = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 6 });
  try {
    const { rows: orgRows } = await owner.query<{ id: string }>(
      `insert into app_public.organizations (name, timezone)
       select 'Feeder ' || g, (array['America/New_York', 'America/Los_Angeles', 'Europe/Berlin', 'Australia/Sydney'])[1 + g % 4]
         from generate_series(1, $1) g returning id`, [orgs]);
    const ids = orgRows.map((r) => r.id);
    let t = performance.now();
    await owner.query(
      `insert into app_public.leads (org_id, mak, first_name, email, lead_score, campaign_status, email_verified, phone_verified,
                                     consent_given, consented_at)
       select ($2::uuid[])[1 + i % $3], 'FM-' || i, 'Lead ' || i, 'lead' || i || '@feeder.bench', ((i::bigint * 7919) % 101)::smallint,
              case when i % 10 < 8 then 'queued' else 'new' end::app_public.lead_campaign_status,
              i % 3 <> 0, i % 5 = 0, i % 17 <> 0, case when i % 17 <> 0 then now() end
         from generate_series(1, $1) i`, [total, ids, orgs]);
    await owner.query(
      `insert into app_public.suppressions (org_id, email, reason)
       select org_id, email, 'unsubscribed' from app_public.leads where mak like 'FM-%' and (substr(mak, 4))::int % 23 = 0`);
    await owner.query('analyze app_public.leads');
    ctx.log(`seeded ${total} leads in ${orgs} orgs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await owner.query('select app_private.refresh_contactable_leads()');

    // The orgs under test (ours, the baseline and a warm-up) live in New York: 06:00 local on a weekday.
    await owner.query("update app_public.organizations set timezone = 'America/New_York' where id = any($1::uuid[])", [ids.slice(0, 3)]);
    const pick = ids.slice(0, 2).map((id) => ({ id }));
    const [orgA, orgB] = pick;
    const at = '2026-03-09 10:00:00Z'; // Monday 06:00 EDT

    // Baseline: naive feed for org B (scan + sort, then one UPDATE per lead).
    const naive = await owner.connect();
    t = performance.now();
    await naive.query('begin');
    await naive.query('set local enable_indexscan = off');
    await naive.query('set local enable_bitmapscan = off');
    const { rows: naiveRows } = await naive.query<{ id: string }>(
      `select l.id from app_public.leads l
        where l.org_id = $1 and l.campaign_status = 'queued' and (l.email_verified or l.phone_verified) and l.consent_given
          and l.email not in (select s.email from app_public.suppressions s where s.org_id = $1)
        order by l.lead_score desc limit 250`, [orgB.id]);
    await naive.query('set local enable_indexscan = on');
    await naive.query('set local enable_bitmapscan = on');
    for (const r of naiveRows) {
      // By the whole key (org_id, id): since the Citus-ready keys, id alone is not indexed.
      await naive.query("update app_public.leads set campaign_status = 'active' where org_id = $1 and id = $2", [orgB.id, r.id]);
    }
    await naive.query('commit');
    const baselineMs = performance.now() - t;
    naive.release();

    // Ours, with a concurrent refresh of the contactable set, on a connection warmed up by
    // feeding a third org (as the worker's long-lived connections are): the first call in a
    // fresh backend also compiles the functions and loads the catalog.
    const feeder = await owner.connect();
    await feeder.query('select app_private.feed_leads($1, $2)', [ids[2], at]);
    const refresh = (async () => {
      const s = performance.now();
      await owner.query('select app_private.refresh_contactable_leads()');
      return performance.now() - s;
    })();
    await new Promise((r) => setTimeout(r, 20));
    t = performance.now();
    const { rows: fed } = await feeder.query<{ r: { fed: number; status: string } }>('select app_private.feed_leads($1, $2) as r', [orgA.id, at]);
    const feedMs = performance.now() - t;
    feeder.release();
    const refreshMs = await refresh;

    // Exactly once: a second run for the same local date feeds nothing.
    const { rows: again } = await owner.query<{ r: { fed?: number; status: string } }>('select app_private.feed_leads($1, $2) as r', [orgA.id, '2026-03-09 14:00:00Z']);
    const { rows: check } = await owner.query<{ bad: string }>(
      `select count(*) as bad from app_public.leads l
        where l.org_id = $1 and l.campaign_status = 'active'
          and (not l.consent_given or exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email))`, [orgA.id]);
    const lost = Math.abs((fed[0].r.fed ?? 0) - 250) + (again[0].r.fed ?? 0) + Number(check[0].bad);

    // The refresh alone (no concurrent feed).
    t = performance.now();
    await owner.query('select app_private.refresh_contactable_leads()');
    const refreshAloneMs = performance.now() - t;

    return {
      leads: total,
      orgs,
      feed_ms: Number(feedMs.toFixed(1)),
      refresh_ms: Math.round(refreshMs),
      refresh_alone_ms: Math.round(refreshAloneMs),
      naive_feed_ms: Number(baselineMs.toFixed(1)),
      ratio: Number((baselineMs / feedMs).toFixed(2)),
      lost,
    };
  } finally {
    await owner.end();
  }
}
