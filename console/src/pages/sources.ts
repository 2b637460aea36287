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

/** A source's auth options as stored in sources.auth (Vapi; the other providers have none). */
export interface SourceAuth {
  mode?: 'secret' | 'bearer' | 'hmac';
  algorithm?: string;
  signature_header?: string;
  timestamp_header?: string | null;
  payload_format?: string;
  encoding?: string;
  prefix?: string;
  secret_base64?: boolean;
}

/**
 * Extra creation fields per provider and the RPC arguments they become: "use the secret the
 * platform shows" (given_secret) for every provider, and Vapi's auth mode with its HMAC
 * options (the names of sources.auth and of the CLI's --hmac-* flags; blank keeps Vapi's
 * default).
 */
interface ProviderOptions {
  fields: HTMLElement[];
  args: () => Record<string, unknown>;
}
function providerOptions(provider: string): ProviderOptions {
  const given = h('input', { name: 'given_secret', id: 'source-given-secret', type: 'password', autocomplete: 'off', maxlength: 500, spellcheck: false,
    placeholder: provider === 'standard' ? 'whsec_…' : 'leave blank to generate one' });
  const givenField = h('label', { for: 'source-given-secret' },
    provider === 'smartlead' ? 'Secret key SmartLead shows (optional)' : 'Use the secret the platform shows (optional)', given);
  const givenArgs = () => (given.value.trim() ? { given_secret: given.value.trim() } : {});
  if (provider !== 'vapi') return { fields: provider === 'csv' ? [] : [givenField], args: provider === 'csv' ? () => ({}) : givenArgs };

  const mode = h('select', { name: 'auth_mode', id: 'source-auth-mode' },
    h('option', { value: 'secret', selected: true }, 'secret (X-Vapi-Secret, default)'),
    h('option', { value: 'bearer' }, 'bearer (Bearer token)'),
    h('option', { value: 'hmac' }, 'hmac (HMAC credential)'));
  const opt = (name: string, label: string, control: HTMLInputElement | HTMLSelectElement) => {
    control.id = `source-hmac-${name}`;
    control.name = name;
    return h('label', { for: control.id }, label, control);
  };
  const algorithm = h('select', {}, ...['sha256', 'sha512', 'sha1'].map((a) => h('option', { value: a }, a)));
  const signatureHeader = h('input', { placeholder: 'x-signature', maxlength: 100, spellcheck: false });
  const timestampHeader = h('input', { placeholder: 'x-timestamp (or none)', maxlength: 100, spellcheck: false });
  const payloadFormat = h('input', { placeholder: '{timestamp}.{body}', maxlength: 200, spellcheck: false });
  const encoding = h('select', {}, h('option', { value: 'hex' }, 'hex'), h('option', { value: 'base64' }, 'base64'));
  const prefix = h('input', { placeholder: 'none', maxlength: 50, spellcheck: false });
  const secretBase64 = h('input', { type: 'checkbox', id: 'source-hmac-secret_base64', name: 'secret_base64' });
  const hmacBox = h('fieldset', { class: 'checks hmac-options', 'data-testid': 'hmac-options' },
    h('legend', {}, 'HMAC options (blank: Vapi\'s default)'),
    opt('algorithm', 'Algorithm', algorithm),
    opt('signature_header', 'Signature header', signatureHeader),
    opt('timestamp_header', 'Timestamp header', timestampHeader),
    opt('payload_format', 'Payload format ({body}, {timestamp}, {method}, {url})', payloadFormat),
    opt('encoding', 'Signature encoding', encoding),
    opt('prefix', 'Signature prefix', prefix),
    h('label', { class: 'check', for: 'source-hmac-secret_base64' }, secretBase64, 'The secret is base64 (decode it before signing)'));
  const showHmac = () => { hmacBox.hidden = mode.value !== 'hmac'; };
  mode.addEventListener('change', showHmac);
  showHmac();
  return {
    fields: [h('label', { for: 'source-auth-mode' }, 'How Vapi authenticates', mode), hmacBox, givenField],
    args: () => {
      const auth: Record<string, unknown> = { mode: mode.value };
      if (mode.value === 'hmac') {
        auth.algorithm = algorithm.value;
        auth.encoding = encoding.value;
        if (signatureHeader.value.trim()) auth.signature_header = signatureHeader.value.trim();
        if (timestampHeader.value.trim()) auth.timestamp_header = timestampHeader.value.trim();
        if (payloadFormat.value.trim()) auth.payload_format = payloadFormat.value.trim();
        if (prefix.value) auth.prefix = prefix.value;
        auth.secret_base64 = secretBase64.checked;
      }
      return { auth, ...givenArgs() };
    },
  };
}

/** Vapi's credential, in the words of its dashboard, for the auth the source was made with. */
function vapiCredential(auth: SourceAuth | undefined, secret: string): string[] {
  const hidden = `${secret.slice(0, 6)}…`;
  switch (auth?.mode ?? 'secret') {
    case 'bearer':
      return [`Under Credentials create a Bearer Token credential whose token is the secret (${hidden}), and select it as the server URL's credential. Vapi sends Authorization: Bearer <secret>.`];
    case 'hmac': {
      const ts = auth?.timestamp_header ?? null;
      return [
        'Under Credentials create an HMAC credential and select it as the server URL\'s credential, with exactly these options:',
        `algorithm ${auth?.algorithm ?? 'sha256'}; signature header ${auth?.signature_header ?? 'x-signature'}; ${ts ? `timestamp header ${ts} (include the timestamp)` : 'no timestamp'}; payload format "${auth?.payload_format ?? (ts ? '{timestamp}.{body}' : '{body}')}"; encoding ${auth?.encoding ?? 'hex'}${auth?.prefix ? `; signature prefix "${auth.prefix}"` : ''}${auth?.secret_base64 ? '; the secret is base64' : ''}.`,
        `Paste the secret (${hidden}) as the credential's secret.`,
      ];
    }
    default:
      return [`Paste the secret (${hidden}) as the Server URL Secret (assistant → Advanced → Server URL). Vapi sends it as the X-Vapi-Secret header.`];
  }
}

/** Where to paste what, in the platform's own words (README "Connecting outreach senders"). */
export function instructions(provider: string, url: string, secret: string, auth?: SourceAuth): HTMLElement {
  const steps: string[] = {
    smartlead: [
      'In SmartLead open Settings → Webhooks (or a campaign\'s Webhooks tab) and click Add Webhook.',
      `Webhook URL: ${url}`,
      `SmartLead sends its webhook's secret key in every payload as secret_key: it must equal this source's secret (${secret.slice(0, 6)}…). Where SmartLead lets you type the key, paste the secret; where it shows its own, create the source with "Secret key SmartLead shows" (or rotate with it). Switchboard masks secret_key before storing the body.`,
      'Tick the events: Email Sent, First Email Sent, Email Opened, Email Link Clicked, Email Replied, Email Bounced, Lead Unsubscribed, Lead Category Updated, Untracked Replies.',
    ],
    replyio: [
      'Reply.io webhooks carry no secret and sign nothing, so the URL contains the secret: keep this URL private.',
      'In Reply.io open Settings → Integrations → Webhooks and add a subscription (or POST /v3/webhooks with eventType, url, scope, enabled).',
      `URL: paste the whole URL, with the secret at the end: ${url}`,
      'Choose the events: email sent, opened, link clicked, replied, bounced, contact opted out, reply categorized.',
    ],
    vapi: [
      'In the Vapi dashboard open your assistant (or the phone number, or the organization) → Advanced → Server URL.',
      `Server URL: ${url}`,
      ...vapiCredential(auth, secret),
      'Enable the server messages end-of-call-report, status-update, tool-calls, assistant-request and transfer-destination-request.',
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

  function showIssued(provider: string, answer: Issued, what: string, auth?: SourceAuth): void {
    const url = absolute(answer.url);
    issued.replaceChildren(
      secretOnce(what, [['URL', url], ['Secret', answer.secret], ['Source id', answer.source_id]], instructions(provider, url, answer.secret, auth)),
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
    // The options as stored (every default filled in), for the paste instructions.
    const made = answer.data as Issued;
    const stored = await (await db()).from('sources').select('auth').eq('id', made.source_id).maybeSingle();
    showIssued(provider.value, made, `New ${label(provider.value)} source`, (stored.data as { auth: SourceAuth } | null)?.auth);
    showOptions();
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
    // Each source's auth options (admins may read them; never the secret).
    const auths = new Map<string, SourceAuth>();
    const stored = await (await db()).from('sources').select('id,auth');
    for (const r of (stored.data ?? []) as Array<{ id: string; auth: SourceAuth }>) auths.set(r.id, r.auth);
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
            s.provider === 'vapi' && auths.get(s.source_id)?.mode ? `${label(s.provider)} (${auths.get(s.source_id)!.mode})` : label(s.provider),
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
                showIssued(s.provider, answer.data as Issued, `New secret for ${s.name}`, auths.get(s.source_id));
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
