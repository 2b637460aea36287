import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgWithSource } from '../../bench/lib/outreach-data.ts';
import type { LocalCluster } from '../../scripts/lib/cluster.ts';
import { createTestCluster } from '../../scripts/lib/test-cluster.ts';

/**
 * Metrics under real concurrency (issue 23): several runners process the shards of one org
 * at once — two of them on the same shard at any moment, all of them bumping the same hot
 * campaign's counters — and the counters still come out exact, with no deadlock, no lost
 * and no double-counted event. Its own cluster: no worker may help out.
 */
let cluster: LocalCluster;
let owner: pg.Pool;
let env: Record<string, string>;

beforeAll(async () => {
  const made = await createTestCluster();
  cluster = made.cluster;
  env = made.env;
  owner = new pg.Pool({ connectionString: made.config.ownerUrl, max: 12 });
}, 120_000);

afterAll(async () => {
  await owner?.end();
  cluster?.destroy();
});

const TYPES = ['email.sent', 'email.opened', 'email.clicked', 'email.replied'];
const METRIC: Record<string, string> = { 'email.sent': 'sent', 'email.opened': 'opened', 'email.clicked': 'clicked', 'email.replied': 'replied' };

describe('parallel shard runners', () => {
  it('count every event exactly once while six runners share eight shards and one hot campaign', async () => {
    const { orgId, sourceId } = await orgWithSource(owner, env.ENCRYPTION_KEY);
    const total = 6_000;
    // 90 % on one hot campaign, the rest over 5 cold ones; the cold ones are first seen
    // without a name (placeholder) and named by later events (the rename path).
    await owner.query(
      `select count(*) from generate_series(1, $2::int) g,
         lateral app_private.ingest_webhook_event($1, 'standard', 'evt-' || g, 'lead' || (g % 700) || '@x.test',
           (array['email.sent','email.opened','email.clicked','email.replied'])[g % 4 + 1], now() - make_interval(mins => g % 180),
           jsonb_build_object('type', (array['email.sent','email.opened','email.clicked','email.replied'])[g % 4 + 1],
             'data', jsonb_build_object(
               'campaign_id', case when g % 10 = 0 then 'cold-' || ((g / 10) % 5) else 'hot' end,
               'campaign_name', case when g % 10 = 0 and g < 2000 then null when g % 10 = 0 then 'Cold ' || ((g / 10) % 5) else 'Hot' end,
               'email', 'lead' || (g % 700) || '@x.test')))`,
      [sourceId, total],
    );
    const expected = new Map<string, number>();
    for (let g = 1; g <= total; g++) {
      const key = `${g % 10 === 0 ? `cold-${Math.floor(g / 10) % 5}` : 'hot'}:${METRIC[TYPES[g % 4]]}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }

    // Six runners, each walking the shards in its own order with small batches until none
    // is left: at any moment two runners may be on the same shard (the advisory lock and
    // SKIP LOCKED must keep them apart) and all of them update the hot counter rows.
    const runners = Array.from({ length: 6 }, async (_, r) => {
      const client = await owner.connect();
      try {
        let processed = 0;
        for (;;) {
          let round = 0;
          for (let i = 0; i < 8; i++) {
            const shard = (i * (r % 2 === 0 ? 3 : 5) + r) % 8;
            const { rows: [row] } = await client.query<{ n: number }>(
              'select app_private.process_outreach_events($1, $2::smallint, $3) as n', [orgId, shard, 150 + 50 * r]);
            round += row.n;
          }
          processed += round;
          if (round === 0) return processed;
        }
      } finally {
        client.release();
      }
    });
    const processed = (await Promise.all(runners)).reduce((a, b) => a + b, 0);
    expect(processed).toBe(total);

    const { rows } = await owner.query<{ external_id: string; name: string; sent: number; opened: number; clicked: number; replied: number }>(
      `select c.external_id, c.name, k.sent::int, k.opened::int, k.clicked::int, k.replied::int
         from app_public.campaign_counters k join app_public.campaigns c on c.id = k.campaign_id where k.org_id = $1`, [orgId]);
    const actual = new Map<string, number>();
    for (const row of rows) for (const m of ['sent', 'opened', 'clicked', 'replied'] as const) actual.set(`${row.external_id}:${m}`, row[m]);
    for (const [key, n] of expected) expect(actual.get(key), key).toBe(n);
    expect(rows.map((row) => row.name).sort()).toEqual(['Cold 0', 'Cold 1', 'Cold 2', 'Cold 3', 'Cold 4', 'Hot']);

    const { rows: [check] } = await owner.query(
      `select (select count(*)::int from app_public.email_events where org_id = $1) as email_events,
              (select count(*)::int from app_public.webhook_events where org_id = $1 and status = 'processed') as processed,
              (select coalesce(sum(sent + opened + clicked + replied), 0)::int from app_public.campaign_hourly_metrics where org_id = $1) as hourly,
              (select coalesce(sum(sent + opened + clicked + replied), 0)::int from app_public.campaign_counters where org_id = $1) as counted`,
      [orgId],
    );
    expect(check).toEqual({ email_events: total, processed: total, hourly: total, counted: total });
  }, 180_000);
});
