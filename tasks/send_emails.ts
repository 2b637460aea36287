import { createHash } from 'node:crypto';
import type { Task } from 'graphile-worker';
import nodemailer, { type Transporter } from 'nodemailer';
import { clickToken, openToken, unsubscribeToken } from '../lib/signed-tokens.ts';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { addPixel, MissingVariableError, renderEmail, rewriteLinks } from './lib/email-render.ts';

/** One claimed email (app_private.claim_emails): the send is already counted against the cap. */
export interface ClaimedEmail {
  email_id: string;
  org_id: string;
  campaign_id: string;
  account_id: string;
  to_email: string;
  from_email: string;
  from_name: string | null;
  subject_template: string;
  html_template: string;
  text_template: string | null;
  variables: Record<string, unknown>;
  message_id: string;
  in_reply_to: string | null;
  refs: string | null;
  smtp_host: string;
  smtp_port: number;
  smtp_secure: boolean;
  smtp_user: string;
  smtp_password: string;
  track_opens: boolean;
  track_clicks: boolean;
  attempt: number;
}

export type Outcome = 'sent' | 'transient' | 'permanent' | 'auth';

export interface SenderOptions {
  /** The gateway's public base URL: unsubscribe and tracking links point there. */
  publicUrl?: string;
  encryptionKey?: string;
  /** Emails claimed per transaction. */
  batchSize?: number;
  /** A job stops claiming after this long and leaves a follow-up job for the rest. */
  budgetMs?: number;
  /** Only this org's emails (tests, benchmarks). */
  orgId?: string;
}

function defaults(): Required<Omit<SenderOptions, 'orgId'>> {
  loadEnvFile();
  const config = resolveConfig();
  return {
    publicUrl: (process.env.PUBLIC_URL ?? `http://127.0.0.1:${config.gatewayPort}`).replace(/\/+$/, ''),
    encryptionKey: config.encryptionKey,
    batchSize: Number(process.env.SEND_BATCH_SIZE ?? 5),
    budgetMs: Number(process.env.SEND_BUDGET_MS ?? 50_000),
  };
}

/** SMTP errors → what the queue does: auth disables the account, 4xx/network retry, 5xx fail. */
export function classify(err: unknown): Outcome {
  const e = err as { code?: string; responseCode?: number };
  if (e.code === 'EAUTH' || e.responseCode === 535 || e.responseCode === 534 || e.responseCode === 530) return 'auth';
  if (typeof e.responseCode === 'number') return e.responseCode >= 500 ? 'permanent' : 'transient';
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return 'permanent';
  return 'transient';
}

// One pooled SMTP connection set per account (and password), reused across jobs.
const transports = new Map<string, Transporter>();
function transportFor(c: ClaimedEmail): Transporter {
  const key = `${c.account_id}:${createHash('sha256').update(`${c.smtp_host}:${c.smtp_port}:${c.smtp_user}:${c.smtp_password}`).digest('hex')}`;
  let t = transports.get(key);
  if (!t) {
    for (const [k, old] of transports) if (k.startsWith(`${c.account_id}:`)) (old.close(), transports.delete(k));
    t = nodemailer.createTransport({
      host: c.smtp_host,
      port: c.smtp_port,
      secure: c.smtp_secure,
      auth: { user: c.smtp_user, pass: c.smtp_password },
      pool: true,
      maxConnections: Number(process.env.SMTP_MAX_CONNECTIONS ?? 2),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      tls: { rejectUnauthorized: !/^(1|true|yes)$/i.test(process.env.SMTP_ALLOW_INVALID_CERTS ?? '') },
    });
    transports.set(key, t);
  }
  return t;
}
function dropTransport(accountId: string): void {
  for (const [k, t] of transports) if (k.startsWith(`${accountId}:`)) (t.close(), transports.delete(k));
}
export function closeTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

/** The message nodemailer sends: rendered parts, thread headers, RFC 8058 unsubscribe headers. */
export function buildMessage(c: ClaimedEmail, publicUrl: string, encryptionKey: string) {
  const unsubscribeUrl = `${publicUrl}/unsubscribe/${unsubscribeToken(encryptionKey, c.org_id, c.to_email)}`;
  const rendered = renderEmail(
    { subject: c.subject_template, html: c.html_template, text: c.text_template },
    { ...c.variables, unsubscribe_url: unsubscribeUrl },
  );
  let html = rendered.html;
  if (c.track_clicks) {
    html = rewriteLinks(html, (url) =>
      url.startsWith(`${publicUrl}/unsubscribe/`) ? url : `${publicUrl}/t/c/${clickToken(encryptionKey, c.org_id, c.email_id, url)}`);
  }
  if (c.track_opens) html = addPixel(html, `${publicUrl}/t/o/${openToken(encryptionKey, c.org_id, c.email_id)}.gif`);
  const mailto = `mailto:${process.env.UNSUBSCRIBE_MAILTO ?? c.from_email}?subject=unsubscribe`;
  return {
    subject: rendered.subject,
    mail: {
      from: c.from_name ? { name: c.from_name, address: c.from_email } : c.from_email,
      to: c.to_email,
      subject: rendered.subject,
      html,
      text: rendered.text,
      messageId: c.message_id,
      ...(c.in_reply_to ? { inReplyTo: c.in_reply_to } : {}),
      ...(c.refs ? { references: c.refs } : {}),
      headers: {
        'List-Unsubscribe': `<${mailto}>, <${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    },
  };
}

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;

/** Sends one claimed email and reports the outcome (never throws: every email is finished). */
export async function sendClaimed(query: Query, c: ClaimedEmail, publicUrl: string, encryptionKey: string): Promise<Outcome> {
  let outcome: Outcome;
  let error: string | null = null;
  let subject: string | null = null;
  try {
    const built = buildMessage(c, publicUrl, encryptionKey);
    subject = built.subject;
    await transportFor(c).sendMail(built.mail);
    outcome = 'sent';
  } catch (err) {
    if (err instanceof MissingVariableError) {
      outcome = 'permanent';
      error = err.message;
    } else {
      outcome = classify(err);
      const e = err as { responseCode?: number; response?: string; message?: string };
      error = `${e.responseCode ?? ''} ${e.response ?? e.message ?? String(err)}`.trim().slice(0, 500);
      if (outcome !== 'permanent') dropTransport(c.account_id);
    }
  }
  await query('select app_private.finish_email($1, $2, $3, $4)', [c.email_id, outcome, error, subject]);
  return outcome;
}

/**
 * The sender job: claims due emails (skip-locked, cap slots reserved atomically in SQL),
 * sends them with nodemailer and records each outcome; loops until nothing is due or the
 * time budget is spent (then a follow-up job takes over). Any number may run at once.
 */
export function makeSendEmails(options: SenderOptions = {}): Task {
  let resolved: Required<Omit<SenderOptions, 'orgId'>> | undefined;
  return async (payload, helpers) => {
    const orgId = options.orgId ?? (payload as { org_id?: string } | null)?.org_id ?? null;
    resolved ??= {
      ...(options.publicUrl && options.encryptionKey ? { batchSize: 5, budgetMs: 50_000 } : defaults()),
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as Required<Omit<SenderOptions, 'orgId'>>;
    const { publicUrl, encryptionKey, batchSize, budgetMs } = resolved;
    const query: Query = (sql, params) => helpers.query(sql, params as never[]);
    await query('select app_private.requeue_stale_sending()');
    const started = Date.now();
    for (;;) {
      if (Date.now() - started > budgetMs) {
        await helpers.addJob('send_emails', {}, { jobKey: 'send_emails', maxAttempts: 1 });
        return;
      }
      const { rows } = await query('select * from app_private.claim_emails($1, $2, $3)', [batchSize, encryptionKey, orgId]);
      if (!rows.length) {
        // Nothing claimable: done, unless due emails wait only because every account they
        // could use is held by another sender's claim at this moment.
        const { rows: due } = await query('select app_private.emails_due($1) as due', [orgId]);
        if (!(due[0] as { due: boolean }).due) return;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
        continue;
      }
      await Promise.all((rows as ClaimedEmail[]).map((c) => sendClaimed(query, c, publicUrl, encryptionKey)));
    }
  };
}

export const send_emails: Task = makeSendEmails();
