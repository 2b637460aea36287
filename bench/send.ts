import pg from 'pg';
import { Logger, run, type Runner } from 'graphile-worker';
import nodemailer from 'nodemailer';
import type { BenchContext, BenchResult } from '../scripts/bench.ts';
import { closeTransports, makeSendEmails } from '../tasks/send_emails.ts';
import { startSmtpSink } from './lib/smtp-sink.ts';

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * send: the email queue's throughput — emails claimed (skip-locked, cap slot reserved in SQL,
 * suppression checked), rendered, handed to a local SMTP sink (npm smtp-server) and recorded,
 * per second, from 4 graphile-worker runners. 4 accounts whose caps add up to 80% of the
 * queue, so the cap decides where sending stops: exactly that many must be sent, the rest
 * must wait for tomorrow.
 * Baseline in the same run: raw nodemailer → the same sink, the same message count and
 * concurrency, no queue and no database (ratio = ours ÷ raw).
 * lost = emails neither sent nor queued for tomorrow, or sent without reaching the sink;
 * over_cap = sends beyond any account's cap (both must be 0).
 */
export default async function send(ctx: BenchContext): Promise<BenchResult> {
  const smoke = process.env.BENCH_SMOKE === '1';
  const total = Number(process.env.BENCH_EMAILS ?? (smoke ? 400 : 5_000));
  const workers = Number(process.env.BENCH_SEND_WORKERS ?? 4);
  const accounts = 4;
  const cap = Math.floor((total * 0.8) / accounts);
  const expected = cap * accounts;

  const sink = await startSmtpSink({ users: { bench: 'bench-pass' }, keep: false });
  const owner = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 4 });
  const runners: { runner: Runner; pool: pg.Pool }[] = [];
  try {
    const { rows: [org] } = await owner.query("select org_id from app_private.create_organization('Send bench', 'send-bench@example.test', 'bench password', 'UTC')");
    for (let i = 0; i < accounts; i++) {
      await owner.query(
        `select app_private.create_sending_account($1, null, $2, 'Bench', '127.0.0.1', $3, false, 'bench', 'bench-pass', $4, $5)`,
        [org.org_id, `bench${i}@send-bench.test`, sink.port, cap, ctx.config.encryptionKey]);
    }
    await owner.query(`update app_public.sending_accounts set window_days = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '24:00',
                         min_gap_seconds = 0, jitter_seconds = 0 where org_id = $1`, [org.org_id]);
    const { rows: [c] } = await owner.query(`insert into app_public.campaigns (org_id, name, track_opens, track_clicks) values ($1, 'Bench', true, true) returning id`, [org.org_id]);
    await owner.query(
      `insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template)
       values ($1, $2, 1, 'Quick question, {{first_name}}', '<p>Hi {{first_name}},</p><p>Is {{company}} the right team? <a href="https://example.com/x">More</a></p>')`,
      [org.org_id, c.id]);
    await owner.query(
      `insert into app_public.contacts (org_id, email, first_name, company)
       select $1, 'r' || g || '@rcpt.bench', 'Name' || g, 'Company ' || g from generate_series(1, $2) g`, [org.org_id, total]);
    // Enrolled in chunks of 1,000 (the RPC bound); no job is left for a stack worker (none runs).
    await owner.query(
      `select app_private.enroll($1, $2, array(select id from app_public.contacts where org_id = $1 order by email offset o limit 1000))
         from generate_series(0, $3, 1000) o`, [org.org_id, c.id, total - 1]);
    await owner.query("delete from graphile_worker._private_jobs");

    // Ours: 4 runners, each its own pool, one send_emails job each.
    const task = makeSendEmails({ publicUrl: 'https://switchboard.bench', encryptionKey: ctx.config.encryptionKey, batchSize: 5, orgId: org.org_id });
    for (let i = 0; i < workers; i++) {
      const pool = new pg.Pool({ connectionString: ctx.config.workerUrl, max: 4 });
      pool.on('error', () => {});
      const runner = await run({ pgPool: pool, concurrency: 1, pollInterval: 20, noHandleSignals: true, taskList: { send_emails: task },
        logger: new Logger(() => (level, message) => level === 'error' && ctx.log(message)) });
      runners.push({ runner, pool });
    }
    const t0 = performance.now();
    await owner.query("select graphile_worker.add_job('send_emails', '{}'::json, max_attempts := 1) from generate_series(1, $1)", [workers]);
    const deadline = Date.now() + 600_000;
    for (;;) {
      const { rows: [s] } = await owner.query<{ settled: boolean }>(
        `select not exists (select 1 from app_public.emails where org_id = $1 and (status = 'sending' or (status = 'queued' and scheduled_at <= now())))
                and not exists (select 1 from graphile_worker._private_jobs) as settled`, [org.org_id]);
      if (s.settled || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const oursSeconds = (performance.now() - t0) / 1000;
    for (const r of runners.splice(0)) {
      await r.runner.stop();
      await r.pool.end();
    }
    closeTransports();
    const sentToSink = sink.count();

    const { rows: [check] } = await owner.query<{ sent: number; tomorrow: number; other: number; over_cap: number; usage_over: number }>(
      `select count(*) filter (where status = 'sent')::int as sent,
              count(*) filter (where status = 'queued' and scheduled_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' + interval '1 day')::int as tomorrow,
              count(*) filter (where status not in ('sent', 'queued') or (status = 'queued' and scheduled_at < date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' + interval '1 day'))::int as other,
              (select coalesce(sum(greatest(n - a.daily_cap, 0)), 0)::int
                 from (select account_id, count(*) as n from app_public.emails where org_id = $1 and status = 'sent' group by 1) x
                 join app_public.sending_accounts a on a.id = x.account_id) as over_cap,
              (select coalesce(sum(greatest(u.sent - a.daily_cap, 0)), 0)::int from app_private.sending_account_usage u
                 join app_public.sending_accounts a on a.id = u.account_id where u.org_id = $1) as usage_over
         from app_public.emails where org_id = $1`, [org.org_id]);

    // Baseline: raw nodemailer to the same sink, same count and concurrency.
    const before = sink.count();
    const t1 = performance.now();
    await Promise.all(Array.from({ length: workers }, async (_v, w) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, auth: { user: 'bench', pass: 'bench-pass' }, pool: true, maxConnections: 2 });
      const mine = Array.from({ length: Math.ceil(expected / workers) }, (_x, i) => i * workers + w).filter((i) => i < expected);
      const inFlight = 5;
      for (let i = 0; i < mine.length; i += inFlight) {
        await Promise.all(mine.slice(i, i + inFlight).map((n) => transport.sendMail({
          from: { name: 'Bench', address: `bench${w}@send-bench.test` }, to: `r${n}@rcpt.bench`, subject: `Quick question, Name${n}`,
          html: `<p>Hi Name${n},</p><p>Is Company ${n} the right team? <a href="https://example.com/x">More</a></p>`,
          text: `Hi Name${n},\n\nIs Company ${n} the right team? More (https://example.com/x)`,
          headers: { 'List-Unsubscribe': '<mailto:bench@send-bench.test?subject=unsubscribe>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        })));
      }
      transport.close();
    }));
    const baseSeconds = (performance.now() - t1) / 1000;
    const baselineSent = sink.count() - before;

    const oursPerS = check.sent / oursSeconds;
    const basePerS = baselineSent / baseSeconds;
    return {
      emails: total,
      workers,
      sent: check.sent,
      queued_for_tomorrow: check.tomorrow,
      sent_per_s: round(oursPerS, 0),
      baseline_per_s: round(basePerS, 0),
      ratio: round(oursPerS / basePerS, 2),
      lost: Math.abs(expected - check.sent) + Math.abs(check.sent - sentToSink) + Math.abs(total - expected - check.tomorrow) + check.other,
      over_cap: check.over_cap + check.usage_over,
    };
  } finally {
    for (const r of runners) {
      await r.runner.stop();
      await r.pool.end();
    }
    closeTransports();
    await owner.end();
    await sink.close();
  }
}
