import type { Task } from 'graphile-worker';

interface Payload {
  org_id: string;
  request_id: string;
}

interface Dispatch {
  assistant_id: string;
  phone_number_id: string;
  customer_number: string;
  customer_name: string | null;
  contact_id: string | null;
  base_url: string | null;
}

const DEFAULT_BASE_URL = 'https://api.vapi.ai';

/**
 * Places the outbound call a member asked for (app_public.request_callback validated it):
 * one POST {base}/call with the configured assistant and phone-number ids. Transient
 * failures (network, 408, 429, 5xx) are retried by graphile-worker with backoff; other
 * answers fail the request for good. It never creates, updates or replaces an assistant.
 * Base URL: the org's workspace_settings.voice_api_base_url, else VAPI_API_URL.
 */
export const request_callback: Task = async (payload, helpers) => {
  const { org_id, request_id } = payload as Payload;
  const { rows } = await helpers.query<{ d: Dispatch | null }>('select app_private.callback_dispatch($1, $2) as d', [org_id, request_id]);
  const d = rows[0]?.d;
  if (!d) return; // already placed or failed for good

  const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
  const fail = (error: string, final: boolean) =>
    helpers.query('select app_private.record_callback_failure($1, $2, $3, $4)', [org_id, request_id, error, final]);

  const base = (d.base_url ?? process.env.VAPI_API_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const body = {
    assistantId: d.assistant_id,
    phoneNumberId: d.phone_number_id,
    customer: { number: d.customer_number, ...(d.customer_name ? { name: d.customer_name } : {}) },
  };
  let res: Response;
  try {
    res = await fetch(`${base}/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env.VAPI_API_KEY ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    await fail(`voice API unreachable: ${(error as Error).message}`, lastAttempt);
    throw error;
  }
  if (res.ok) {
    const answer = (await res.json().catch(() => ({}))) as { id?: unknown };
    if (typeof answer.id !== 'string' || !answer.id) {
      await fail('voice API answered without a call id', true);
      return;
    }
    await helpers.query('select app_private.record_callback_sent($1, $2, $3)', [org_id, request_id, answer.id]);
    return;
  }
  const transient = res.status === 408 || res.status === 429 || res.status >= 500;
  // The platform's error text may echo customer data: keep only the status.
  await fail(`voice API answered HTTP ${res.status}`, !transient || lastAttempt);
  if (transient) throw new Error(`voice API answered HTTP ${res.status}; retrying`);
};
