import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../scripts/lib/cluster.ts';
import { createTestCluster } from '../../scripts/lib/test-cluster.ts';

/**
 * email_events' references to organizations, campaigns and contacts are checked once per
 * statement (db/functions/outreach/event_references.sql) instead of by per-row foreign keys
 * (issue 23). Under real concurrency they must hold as the foreign keys did: an insert and a
 * delete of the campaign it names never leave an event pointing at nothing, whichever comes
 * first. (The single-session rules are in db/tests/99-email-event-references.test.sql.)
 */
let cluster: LocalCluster;
let owner: pg.Pool;

beforeAll(async () => {
  const made = await createTestCluster();
  cluster = made.cluster;
  owner = new pg.Pool({ connectionString: made.config.ownerUrl, max: 12 });
}, 120_000);

afterAll(async () => {
  await owner?.end();
  cluster?.destroy();
});

async function orgWithCampaign(name: string): Promise<{ org: string; campaign: string }> {
  const { rows: [o] } = await owner.query<{ id: string }>(`insert into app_public.organizations (name, timezone) values ($1, 'UTC') returning id`, [name]);
  const { rows: [c] } = await owner.query<{ id: string }>(
    `insert into app_public.campaigns (org_id, name, provider, external_id) values ($1, 'C', 'smartlead', $2) returning id`, [o.id, name]);
  return { org: o.id, campaign: c.id };
}

const insertEvents = (client: pg.PoolClient, org: string, campaign: string, n = 50) =>
  client.query(`insert into app_public.email_events (org_id, webhook_event_id, campaign_id, kind, occurred_at)
                select $1, gen_random_uuid(), $2, 'sent', now() from generate_series(1, $3::int)`, [org, campaign, n]);

const orphans = async () => (await owner.query<{ n: number }>(
  `select count(*)::int as n from app_public.email_events e
    where not exists (select 1 from app_public.campaigns c where c.org_id = e.org_id and c.id = e.campaign_id)
      and e.campaign_id is not null`)).rows[0].n;

/** Whether the promise is still pending after ms (a statement waiting for a lock). */
const stillWaiting = (p: Promise<unknown>, ms = 400) =>
  Promise.race([p.then(() => false, () => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);

describe('email_events references under concurrency', () => {
  it('a campaign delete waits for an open insert of its events, then deletes them', async () => {
    const { org, campaign } = await orgWithCampaign('refs-insert-first');
    const inserter = await owner.connect();
    const deleter = await owner.connect();
    try {
      await inserter.query('begin');
      await insertEvents(inserter, org, campaign);
      const deleting = deleter.query('delete from app_public.campaigns where id = $1', [campaign]);
      expect(await stillWaiting(deleting)).toBe(true);
      await inserter.query('commit');
      await deleting;
      const { rows: [left] } = await owner.query<{ n: number }>('select count(*)::int as n from app_public.email_events where org_id = $1', [org]);
      expect(left.n).toBe(0);
    } finally {
      inserter.release();
      deleter.release();
    }
  });

  it('an insert naming a campaign being deleted waits, then is refused with 23503', async () => {
    const { org, campaign } = await orgWithCampaign('refs-delete-first');
    const inserter = await owner.connect();
    const deleter = await owner.connect();
    try {
      await deleter.query('begin');
      await deleter.query('delete from app_public.campaigns where id = $1', [campaign]);
      const inserting = insertEvents(inserter, org, campaign);
      inserting.catch(() => {});
      expect(await stillWaiting(inserting)).toBe(true);
      await deleter.query('commit');
      await expect(inserting).rejects.toMatchObject({ code: '23503', constraint: 'email_events_campaign_id_fkey' });
    } finally {
      inserter.release();
      deleter.release();
    }
  });

  it('eight writers and a deleter racing over twenty campaigns leave no event without its campaign', async () => {
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => orgWithCampaign(`refs-race-${i}`)));
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const client = await owner.connect();
      try {
        for (let round = 0; round < 10; round++) {
          const { org, campaign } = made[(w * 7 + round * 3) % made.length];
          await insertEvents(client, org, campaign, 20).catch((error: { code?: string }) => {
            if (error.code !== '23503') throw error;
          });
        }
      } finally {
        client.release();
      }
    });
    const deleter = (async () => {
      for (const { campaign } of made) {
        await owner.query('delete from app_public.campaigns where id = $1', [campaign]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await Promise.all([...writers, deleter]);
    expect(await orphans()).toBe(0);
  });
});
