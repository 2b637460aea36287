import { db, denied } from '../api.ts';
import { append, clear, h, notice, section, table, when } from '../dom.ts';
import { apiError, type Page } from './page.ts';
import { accessDenied } from './settings.ts';

interface Entry {
  id: number;
  at: string;
  actor_id: string | null;
  table_name: string;
  row_id: string | null;
  action: string;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
}

const summary = (e: Entry) => {
  const after = e.new_values ?? {};
  const before = e.old_values ?? {};
  if (e.action === 'insert') return Object.entries(after).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('; ');
  if (e.action === 'delete') return Object.entries(before).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('; ');
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return keys.map((k) => `${k}: ${JSON.stringify(before[k] ?? null)} → ${JSON.stringify(after[k] ?? null)}`).join('; ');
};

export const renderAudit: Page = async (container) => {
  const client = await db();
  // Owners and admins only, as the API decides (the member list doubles as the actor names).
  const members = await client.from('org_members').select('user_id,email');
  if (denied(members.status)) return accessDenied(container, 'The audit log');
  const names = new Map(((members.data ?? []) as Array<{ user_id: string; email: string }>).map((m) => [m.user_id, m.email]));

  const tableName = h('input', { name: 'table', placeholder: 'e.g. memberships' });
  const action = h('select', { name: 'action' }, ...['', 'insert', 'update', 'delete'].map((a) => h('option', { value: a }, a || 'any action')));
  const since = h('input', { name: 'since', type: 'date' });
  const results = h('div', {});
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'audit-filters' },
    h('label', {}, 'Table', tableName),
    h('label', {}, 'Action', action),
    h('label', {}, 'Since', since),
    h('button', { type: 'submit' }, 'Filter'),
  );
  async function load(): Promise<void> {
    clear(results);
    let query = (await db()).from('audit_log').select('id,at,actor_id,table_name,row_id,action,old_values,new_values');
    // "memberships" finds app_public.memberships too.
    const t = tableName.value.trim();
    if (t) query = t.includes('.') ? query.eq('table_name', t) : query.in('table_name', [t, `app_public.${t}`]);
    if (action.value) query = query.eq('action', action.value);
    if (since.value) query = query.gte('at', new Date(`${since.value}T00:00:00`).toISOString());
    const answer = await query.order('id', { ascending: false }).limit(200);
    if (answer.error) return void results.appendChild(notice(apiError(answer.error, answer.status), 'error'));
    const rows = (answer.data ?? []) as Entry[];
    append(
      results,
      rows.length === 0
        ? notice('No entries match.')
        : table(
            ['When', 'Who', 'Table', 'Action', 'Row', 'Change'],
            rows.map((e) => [when(e.at), e.actor_id ? names.get(e.actor_id) ?? e.actor_id.slice(0, 8) : 'system', e.table_name, e.action, e.row_id ?? '—', h('span', { class: 'change' }, summary(e))]),
            'audit',
          ),
    );
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  append(container, section('Audit log', form, results));
  await load();
};
