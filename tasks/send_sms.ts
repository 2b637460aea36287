import type { Task } from 'graphile-worker';
import { signToken } from '../lib/signed-tokens.ts';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { httpRequest } from './deliver_webhook.ts';
import { MissingVariableError, renderEmail } from './lib/email-render.ts';

interface Claimed {
  base_url: string | null;
  account_sid: string;
  username: string;
  password: string;
  from_number: string | null;
  messaging_service_sid: string | null;
  status_callback_url: string | null;
  to_number: string;
  body: string;
  kind: string;
  first_name: string | null;
  last_name: string | null;
  starts_at: Date | null;
  timezone: string;
  resource: string | null;
  appointment_id: string | null;
}

let config: ReturnType<typeof resolveConfig> | undefined;
function cfg() {
  if (!config) {
    loadEnvFile();
    config = resolveConfig();
  }
  return config;
}

export const TWILIO_API_URL = 'https://api.twilio.com';

/** "Monday, January 7 at 9:00 AM" on the org's wall clock. */
export function localTime(at: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', month: 'long', day: 'numeric' }).format(at);
  const time = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(at);
  // ICU puts narrow no-break spaces before AM/PM: plain spaces keep the SMS in GSM-7.
  return `${day} at ${time}`.replace(/[\u202f\u00a0]/g, ' ');
}

/** The signed link of a reminder's {{cancel_url}} (gateway: /appointments/cancel/{token}). */
export const appointmentCancelToken = (encryptionKey: string, orgId: string, appointmentId: string) =>
  signToken(encryptionKey, 'appointment-cancel', { o: orgId, a: appointmentId });

/**
 * Sends one SMS through Twilio: POST {base}/2010-04-01/Accounts/{sid}/Messages.json,
 * form-encoded, HTTP basic auth (Account SID or API key SID : auth token or key secret).
 * SQL claims the message first (exactly one worker wins), re-checks quiet hours and
 * opt-outs, and records the sid and status afterwards. Reminders are rendered with the
 * email renderer's rules ({{first_name}}, {{starts_at_local}}, {{resource}}, {{cancel_url}};
 * a missing value fails the message instead of sending a hole).
 */
export const send_sms: Task = async (payload, helpers) => {
  const { org_id, message_id } = payload as { org_id: string; message_id: string };
  const { rows } = await helpers.query<Claimed>('select * from app_private.begin_sms_send($1, $2, $3)', [org_id, message_id, cfg().encryptionKey]);
  if (!rows.length) return;
  const m = rows[0];
  const finish = (status: number | null, sid: string | null, twilioStatus: string | null, code: number | null, error: string | null, body: string | null) =>
    helpers.query('select app_private.finish_sms_send($1, $2, $3, $4, $5, $6, $7, $8)', [org_id, message_id, status, sid, twilioStatus, code, error, body]);

  let text = m.body;
  if (m.kind === 'reminder') {
    const publicUrl = (process.env.PUBLIC_URL ?? `http://127.0.0.1:${cfg().gatewayPort}`).replace(/\/+$/, '');
    try {
      text = renderEmail({ subject: '', html: '', text: m.body }, {
        first_name: m.first_name,
        last_name: m.last_name,
        starts_at_local: m.starts_at ? localTime(new Date(m.starts_at), m.timezone) : null,
        resource: m.resource,
        cancel_url: m.appointment_id ? `${publicUrl}/appointments/cancel/${appointmentCancelToken(cfg().encryptionKey, org_id, m.appointment_id)}` : null,
      }).text;
    } catch (error) {
      if (!(error instanceof MissingVariableError)) throw error;
      await finish(422, null, null, null, error.message, null);
      return;
    }
  }
  const form = new URLSearchParams({ To: m.to_number, Body: text });
  if (m.messaging_service_sid) form.set('MessagingServiceSid', m.messaging_service_sid);
  else if (m.from_number) form.set('From', m.from_number);
  if (m.status_callback_url) form.set('StatusCallback', m.status_callback_url);
  const base = (m.base_url ?? process.env.TWILIO_API_URL ?? TWILIO_API_URL).replace(/\/+$/, '');
  const res = await httpRequest('POST', `${base}/2010-04-01/Accounts/${encodeURIComponent(m.account_sid)}/Messages.json`, {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    authorization: `Basic ${Buffer.from(`${m.username}:${m.password}`).toString('base64')}`,
  }, form.toString(), { maxBody: 16 * 1024 });
  let answer: { sid?: string; status?: string; code?: number; message?: string } = {};
  try {
    answer = JSON.parse(res.excerpt ?? '{}');
  } catch {
    /* not JSON: the status code decides */
  }
  // A request that never left (refused by the SSRF guard, no connection, no DNS) is known
  // not to have been sent: status 0 is retried. Any other missing answer is in doubt.
  if (res.status === null && /^refused:|ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(res.error ?? '')) res.status = 0;
  const ok = res.status !== null && res.status >= 200 && res.status < 300;
  const done = await finish(res.status, ok ? (answer.sid ?? null) : null, ok ? (answer.status ?? null) : null,
    typeof answer.code === 'number' ? answer.code : null,
    ok ? null : (res.error ?? `Twilio answered HTTP ${res.status}${answer.message ? `: ${answer.message}` : ''}`), text);
  helpers.logger.info(`sms ${message_id}: HTTP ${res.status} → ${JSON.stringify(done.rows[0])}`);
};
