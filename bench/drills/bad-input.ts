import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { BenchContext, BenchResult } from '../../scripts/bench.ts';
import { orgWithSource } from '../lib/outreach-data.ts';
import { sized } from '../lib/stats.ts';

/**
 * bad-input: thousands of malformed, oversized, wrongly signed and injection-laden requests
 * across every public gateway endpoint. Only 4xx may come back, no row may appear anywhere,
 * and the gateway's memory must stay flat.
 */
const NASTY = [
  "'; drop table app_public.organizations; --", '" or 1=1 --', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
  'a\u0000b', '\u0000', '9'.repeat(400), '-1e400', '💥'.repeat(1000), '../../etc/passwd', '%00%27', '${jndi:ldap://x}',
];

function deepJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function bodies(i: number): string {
  const pick = NASTY[i % NASTY.length];
  const variants = [
    () => pick,
    () => '{"email": ',
    () => JSON.stringify({ email: pick, password: pick }),
    () => deepJson(2000 + (i % 5) * 1000),
    () => `{"n": ${'9'.repeat(500)}}`,
    () => JSON.stringify({ event_type: pick, campaign_id: 1e308 * 10, to_email: pick, event_timestamp: pick, campaign_name: pick }),
    () => JSON.stringify({ type: 'email.sent', data: { email: `x${pick}@x`, campaign_id: pick } }),
    () => 'x'.repeat(300 * 1024),
    () => '',
  ];
  return variants[i % variants.length]();
}

/** Telemetry that refused requests are meant to leave behind (they feed metrics and alerts). */
const TELEMETRY = ['signature_failures', 'source_signature_failures', 'login_attempts', 'account_lockouts', 'auth_events', 'operational_events', 'request_counters'];

/** Rows in every table of ours except telemetry. */
async function rowCounts(db: pg.Pool): Promise<number> {
  const { rows } = await db.query(`
    select sum((xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint)::bigint as n
      from information_schema.tables
     where table_schema in ('app_public', 'app_private') and table_type = 'BASE TABLE'
       and table_name <> all($1::text[])`, [TELEMETRY]);
  return Number(rows[0].n);
}

async function telemetryRows(db: pg.Pool): Promise<number> {
  const { rows } = await db.query(`
    select coalesce(sum((xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint), 0)::bigint as n
      from information_schema.tables
     where table_schema in ('app_public', 'app_private') and table_type = 'BASE TABLE' and table_name = any($1::text[])`, [TELEMETRY]);
  return Number(rows[0].n);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

export default async function drill(ctx: BenchContext): Promise<BenchResult> {
  const total = sized(5_000, 400);
  const stack = await ctx.startStack({ WEBHOOK_RATE_PER_IP_PER_MINUTE: '100000000' });
  const db = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 2 });
  try {
    const sources = await Promise.all(
      (['smartlead', 'replyio', 'standard', 'vapi', 'csv'] as const).map((p) => orgWithSource(db, ctx.env.ENCRYPTION_KEY, p).then((s) => ({ ...s, provider: p }))),
    );
    const before = await rowCounts(db);
    const telemetryBefore = await telemetryRows(db);
    const gatewayPid = stack.services.find((s) => s.name === 'gateway')!.child.pid!;
    const rssBefore = rssMb(gatewayPid);

    const contentTypes = ['application/json', 'text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', ''];
    const requestFor = (i: number): { method: string; path: string; headers: Record<string, string>; body?: string } => {
      const src = sources[i % sources.length];
      const body = bodies(i);
      const contentType = contentTypes[i % contentTypes.length];
      // Some are signed correctly (so parsing and validation run), most are not.
      const signature = i % 4 === 0 ? createHmac('sha256', src.secret).update(body).digest('hex') : 'deadbeef'.repeat(8);
      const headers: Record<string, string> = {
        ...(contentType ? { 'content-type': contentType } : {}),
        'x-smartlead-signature': signature, 'x-signature': signature,
        'x-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-id': `msg_${i}`,
        'webhook-timestamp': i % 3 === 0 ? 'yesterday' : String(Math.floor(Date.now() / 1000)),
        'webhook-signature': `v1,${Buffer.from(signature).toString('base64')}`,
        'x-signature-timestamp': new Date().toISOString(), 'x-content-sha256': '0'.repeat(64),
      };
      const token = encodeURIComponent(NASTY[i % NASTY.length]);
      const endpoints = [
        { method: 'POST', path: `/webhooks/${src.provider}/${src.sourceId}` },
        // The secret-in-URL form (Reply.io's only one): right every fourth time, like the signatures.
        { method: 'POST', path: `/webhooks/${src.provider}/${src.sourceId}/${i % 4 === 0 ? encodeURIComponent(src.secret) : token}` },
        { method: 'POST', path: `/webhooks/${src.provider}/${randomUUID()}` },
        { method: 'POST', path: `/webhooks/${src.provider}/${token}` },
        { method: 'POST', path: `/webhooks/${token}/${src.sourceId}` },
        { method: 'POST', path: '/auth/login' },
        { method: 'POST', path: '/auth/refresh' },
        { method: 'POST', path: '/auth/logout' },
        { method: 'POST', path: '/auth/mfa/verify' },
        { method: 'POST', path: `/uploads/leads/${src.sourceId}` },
        { method: 'GET', path: `/unsubscribe/${token}` },
        { method: 'POST', path: `/unsubscribe/${token}` },
        { method: 'GET', path: `/consent/${token}` },
        { method: 'POST', path: `/consent/${token}` },
      ];
      const endpoint = endpoints[Math.floor(i / sources.length) % endpoints.length];
      return { ...endpoint, headers, body: endpoint.method === 'GET' ? undefined : body };
    };

    const statuses: Record<number, number> = {};
    const serverErrors: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < total) {
        const r = requestFor(next++);
        const res = await fetch(stack.gatewayUrl + r.path, { method: r.method, headers: r.headers, body: r.body });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status >= 500 && serverErrors.length < 5) serverErrors.push(`${r.method} ${r.path.slice(0, 60)} → ${res.status} ${text.slice(0, 120)}`);
        if (res.status < 400 && serverErrors.length < 5) serverErrors.push(`${r.method} ${r.path.slice(0, 60)} → ${res.status} (not refused)`);
      }
    }));

    const after = await rowCounts(db);
    const rssAfter = rssMb(gatewayPid);
    const fiveHundreds = Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
    const accepted = Object.entries(statuses).filter(([s]) => Number(s) < 400).reduce((n, [, c]) => n + c, 0);
    if (fiveHundreds || accepted) throw new Error(`not every request was refused with a 4xx: ${JSON.stringify(statuses)}\n${serverErrors.join('\n')}`);
    if (rssAfter - rssBefore > 150) throw new Error(`gateway memory grew from ${rssBefore} MB to ${rssAfter} MB`);
    return {
      requests: total,
      statuses: Object.entries(statuses).map(([s, c]) => `${s}x${c}`).join(','),
      server_errors: fiveHundreds,
      rss_before_mb: rssBefore,
      rss_after_mb: rssAfter,
      rows_created: after - before,
      telemetry_rows: (await telemetryRows(db)) - telemetryBefore,
      lost: after - before,
    };
  } finally {
    await db.end();
  }
}
