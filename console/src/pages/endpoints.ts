import { consoleRpc, db } from '../api.ts';
import { append, confirmDialog, h, notice, section, table, when } from '../dom.ts';
import { adminOnly, hashParams, secretOnce } from './admin.ts';
import { apiError, type Page } from './page.ts';

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  circuit_open_until: string | null;
  last_success_at: string | null;
  consecutive_failures: number;
}

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  delivery_messages: { event_type: string } | null;
  delivery_attempts: Array<{ attempt: number; attempted_at: string; status_code: number | null; latency_ms: number | null; response_excerpt: string | null; error: string | null }>;
}

const EVENTS = ['appointment.booked', 'appointment.cancelled', 'call.ended', 'import.finished', 'lead.fed', 'reply.received', 'endpoint.disabled'];

function state(e: Endpoint): string {
  if (!e.enabled) return 'disabled';
  if (e.circuit_open_until && new Date(e.circuit_open_until) > new Date()) return 'circuit open';
  if (e.failing_since) return 'failing';
  return 'healthy';
}

/** A datetime-local value for "now minus hours", in the browser's time zone. */
function localInput(hoursAgo: number): string {
  const d = new Date(Date.now() - hoursAgo * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const renderEndpoints: Page = async (container, ctx) => {
  if (!(await adminOnly(container, 'Outbound endpoints'))) return;
  const client = await db();
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'endpoints-status' });
  const issued = h('div', { 'data-testid': 'issued' });
  const say = (text: string, kind: 'ok' | 'error' = 'ok') => status.replaceChildren(notice(text, kind));

  // Register.
  const url = h('input', { name: 'url', id: 'endpoint-url', type: 'url', required: true, placeholder: 'https://crm.example.com/hooks/switchboard' });
  const description = h('input', { name: 'description', id: 'endpoint-description', maxlength: 500 });
  const events = h(
    'fieldset',
    { class: 'checks' },
    h('legend', {}, 'Events (none ticked: every event)'),
    ...EVENTS.map((e) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'event', value: e }), e)),
  );
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'create-endpoint' },
    h('label', { for: 'endpoint-url' }, 'URL', url),
    h('label', { for: 'endpoint-description' }, 'Description', description),
    events,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Register endpoint')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll<HTMLInputElement>('input[name=event]:checked')].map((i) => i.value);
    const answer = await consoleRpc('create_endpoint', { url: url.value.trim(), event_types: chosen, description: description.value.trim() || null });
    if (answer.error) return say(apiError(answer.error, answer.status), 'error');
    const made = answer.data as { endpoint_id: string; secret: string };
    issued.replaceChildren(secretOnce('New endpoint', [['Signing secret', made.secret], ['Endpoint id', made.endpoint_id]],
      h('p', { class: 'muted' }, 'Verify deliveries with any Standard Webhooks library: webhook-id, webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256>) under this secret.')));
    say('Endpoint registered.');
    await refresh();
  });

  const list = section('Endpoints');
  const listBody = h('div', {});
  const log = h('div', { 'data-testid': 'deliveries-box' });
  append(list, listBody);

  async function refresh(): Promise<void> {
    const answer = await (await db()).from('delivery_endpoints').select('id,url,description,event_types,enabled,disabled_reason,failing_since,circuit_open_until,last_success_at,consecutive_failures').order('created_at');
    if (answer.error) return void listBody.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
    const rows = (answer.data ?? []) as Endpoint[];
    if (rows.length === 0) return void listBody.replaceChildren(notice('No endpoints yet: register one above.'));
    listBody.replaceChildren(
      table(
        ['URL', 'Events', 'State', 'Last success', 'Failures in a row', ''],
        rows.map((e) => [
          h('span', { class: 'url' }, e.url),
          e.event_types.length ? e.event_types.join(', ') : 'all',
          h('span', { class: `badge badge-${state(e).replace(' ', '-')}` }, state(e)),
          when(e.last_success_at),
          String(e.consecutive_failures),
          h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary', 'data-testid': 'show-deliveries', onclick: () => void showDeliveries(e) }, 'Deliveries'),
            h('button', { type: 'button', class: 'secondary', 'data-testid': 'rotate-endpoint', onclick: async () => {
              const answer = await consoleRpc('rotate_endpoint', { endpoint: e.id, grace: '24 hours' });
              if (answer.error) return say(apiError(answer.error, answer.status), 'error');
              issued.replaceChildren(secretOnce(`New signing secret for ${e.url}`, [['Signing secret', (answer.data as { secret: string }).secret]],
                h('p', { class: 'muted' }, 'The old secret keeps signing alongside for 24 hours.')));
              say('Secret rotated.');
            } }, 'Rotate secret'),
            h('button', { type: 'button', class: e.enabled ? 'danger' : 'secondary', 'data-testid': 'toggle-endpoint', onclick: async () => {
              if (e.enabled && !(await confirmDialog(`Disable ${e.url}? Nothing is sent to it until it is enabled again.`, 'Disable'))) return;
              const answer = await (await db()).from('delivery_endpoints').update({ enabled: !e.enabled }).eq('id', e.id);
              if (answer.error) return say(apiError(answer.error, answer.status), 'error');
              say(e.enabled ? 'Endpoint disabled.' : 'Endpoint enabled.');
              await refresh();
            } }, e.enabled ? 'Disable' : 'Enable')),
        ]),
        'endpoint-list',
        (i) => ({ 'data-endpoint': rows[i].id }),
      ),
    );
  }

  async function showDeliveries(e: Endpoint): Promise<void> {
    const answer = await (await db())
      .from('deliveries')
      .select('id,status,attempts,last_status_code,last_error,created_at,delivered_at,delivery_messages(event_type),delivery_attempts(attempt,attempted_at,status_code,latency_ms,response_excerpt,error)')
      .eq('endpoint_id', e.id)
      .order('created_at', { ascending: false })
      .limit(100);
    if (answer.error) return void log.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
    const rows = (answer.data ?? []) as unknown as Delivery[];
    const since = h('input', { type: 'datetime-local', id: 'replay-since', value: localInput(24) });
    const replayAll = h('form', { class: 'inline-form', 'data-testid': 'replay-failed' },
      h('label', { for: 'replay-since' }, 'Replay every failed delivery since', since),
      h('button', { type: 'submit', class: 'secondary' }, 'Replay failed'));
    replayAll.addEventListener('submit', async (event) => {
      event.preventDefault();
      const answer = await (await db()).rpc('replay_failed_deliveries', { endpoint_id: e.id, since: new Date(since.value).toISOString() });
      if (answer.error) return say(apiError(answer.error, answer.status), 'error');
      say(`${answer.data} failed deliver${answer.data === 1 ? 'y' : 'ies'} queued again.`);
      await showDeliveries(e);
    });
    log.replaceChildren(
      section(
        `Deliveries to ${e.url}`,
        replayAll,
        rows.length === 0
          ? notice('Nothing sent to this endpoint yet.')
          : table(
              ['Created', 'Event', 'Status', 'Attempts (status, latency, response)', ''],
              rows.map((d) => [
                when(d.created_at),
                d.delivery_messages?.event_type ?? '—',
                h('span', { class: `badge badge-${d.status === 'dead' ? 'failed' : d.status === 'delivered' ? 'healthy' : 'queued'}` }, d.status),
                h('ol', { class: 'attempts' }, ...[...d.delivery_attempts].sort((a, b) => a.attempt - b.attempt).map((a) =>
                  h('li', {}, `${when(a.attempted_at)} · ${a.status_code ?? 'no answer'} · ${a.latency_ms ?? '—'} ms`, a.response_excerpt || a.error ? h('code', { class: 'error-text' }, ` ${(a.response_excerpt ?? a.error ?? '').slice(0, 200)}`) : ''))),
                h('button', { type: 'button', class: 'secondary', 'data-testid': 'replay-delivery', onclick: async (event: Event) => {
                  (event.currentTarget as HTMLButtonElement).disabled = true;
                  const answer = await (await db()).rpc('replay_delivery', { delivery_id: d.id });
                  if (answer.error) return say(apiError(answer.error, answer.status), 'error');
                  say('Delivery queued again.');
                  await showDeliveries(e);
                } }, 'Replay'),
              ]),
              'deliveries',
              (i) => ({ 'data-delivery': rows[i].id, 'data-status': rows[i].status }),
            ),
      ),
    );
  }

  await refresh();
  const wanted = hashParams().get('endpoint');
  void ctx;
  append(container, section('Register an endpoint', form, status, issued), list, log);
  if (wanted) {
    const answer = await client.from('delivery_endpoints').select('id,url,description,event_types,enabled,disabled_reason,failing_since,circuit_open_until,last_success_at,consecutive_failures').eq('id', wanted).maybeSingle();
    if (answer.data) await showDeliveries(answer.data as Endpoint);
  }
};
