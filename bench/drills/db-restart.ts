import pg from 'pg';
import type { BenchContext, BenchResult } from '../../scripts/bench.ts';
import { orgWithSource } from '../lib/outreach-data.ts';
import { burst, smartleadDelivery, tally } from '../lib/senders.ts';
import { sized } from '../lib/stats.ts';

/**
 * db-restart: restart PostgreSQL in the middle of an ingest burst. Every 2xx must name a
 * stored event; whatever was not stored got a 503 (or no answer), never a 2xx; and the
 * same gateway accepts events again once the database is back.
 */
export default async function drill(ctx: BenchContext): Promise<BenchResult> {
  const total = sized(6_000, 300);
  const stack = await ctx.startStack({ WEBHOOK_RATE_PER_SOURCE_PER_MINUTE: '100000000', WEBHOOK_RATE_PER_IP_PER_MINUTE: '100000000' });
  const owner = () => new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 2 });
  let db = owner();
  const { sourceId, secret } = await orgWithSource(db, ctx.env.ENCRYPTION_KEY, 'smartlead');
  await db.end();
  const url = `${stack.gatewayUrl}/webhooks/smartlead/${sourceId}`;

  const deliveries = Array.from({ length: total }, (_, i) => smartleadDelivery(secret, i));
  const outcomes = await burst(url, deliveries, 32, async () => {
    ctx.log('restarting PostgreSQL …');
    await ctx.cluster.restart();
    ctx.log('PostgreSQL is back');
  });

  // The gateway recovers on its own: fresh events are accepted again.
  const after = await burst(url, Array.from({ length: 50 }, (_, i) => smartleadDelivery(secret, total + i)), 8, () => {});
  db = owner();
  try {
    const acknowledged = [...outcomes, ...after].filter((o) => o.status === 200 || o.status === 202).map((o) => o.eventId!);
    const { rows: [stored] } = await db.query('select count(*)::int as n from app_public.webhook_events where id = any($1::uuid[])', [acknowledged]);
    const statuses = tally(outcomes);
    const unexpected = outcomes.filter((o) => ![0, 202, 503].includes(o.status)).length;
    const recovered = after.filter((o) => o.status === 202).length;
    if (unexpected > 0) throw new Error(`unexpected statuses during the restart: ${JSON.stringify(statuses)}`);
    if (recovered !== after.length) throw new Error(`the gateway did not recover: ${JSON.stringify(tally(after))}`);
    return {
      requests: total,
      accepted: statuses[202] ?? 0,
      unavailable_503: statuses[503] ?? 0,
      no_answer: statuses[0] ?? 0,
      recovered_after: recovered,
      lost: acknowledged.length - stored.n,
    };
  } finally {
    await db.end();
  }
}
