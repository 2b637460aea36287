import { db } from '../api.ts';
import { append, h, notice, section, table, when } from '../dom.ts';
import { duration, hashParams, safeLink } from './admin.ts';
import { apiError, type Page } from './page.ts';

interface Call {
  id: string;
  direction: string | null;
  status: string;
  contact_id: string | null;
  customer_number: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  ended_reason: string | null;
  cost: number | null;
  recording_url: string | null;
  summary: string | null;
  created_at: string;
  agent_id: string | null;
  contacts: { first_name: string | null; last_name: string | null; email: string | null } | null;
  agents: { name: string } | null;
}

interface Transcript {
  call_id: string;
  content: string;
  summary: string | null;
  messages: Array<{ role: string; text: string; seconds: number | null }> | null;
}

const CALL_COLUMNS = 'id,direction,status,contact_id,customer_number,started_at,ended_at,duration_seconds,ended_reason,cost,recording_url,summary,created_at,agent_id,contacts(first_name,last_name,email),agents(name)';
const STATUSES = ['scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended'];

const contactName = (c: Call) =>
  c.contacts ? [c.contacts.first_name, c.contacts.last_name].filter(Boolean).join(' ') || c.contacts.email || '—' : '—';
const money = (v: number | null) => (v === null || v === undefined ? '—' : `$${Number(v).toFixed(2)}`);

/**
 * The words of a search as prefixes to highlight. PostgreSQL matched stems (websearch syntax:
 * quotes, "or", a leading "-" excludes), so "rescheduling" also lights up "reschedule".
 */
function searchTerms(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}-]+/u)
    .filter((w) => w && w !== 'or' && !w.startsWith('-'))
    .map((w) => w.replace(/(ations?|ings?|ed|es|s|ly)$/u, ''))
    .filter((w) => w.length >= 2);
}

/** Text with the search's matches wrapped in <mark> — built from text nodes, never markup. */
export function highlighted(text: string, terms: string[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  if (terms.length === 0) {
    fragment.append(text);
    return fragment;
  }
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})[\\p{L}\\p{N}]*`, 'giu');
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index ?? 0;
    if (at > last) fragment.append(text.slice(last, at));
    fragment.append(h('mark', {}, match[0]));
    last = at + match[0].length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  return fragment;
}

/** About 240 characters around the first match (the whole text when short). */
function snippet(text: string, terms: string[]): string {
  if (text.length <= 240) return text;
  const lower = text.toLowerCase();
  const at = Math.min(...terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0), Number.MAX_SAFE_INTEGER);
  if (at === Number.MAX_SAFE_INTEGER) return `${text.slice(0, 240)}…`;
  const from = Math.max(0, at - 100);
  return `${from > 0 ? '…' : ''}${text.slice(from, from + 240)}${from + 240 < text.length ? '…' : ''}`;
}

export const renderCalls: Page = async (container, ctx) => {
  const callId = hashParams().get('call');
  if (callId) return renderCall(container, callId);
  const params = hashParams();
  const client = await db();
  const agents = await client.from('agents').select('id,name').order('name');

  // Filters live in the hash, so a filtered list can be linked and reloaded.
  const q = params.get('q') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const status = params.get('status') ?? '';
  const agent = params.get('agent') ?? '';
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'data-testid': 'call-filters', 'aria-label': 'Filter and search calls' },
    h('label', {}, 'Search transcripts and summaries', h('input', { type: 'search', name: 'q', value: q, placeholder: 'e.g. refund or "roof inspection"' })),
    h('label', {}, 'From', h('input', { type: 'date', name: 'from', value: from })),
    h('label', {}, 'To', h('input', { type: 'date', name: 'to', value: to })),
    h('label', {}, 'Status', h('select', { name: 'status' }, h('option', { value: '' }, 'Any'), ...STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)))),
    h('label', {}, 'Agent', h('select', { name: 'agent' }, h('option', { value: '' }, 'Any'), ...((agents.data ?? []) as Array<{ id: string; name: string }>).map((a) => h('option', { value: a.id, selected: a.id === agent }, a.name)))),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const [key, value] of data.entries()) if (String(value).trim()) next.set(key, String(value).trim());
    const hash = `#/calls${next.size ? `?${next}` : ''}`;
    if (location.hash === hash) ctx.reload();
    else location.hash = hash;
  });

  // A search first finds the matching transcripts by full-text search (the GIN index), then
  // the list shows those calls with the other filters applied.
  let matches: Map<string, Transcript> | null = null;
  const list = section(q ? `Calls matching “${q}”` : 'Calls');
  if (q) {
    const found = await client
      .from('transcripts')
      .select('call_id,content,summary')
      .textSearch('search', q, { type: 'websearch', config: 'english' })
      .limit(200);
    if (found.error) return void append(container, form, notice(apiError(found.error, found.status), 'error'));
    matches = new Map(((found.data ?? []) as Transcript[]).map((t) => [t.call_id, t]));
  }
  let query = client.from('calls').select(CALL_COLUMNS).order('started_at', { ascending: false, nullsFirst: false }).order('created_at', { ascending: false }).limit(200);
  if (from) query = query.gte('started_at', new Date(`${from}T00:00:00`).toISOString());
  if (to) query = query.lt('started_at', new Date(new Date(`${to}T00:00:00`).getTime() + 86400_000).toISOString());
  if (status) query = query.eq('status', status);
  if (agent) query = query.eq('agent_id', agent);
  if (matches) query = query.in('id', matches.size ? [...matches.keys()] : ['00000000-0000-0000-0000-000000000000']);
  const calls = await query;
  if (calls.error) return void append(container, form, notice(apiError(calls.error, calls.status), 'error'));
  const rows = (calls.data ?? []) as unknown as Call[];
  const terms = searchTerms(q);
  const headers = ['Started', 'Direction', 'Status', 'Contact', 'Customer number', 'Duration', 'Ended reason', 'Cost', 'Agent'];
  if (matches) headers.push('Match');
  if (rows.length === 0) append(list, notice(q ? 'No call transcript or summary matches this search.' : 'No calls match these filters.'));
  else
    append(
      list,
      h('p', { class: 'muted', 'aria-live': 'polite', 'data-testid': 'call-count' }, `${rows.length} call${rows.length === 1 ? '' : 's'}`),
      table(
        headers,
        rows.map((c) => {
          const cells: Array<Node | string> = [
            h('a', { href: `#/calls?call=${encodeURIComponent(c.id)}`, 'data-testid': 'call-link' }, when(c.started_at ?? c.created_at)),
            c.direction ?? '—',
            h('span', { class: `badge badge-${c.status}` }, c.status),
            contactName(c),
            c.customer_number ?? '—',
            duration(c.duration_seconds),
            c.ended_reason ?? '—',
            money(c.cost),
            c.agents?.name ?? '—',
          ];
          if (matches) {
            const t = matches.get(c.id);
            const text = t ? (searchTerms(q).some((term) => (t.summary ?? '').toLowerCase().includes(term)) ? t.summary ?? '' : t.content) : '';
            cells.push(h('span', { class: 'match', 'data-testid': 'call-match' }, highlighted(snippet(text, terms), terms)));
          }
          return cells;
        }),
        'calls',
        (i) => ({ 'data-call': rows[i].id }),
      ),
    );
  append(container, section('Find calls', form), list);
};

async function renderCall(container: HTMLElement, id: string): Promise<void> {
  const client = await db();
  const [call, transcript, appointments, callbacks] = await Promise.all([
    client.from('calls').select(CALL_COLUMNS).eq('id', id).maybeSingle(),
    client.from('transcripts').select('call_id,content,summary,messages').eq('call_id', id).maybeSingle(),
    client.from('appointments').select('id,starts_at,ends_at,status,source,resources(name)').eq('call_id', id).order('starts_at'),
    client.from('callback_requests').select('id,status,created_at,last_error,customer_number').eq('call_id', id),
  ]);
  append(container, h('p', {}, h('a', { href: '#/calls' }, '← All calls')));
  if (call.error) return void append(container, notice(apiError(call.error, call.status), 'error'));
  const c = call.data as unknown as Call | null;
  if (!c) return void append(container, notice('No such call (or it belongs to another organisation).', 'error'));
  const t = transcript.data as Transcript | null;

  const facts = h('dl', { class: 'kv', 'data-testid': 'call-facts' });
  const fact = (label: string, value: Node | string) => facts.append(h('dt', {}, label), h('dd', {}, value));
  fact('Started', when(c.started_at));
  fact('Ended', when(c.ended_at));
  fact('Duration', duration(c.duration_seconds));
  fact('Direction', c.direction ?? '—');
  fact('Status', c.status);
  fact('Ended reason', c.ended_reason ?? '—');
  fact('Contact', contactName(c));
  fact('Customer number', c.customer_number ?? '—');
  fact('Agent', c.agents?.name ?? '—');
  fact('Cost', money(c.cost));
  fact('Recording', safeLink(c.recording_url, 'Listen to the recording'));
  append(container, section('Call', facts));

  append(container, section('Summary', h('p', { 'data-testid': 'call-summary' }, c.summary ?? 'No summary.')));

  // The conversation: speaker turns when the platform sent them, else the transcript's lines.
  const convo = section('Transcript (redacted)');
  const turns = t?.messages?.length
    ? t.messages.map((m) => ({ role: m.role, text: m.text, seconds: m.seconds }))
    : (t?.content ?? '')
        .split(/\n+/)
        .filter((line) => line.trim())
        .map((line) => {
          const m = /^\s*(AI|Assistant|Bot|User|Customer)\s*:\s*(.*)$/i.exec(line);
          return { role: m ? (/^(ai|assistant|bot)$/i.test(m[1]) ? 'agent' : 'customer') : 'note', text: m ? m[2] : line, seconds: null };
        });
  if (turns.length === 0) append(convo, notice('No transcript for this call.'));
  else
    append(
      convo,
      h(
        'ol',
        { class: 'conversation', 'data-testid': 'transcript' },
        ...turns.map((turn) =>
          h(
            'li',
            { class: `turn turn-${turn.role}` },
            h('span', { class: 'speaker' }, turn.role === 'agent' ? 'Agent' : turn.role === 'customer' ? 'Customer' : 'Note', turn.seconds !== null ? ` · ${duration(turn.seconds)}` : ''),
            h('p', {}, turn.text),
          ),
        ),
      ),
    );
  append(container, convo);

  const follow = section('Booking and callback');
  const appts = (appointments.data ?? []) as unknown as Array<{ id: string; starts_at: string; ends_at: string; status: string; source: string; resources: { name: string } | null }>;
  const cbs = (callbacks.data ?? []) as Array<{ id: string; status: string; created_at: string; last_error: string | null }>;
  if (appts.length === 0 && cbs.length === 0) append(follow, notice('No booking or callback came from this call.'));
  if (appts.length)
    append(follow, table(['Appointment', 'Ends', 'With', 'Status'], appts.map((a) => [when(a.starts_at), when(a.ends_at), a.resources?.name ?? '—', a.status]), 'call-appointments'));
  if (cbs.length) append(follow, table(['Callback requested', 'Status', 'Error'], cbs.map((r) => [when(r.created_at), r.status, r.last_error ?? '—']), 'call-callbacks'));
  append(container, follow);
}
