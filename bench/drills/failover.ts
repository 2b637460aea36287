import type pg from 'pg';
import type { BenchContext, BenchResult } from '../../scripts/bench.ts';
import { createPool } from '../../lib/multihost.ts';
import { waitFor } from '../../lib/ports.ts';
import { type Provider, outreachDelivery, retryingSenders, webhookUrl } from '../lib/senders.ts';
import { sized } from '../lib/stats.ts';

/** This drill runs on a pg_auto_failover formation (monitor and two synchronous nodes), not one cluster. */
export const topology = 'ha';

const PROVIDERS: Provider[] = ['smartlead', 'replyio', 'standard'];

/** A query retried while the formation has no primary yet (or a connection broke in the switch). */
async function settled<T>(run: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if ((error as { code?: string }).code !== '57P03' || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * failover: the HA formation and the full stack (gateway, PostgREST and worker on multi-host
 * URIs); signed webhooks from three providers sent by 32 senders that retry 429/503 as real
 * senders do; part way through, kill -9 of the primary's postmaster. pg_auto_failover promotes
 * the synchronous standby; nothing is restarted by hand.
 *
 *   recovery_s     from the kill to the first 2xx of a request sent after it (committed on the new primary)
 *   acknowledged   deliveries answered 2xx
 *   stored         of those, the events found on the new primary afterwards
 *   lost           acknowledged but not stored: must be 0
 *   counters_exact the campaign counters equal the stored events once the worker has drained
 *   rejoined       the old primary is a secondary again (pg_autoctl show state)
 */
export default async function drill(ctx: BenchContext): Promise<BenchResult> {
  const formation = ctx.formation!;
  const total = sized(8_000, 600, process.env.DRILL_FAILOVER_EVENTS);
  const stack = await ctx.startStack({
    WEBHOOK_RATE_PER_SOURCE_PER_MINUTE: '100000000',
    WEBHOOK_RATE_PER_IP_PER_MINUTE: '100000000',
    REST_READ_REPLICA: '0',
  });
  const db: pg.Pool = createPool(ctx.config.ownerUrl, { max: 3 });
  db.on('error', () => {});
  try {
    const email = `failover-${Date.now()}@example.test`;
    const { rows: [org] } = await db.query("select org_id from app_private.create_organization('Failover drill', $1, 'drill password', 'UTC')", [email]);
    const sources: Record<Provider, { id: string; secret: string }> = {} as never;
    for (const provider of PROVIDERS) {
      const { rows: [src] } = await db.query('select source_id, secret from app_private.create_source($1, $2, $3, $4)', [org.org_id, provider, `drill ${provider}`, ctx.env.ENCRYPTION_KEY]);
      sources[provider] = { id: src.source_id, secret: src.secret };
    }

    let unavailable = 0;
    let killedAt = 0;
    let oldPrimary = '';
    const outcomes = await retryingSenders(
      (i) => {
        const provider = PROVIDERS[i % PROVIDERS.length];
        const { id, secret } = sources[provider];
        return { url: webhookUrl(stack.gatewayUrl, provider, id, secret), ...outreachDelivery(provider, secret, i) };
      },
      total,
      32,
      {
        during: () => {
          const killed = formation.killPrimaryPostmaster();
          killedAt = performance.now();
          oldPrimary = killed.name;
          ctx.log(`kill -9 of ${killed.name}'s postmaster (port ${killed.port})`);
        },
        onEach: (status) => {
          if (status === 503) unavailable++;
        },
      },
    );

    const acked = outcomes.filter((o) => o.status >= 200 && o.status < 300);
    const afterKill = acked.filter((o) => o.sentAt! > killedAt).map((o) => o.ackAt! - killedAt);
    const recovery = afterKill.length ? Math.min(...afterKill) / 1000 : NaN;
    const ids = [...new Set(acked.map((o) => o.eventId!))];
    const { rows: [stored] } = await settled(() => db.query('select count(*)::int as n from app_public.webhook_events where org_id = $1 and id = any($2::uuid[])', [org.org_id, ids]));
    ctx.log(`acknowledged ${acked.length} (${ids.length} events), stored ${stored.n}, 503s ${unavailable}, not acknowledged ${total - acked.length}`);
    const refused = new Map<string, number>();
    outcomes.forEach((o, i) => {
      if (o.status >= 200 && o.status < 300) return;
      const key = `${PROVIDERS[i % PROVIDERS.length]} ${o.status}`;
      refused.set(key, (refused.get(key) ?? 0) + 1);
    });
    if (refused.size) ctx.log(`not acknowledged, by provider and last status: ${[...refused].map(([k, n]) => `${k}×${n}`).join(', ')}`);
    if (stored.n < ids.length) {
      const { rows: found } = await settled(() => db.query<{ id: string }>('select id from app_public.webhook_events where org_id = $1 and id = any($2::uuid[])', [org.org_id, ids]));
      const have = new Set(found.map((r) => r.id));
      for (const o of acked.filter((x) => !have.has(x.eventId!))) {
        ctx.log(`acknowledged but not stored: ${o.eventId} status ${o.status} after ${o.attempts} attempts, sent ${((o.sentAt! - killedAt) / 1000).toFixed(2)} s and answered ${((o.ackAt! - killedAt) / 1000).toFixed(2)} s after the kill`);
      }
    }

    // The worker drains on the new primary; jobs that failed during the switch are retried.
    const remaining = async () =>
      Number((await db.query("select count(*)::int as n from app_public.webhook_events where org_id = $1 and status <> 'processed'", [org.org_id])).rows[0].n);
    await waitFor(async () => (await remaining().catch(() => 1)) === 0, 'the worker to process every stored event', 300_000).catch(() => {});
    const { rows: [counts] } = await settled(() => db.query(
      `select (select count(*)::int from app_public.webhook_events where org_id = $1) as events,
              (select count(*)::int from app_public.webhook_events where org_id = $1 and status = 'processed') as processed,
              (select coalesce(sum(sent), 0)::int from app_public.campaign_counters where org_id = $1) as sent,
              (select count(*)::int from app_public.email_events where org_id = $1) as email_events`,
      [org.org_id],
    ));
    ctx.log(`events ${counts.events}, processed ${counts.processed}, counted sent ${counts.sent}, email_events ${counts.email_events}`);
    const countersExact = counts.processed === counts.events && counts.sent === counts.events && counts.email_events === counts.events;

    // pg_autoctl restarts the killed postmaster; the monitor makes it follow the new primary.
    const rejoined = await waitFor(async () => {
      const states = formation.states();
      return formation.healthy() && states.find((s) => s.name === oldPrimary)?.reported === 'secondary';
    }, 'the old primary to rejoin as a standby', 180_000).then(() => true, () => false);
    ctx.log(`\n${formation.showState().trimEnd()}`);

    return {
      events: total,
      acknowledged: acked.length,
      stored: stored.n,
      unavailable_503: unavailable,
      recovery_s: Number(recovery.toFixed(2)),
      counters_exact: String(countersExact),
      rejoined: String(rejoined),
      lost: ids.length - stored.n,
    };
  } finally {
    await db.end();
  }
}
