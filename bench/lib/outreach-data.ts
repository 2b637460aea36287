import type pg from 'pg';

/**
 * Stores `count` email.sent events (one campaign, `k1`) through the gateway's SQL ingest
 * function; `email` is an SQL expression of the series index g.
 */
export async function ingestSentEvents(db: pg.Pool | pg.Client, sourceId: string, count: number, email = "'lead' || g || '@x.test'"): Promise<void> {
  await db.query(
    `select count(*) from generate_series(1, $2::int) g,
       lateral app_private.ingest_webhook_event($1, 'standard', 'evt-' || g, ${email}, 'email.sent', now(),
         jsonb_build_object('type', 'email.sent', 'timestamp', now(), 'data',
           jsonb_build_object('campaign_id', 'k1', 'campaign_name', 'Drill campaign', 'email', ${email})))`,
    [sourceId, count],
  );
}

/** An org with one Standard Webhooks source, made through the operator functions. */
export async function orgWithSource(db: pg.Pool | pg.Client, encryptionKey: string, provider = 'standard'): Promise<{ orgId: string; sourceId: string; secret: string }> {
  const email = `drill-${Math.random().toString(36).slice(2)}@example.test`;
  const { rows: [org] } = await db.query("select org_id from app_private.create_organization('Drill', $1, 'drill password', 'UTC')", [email]);
  const { rows: [src] } = await db.query('select source_id, secret from app_private.create_source($1, $2, $3, $4)', [org.org_id, provider, 'drill', encryptionKey]);
  return { orgId: org.org_id, sourceId: src.source_id, secret: src.secret };
}
