import { db } from '../api.ts';
import { append, h, notice, section, table, when } from '../dom.ts';
import { adminOnly } from './admin.ts';
import { apiError, type Page } from './page.ts';

interface Agent {
  id: string;
  name: string;
  direction: 'inbound' | 'outbound';
  assistant_id: string | null;
  phone_number_id: string | null;
  escalation_number: string | null;
  resource_id: string | null;
  active: boolean;
}

/** The API's pre-flight refusals of a callback (their stable hints), as sentences. */
const CALLBACK_ERRORS: Record<string, string> = {
  outbound_agent_not_configured: 'No callback was placed: there is no active outbound agent with a Vapi assistant id. Add one above, or activate it.',
  invalid_phone_number_id: 'No callback was placed: the outbound agent’s phone number id must be the Vapi phone-number UUID (from Phone Numbers in the Vapi dashboard), not the phone number itself.',
  invalid_customer_number: 'No callback was placed: this contact has no valid phone number. Numbers need the international form, for example +14155550123.',
  contact_not_found: 'No callback was placed: this contact no longer exists in your organisation.',
  not_authenticated: 'No callback was placed: sign in again.',
};

export function callbackError(error: { hint?: string | null; message?: string } | null, status: number): string {
  return (error?.hint && CALLBACK_ERRORS[error.hint]) || `No callback was placed: ${apiError(error, status)}`;
}

export const renderAgents: Page = async (container, ctx) => {
  if (!(await adminOnly(container, 'Voice agents'))) return;
  const client = await db();
  const [agents, resources, contacts, requests] = await Promise.all([
    client.from('agents').select('id,name,direction,assistant_id,phone_number_id,escalation_number,resource_id,active').order('created_at'),
    client.from('resources').select('id,name').order('name'),
    client.from('contacts').select('id,first_name,last_name,email,phone').order('created_at', { ascending: false }).limit(200),
    client.from('callback_requests').select('id,status,created_at,customer_number,last_error,contact_id').order('created_at', { ascending: false }).limit(20),
  ]);
  for (const a of [agents, resources, contacts, requests]) if (a.error) return void container.appendChild(notice(apiError(a.error, a.status), 'error'));
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'agents-status' });
  const say = (text: string, kind: 'ok' | 'error' = 'ok') => status.replaceChildren(notice(text, kind));
  const resourceList = (resources.data ?? []) as Array<{ id: string; name: string }>;
  const rows = (agents.data ?? []) as Agent[];

  // One form adds an agent or edits the chosen one.
  let editing: Agent | null = null;
  const field = (name: string, text: string, attrs: Record<string, string | boolean> = {}) => {
    const input = h('input', { name, id: `agent-${name}`, ...attrs });
    return { input, label: h('label', { for: `agent-${name}` }, text, input) };
  };
  const name = field('name', 'Name', { required: true, maxlength: '200' });
  const assistant = field('assistant_id', 'Vapi assistant id', { maxlength: '200' });
  const phoneId = field('phone_number_id', 'Vapi phone number id (UUID, outbound)', { maxlength: '200' });
  const escalation = field('escalation_number', 'Escalation number (E.164, e.g. +14155550123)', { pattern: '\\+[1-9][0-9]{7,14}' });
  const direction = h('select', { name: 'direction', id: 'agent-direction' }, h('option', { value: 'outbound' }, 'Outbound (callbacks)'), h('option', { value: 'inbound' }, 'Inbound (answers calls)'));
  const hours = h('select', { name: 'resource_id', id: 'agent-resource' }, h('option', { value: '' }, 'Around the clock'), ...resourceList.map((r) => h('option', { value: r.id }, `${r.name}'s hours`)));
  const active = h('input', { type: 'checkbox', name: 'active', id: 'agent-active', checked: true });
  const submit = h('button', { type: 'submit' }, 'Add agent');
  const cancel = h('button', { type: 'button', class: 'secondary hidden', onclick: () => fill(null) }, 'Cancel editing');
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'agent-form' },
    name.label,
    h('label', { for: 'agent-direction' }, 'Direction', direction),
    assistant.label,
    phoneId.label,
    escalation.label,
    h('label', { for: 'agent-resource' }, 'Business hours (a bookable resource’s hours)', hours),
    h('label', { class: 'check', for: 'agent-active' }, active, 'Active'),
    h('div', { class: 'actions' }, cancel, submit),
  );
  function fill(agent: Agent | null): void {
    editing = agent;
    name.input.value = agent?.name ?? '';
    direction.value = agent?.direction ?? 'outbound';
    assistant.input.value = agent?.assistant_id ?? '';
    phoneId.input.value = agent?.phone_number_id ?? '';
    escalation.input.value = agent?.escalation_number ?? '';
    hours.value = agent?.resource_id ?? '';
    active.checked = agent?.active ?? true;
    submit.textContent = agent ? `Save ${agent.name}` : 'Add agent';
    cancel.classList.toggle('hidden', !agent);
    if (agent) name.input.focus();
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = {
      name: name.input.value.trim(),
      direction: direction.value,
      assistant_id: assistant.input.value.trim() || null,
      phone_number_id: phoneId.input.value.trim() || null,
      escalation_number: escalation.input.value.trim() || null,
      resource_id: hours.value || null,
      active: active.checked,
    };
    const c = await db();
    const answer = editing ? await c.from('agents').update(values).eq('id', editing.id) : await c.from('agents').insert(values);
    if (answer.error) return say(apiError(answer.error, answer.status), 'error');
    ctx.reload();
  });

  const list = section('Agents');
  if (rows.length === 0) append(list, notice('No voice agents yet: add the Vapi assistants that call and answer for you.'));
  else
    append(
      list,
      table(
        ['Name', 'Direction', 'Assistant id', 'Phone number id', 'Escalation', 'Hours', 'State', ''],
        rows.map((a) => [
          a.name,
          a.direction,
          h('code', {}, a.assistant_id ?? '—'),
          h('code', {}, a.phone_number_id ?? '—'),
          a.escalation_number ?? '—',
          resourceList.find((r) => r.id === a.resource_id)?.name ?? 'around the clock',
          h('span', { class: `badge badge-${a.active ? 'healthy' : 'disabled'}` }, a.active ? 'active' : 'inactive'),
          h('button', { type: 'button', class: 'secondary', 'data-testid': 'edit-agent', 'aria-label': `Edit ${a.name}`, onclick: () => fill(a) }, 'Edit'),
        ]),
        'agents',
      ),
    );

  // Request a callback for a contact: the API checks everything before anything is sent.
  const contactRows = (contacts.data ?? []) as Array<{ id: string; first_name: string | null; last_name: string | null; email: string | null; phone: string | null }>;
  const contact = h('select', { name: 'contact', id: 'callback-contact', required: true },
    h('option', { value: '' }, 'Choose a contact'),
    ...contactRows.map((k) => h('option', { value: k.id }, `${[k.first_name, k.last_name].filter(Boolean).join(' ') || k.email || k.id.slice(0, 8)} · ${k.phone ?? 'no phone'}`)));
  const callbackStatus = h('div', { 'aria-live': 'polite', 'data-testid': 'callback-status' });
  const callback = h('form', { class: 'filters', 'data-testid': 'callback-form' },
    h('label', { for: 'callback-contact' }, 'Contact', contact),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Request a callback')));
  callback.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await (await db()).rpc('request_callback', { contact_id: contact.value });
    if (answer.error) return void callbackStatus.replaceChildren(notice(callbackError(answer.error, answer.status), 'error'));
    callbackStatus.replaceChildren(notice('Callback requested: the outbound agent will call within a minute.', 'ok'));
  });
  const reqs = (requests.data ?? []) as Array<{ id: string; status: string; created_at: string; customer_number: string; last_error: string | null }>;
  append(
    container,
    section('Add or edit an agent', form, status),
    list,
    section('Request a callback', callback, callbackStatus,
      reqs.length ? table(['Requested', 'Number', 'Status', 'Error'], reqs.map((r) => [when(r.created_at), r.customer_number, r.status, r.last_error ?? '—']), 'callback-requests') : ''),
  );
};
