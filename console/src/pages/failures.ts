import { db } from '../api.ts';
import { append, h, notice, section, table, when } from '../dom.ts';
import { apiError, type Page } from './page.ts';

interface DeadLetter {
  id: number;
  kind: string;
  ref_id: string;
  error: string | null;
  created_at: string;
  retried_at: string | null;
}

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  consecutive_failures: number;
  failing_since: string | null;
  circuit_open_until: string | null;
  last_success_at: string | null;
}

function endpointState(e: Endpoint): string {
  if (!e.enabled) return 'disabled';
  if (e.circuit_open_until && new Date(e.circuit_open_until) > new Date()) return 'circuit open';
  if (e.failing_since) return 'failing';
  return 'healthy';
}

export const renderFailures: Page = async (container, ctx) => {
  const client = await db();
  const [letters, endpoints] = await Promise.all([
    client.from('dead_letters').select('id,kind,ref_id,error,created_at,retried_at').order('created_at', { ascending: false }).limit(200),
    client.from('delivery_endpoints').select('id,url,description,enabled,disabled_reason,consecutive_failures,failing_since,circuit_open_until,last_success_at').order('created_at'),
  ]);
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'failures-status' });

  const dlSection = section('Dead letters', status);
  const rows = (letters.data ?? []) as DeadLetter[];
  if (letters.error) append(dlSection, notice(apiError(letters.error, letters.status), 'error'));
  else if (rows.length === 0) append(dlSection, notice('No dead letters.'));
  else
    append(
      dlSection,
      table(
        ['Failed', 'Kind', 'Error', 'Retried', ''],
        rows.map((d) => [
          when(d.created_at),
          d.kind,
          h('code', { class: 'error-text' }, d.error ?? '—'),
          when(d.retried_at),
          ctx.admin && !d.retried_at
            ? h('button', { type: 'button', 'data-testid': 'retry-dead-letter', onclick: async (event: Event) => {
                (event.currentTarget as HTMLButtonElement).disabled = true;
                const answer = await (await db()).rpc('retry_dead_letter', { dead_letter_id: d.id });
                if (answer.error) status.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
                else ctx.reload();
              } }, 'Retry')
            : '',
        ]),
        'dead-letters',
        (i) => ({ 'data-dead-letter': rows[i].id }),
      ),
    );

  const epSection = section('Delivery endpoints');
  const eps = (endpoints.data ?? []) as Endpoint[];
  if (endpoints.error) append(epSection, notice(apiError(endpoints.error, endpoints.status), 'error'));
  else if (eps.length === 0) append(epSection, notice('No delivery endpoints (visible to owners and admins).'));
  else
    append(
      epSection,
      table(
        ['URL', 'State', 'Failures in a row', 'Failing since', 'Last success', 'Reason'],
        eps.map((e) => [
          h('span', { class: 'url' }, e.url),
          h('span', { class: `badge badge-${endpointState(e).replace(' ', '-')}` }, endpointState(e)),
          e.consecutive_failures,
          when(e.failing_since),
          when(e.last_success_at),
          e.disabled_reason ?? '—',
        ]),
        'endpoints',
      ),
    );
  append(container, dlSection, epSection);
};
