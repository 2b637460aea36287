import pg from 'pg';
import type { BenchContext, BenchResult } from '../../scripts/bench.ts';
import { orgWithSource } from '../lib/outreach-data.ts';
import { burst, smartleadDelivery, tally } from '../lib/senders.ts';
import { sized } from '../lib/stats.ts';

/**
 * gateway-restart: SIGTERM the gateway during an ingest burst. Each request gets a 2xx
 * (and its event is stored), a 503, or no answer at all (the process is gone) — never a
 * 2xx for something that was not stored.
 */
export default async function drill(ctx: BenchContext): Promise<BenchResult> {
  const total = sized(3_000, 300);
  const stack = await ctx.startStack({ WEBHOOK_RATE_PER_SOURCE_PER_MINUTE: '100000000', WEBHOOK_RATE_PER_IP_PER_MINUTE: '100000000' });
  const db = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 2 });
  try {
    const { sourceId, secret } = await orgWithSource(db, ctx.env.ENCRYPTION_KEY, 'smartlead');
    const gateway = stack.services.find((s) => s.name === 'gateway')!;
    const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
    const deliveries = Array.from({ length: total }, (_, i) => smartleadDelivery(secret, i));
    const outcomes = await burst(`${stack.gatewayUrl}/webhooks/smartlead/${sourceId}`, deliveries, 32, () => {
      ctx.log('SIGTERM to the gateway …');
      gateway.child.kill('SIGTERM');
    });
    await exited;
    const acknowledged = outcomes.filter((o) => o.status === 200 || o.status === 202).map((o) => o.eventId!);
    const { rows: [stored] } = await db.query('select count(*)::int as n from app_public.webhook_events where id = any($1::uuid[])', [acknowledged]);
    const statuses = tally(outcomes);
    const unexpected = outcomes.filter((o) => ![0, 202, 503].includes(o.status)).length;
    if (unexpected > 0) throw new Error(`unexpected statuses during shutdown: ${JSON.stringify(statuses)}`);
    return {
      requests: total,
      accepted: statuses[202] ?? 0,
      unavailable_503: statuses[503] ?? 0,
      no_answer: statuses[0] ?? 0,
      lost: acknowledged.length - stored.n,
    };
  } finally {
    await db.end();
  }
}
