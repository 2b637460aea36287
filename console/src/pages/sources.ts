import { consoleRpc, db } from '../api.ts';
import { append, confirmDialog, h, notice, section, table, when } from '../dom.ts';
import { adminOnly, secretOnce } from './admin.ts';
import { apiError, type Page } from './page.ts';

interface Activity {
  source_id: string;
  provider: string;
  name: string;
  enabled: boolean;
  created_at: string;
  last_event_at: string | null;
  events_24h: number;
  signature_failures_24h: number;
  secrets_valid: number;
  grace_until: string | null;
}

interface Issued {
  source_id: string;
  secret: string;
  url: string;
}

const PROVIDERS: Array<[string, string]> = [
  ['smartlead', 'SmartLead'],
  ['replyio', 'Reply.io'],
  ['vapi', 'Vapi'],
  ['standard', 'Standard Webhooks'],
  ['csv', 'CSV lead uploads (signed API)'],
];
const label = (provider: string) => PROVIDERS.find(([p]) => p === provider)?.[1] ?? provider;

/**
 * Extra creation fields per provider and the RPC arguments they become. Vapi's auth mode
 * (secret | bearer | hmac and the HMAC options) plugs in here: fields in, args out.
 */
interface ProviderOptions {
  fields: HTMLElement[];
  args: () => Record<string, unknown>;
}
function providerOptions(provider: string): ProviderOptions {
  if (provider === 'vapi') {
    return {
      fields: [h('p', { class: 'muted' }, 'Vapi signs each request: header x-timestamp (unix seconds) and x-signature, the hex HMAC-SHA256 of "{x-timestamp}.{body}" under this secret.')],
      args: () => ({}),
    };
  }
  return { fields: [], args: () => ({}) };
}

/** Where to paste what, in the platform's own words. */
export function instructions(provider: string, url: string, secret: string): HTMLElement {
  const steps: string[] = {
    smartlead: [
      'In SmartLead open Settings → Webhooks (or a campaign\'s Webhooks tab) and click Add Webhook.',
      `Paste the webhook URL: ${url}`,
      `Paste the secret into the webhook's secret key field: ${secret.slice(0, 6)}… (SmartLead sends it in every payload as secret_key, and Switchboard masks it before storing).`,
      'Tick the events: Email Sent, Email Opened, Email Link Clicked, Email Replied, Email Bounced, Lead Unsubscribed, Lead Category Updated.',
    ],
    replyio: [
      'Reply.io webhooks carry no secret, so the URL contains it: keep this URL private.',
      'In Reply.io open Settings → Integrations → Webhooks and add a subscription.',
      `Paste the whole URL (with the secret at the end): ${url}`,
      'Choose the events: email sent, opened, link clicked, replied, bounced, contact opted out, reply categorized.',
    ],
    vapi: [
      'In the Vapi dashboard open your assistant (or Phone Number) → Advanced → Server URL.',
      `Paste the server URL: ${url}`,
      'Under Server URL credentials create an HMAC credential: algorithm sha256, signature header x-signature, timestamp header x-timestamp, payload "{timestamp}.{body}", hex encoding; paste the secret there.',
      'Enable the server messages end-of-call-report, status-update and tool-calls.',
    ],
    standard: [
      'Standard Webhooks senders (Svix and others): register an endpoint with this URL and secret.',
      `URL: ${url}`,
      'The secret starts with whsec_; senders sign webhook-id.webhook-timestamp.body and send webhook-signature: v1,<base64>.',
    ],
    csv: [
      `Scripts POST text/csv to ${url} with X-Signature-Timestamp (RFC 3339), X-Content-SHA256 (hex of the body) and X-Signature (hex HMAC-SHA256 of "{timestamp}.{sha256}" under this secret).`,
      'People upload from the Upload leads page instead; no secret is needed there.',
    ],
  }[provider] ?? [];
  return h('div', { class: 'instructions' }, h('h4', {}, `Connect ${label(provider)}`), h('ol', {}, ...steps.map((s) => h('li', {}, s))));
}

const absolute = (path: string) => new URL(path, window.location.origin).href;

export const renderSources: Page = async (container, ctx) => {
  if (!(await adminOnly(container, 'Sources'))) return;
  const client = await db();
  const activity = await client.rpc('source_activity');
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'sources-status' });
  const issued = h('div', { 'data-testid': 'issued' });

  function showIssued(provider: string, answer: Issued, what: string): void {
    const url = absolute(answer.url);
    issued.replaceChildren(
      secretOnce(what, [['URL', url], ['Secret', answer.secret], ['Source id', answer.source_id]], instructions(provider, url, answer.secret)),
    );
    issued.querySelector('h3')?.setAttribute('tabindex', '-1');
    (issued.querySelector('h3') as HTMLElement | null)?.focus();
  }

  // Create.
  const provider = h('select', { name: 'provider', id: 'source-provider', required: true }, ...PROVIDERS.map(([p, l]) => h('option', { value: p }, l)));
  const name = h('input', { name: 'name', id: 'source-name', maxlength: 200, placeholder: 'e.g. SmartLead main' });
  const optionsBox = h('div', { class: 'provider-options' });
  let options = providerOptions(provider.value);
  const showOptions = () => {
    options = providerOptions(provider.value);
    optionsBox.replaceChildren(...options.fields);
  };
  provider.addEventListener('change', showOptions);
  showOptions();
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'create-source' },
    h('label', { for: 'source-provider' }, 'Platform', provider),
    h('label', { for: 'source-name' }, 'Name', name),
    optionsBox,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create source')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await consoleRpc<Issued>('create_source', { provider: provider.value, name: name.value.trim() || null, ...options.args() });
    if (answer.error) return void status.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
    status.replaceChildren(notice(`${label(provider.value)} source created.`, 'ok'));
    showIssued(provider.value, answer.data as Issued, `New ${label(provider.value)} source`);
    void refreshList();
  });

  // List with activity, rotate and disable.
  const list = section('Sources');
  const listBody = h('div', {});
  append(list, listBody);
  async function refreshList(): Promise<void> {
    const answer = activity.data && listBody.childElementCount === 0 ? activity : await (await db()).rpc('source_activity');
    if (answer.error) return void listBody.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
    const rows = (answer.data ?? []) as Activity[];
    if (rows.length === 0) return void listBody.replaceChildren(notice('No sources yet: create one above.'));
    listBody.replaceChildren(
      table(
        ['Name', 'Platform', 'State', 'Last event', 'Events 24 h', 'Signature failures 24 h', 'Secrets', ''],
        rows.map((s) => {
          const grace = h('select', { 'aria-label': `Grace period for the old secret of ${s.name}` },
            h('option', { value: '0' }, 'old secret stops now'),
            h('option', { value: '1 hour' }, 'old secret works 1 h'),
            h('option', { value: '24 hours', selected: true }, 'old secret works 24 h'),
            h('option', { value: '7 days' }, 'old secret works 7 days'));
          return [
            s.name,
            label(s.provider),
            h('span', { class: `badge badge-${s.enabled ? 'healthy' : 'disabled'}` }, s.enabled ? 'enabled' : 'disabled'),
            when(s.last_event_at),
            String(s.events_24h),
            h('span', { class: Number(s.signature_failures_24h) > 0 ? 'warn' : '' }, String(s.signature_failures_24h)),
            s.grace_until ? `${s.secrets_valid} (old one until ${when(s.grace_until)})` : String(s.secrets_valid),
            h('div', { class: 'row-actions' },
              grace,
              h('button', { type: 'button', class: 'secondary', 'data-testid': 'rotate-source', onclick: async () => {
                const answer = await consoleRpc<Issued>('rotate_source', { source: s.source_id, grace: grace.value });
                if (answer.error) return void status.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
                status.replaceChildren(notice(`New secret for ${s.name}.`, 'ok'));
                showIssued(s.provider, answer.data as Issued, `New secret for ${s.name}`);
                void refreshList();
              } }, 'Rotate secret'),
              h('button', { type: 'button', class: s.enabled ? 'danger' : 'secondary', 'data-testid': 'toggle-source', onclick: async () => {
                if (s.enabled && !(await confirmDialog(`Disable ${s.name}? Its requests will be refused like a bad signature.`, 'Disable'))) return;
                const answer = await (await db()).from('sources').update({ enabled: !s.enabled }).eq('id', s.source_id);
                if (answer.error) return void status.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
                status.replaceChildren(notice(`${s.name} ${s.enabled ? 'disabled' : 'enabled'}.`, 'ok'));
                void refreshList();
              } }, s.enabled ? 'Disable' : 'Enable')),
          ];
        }),
        'sources',
        (i) => ({ 'data-source': rows[i].source_id }),
      ),
    );
  }
  await refreshList();
  void ctx;
  append(container, section('Connect a platform', form, status, issued), list);
};
