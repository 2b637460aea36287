import { db, denied } from '../api.ts';
import { append, h, notice, section, table, when } from '../dom.ts';
import { apiError, type Page } from './page.ts';

interface Settings {
  stale_after: string;
  expired_after: string;
  reply_rate_warning: number;
  positive_categories: string[];
}

interface Change {
  id: number;
  changed_at: string;
  changed_by_email: string | null;
  old_values: Record<string, unknown>;
  new_values: Record<string, unknown>;
}

const show = (v: unknown) => (Array.isArray(v) ? v.join(', ') : v === null || v === undefined ? '—' : String(v));

/** What a history entry changed, as "field: old → new" lines. */
function changes(c: Change): HTMLElement {
  const keys = Object.keys(c.new_values).filter((k) => k !== 'updated_at' && k !== 'updated_by' && JSON.stringify(c.new_values[k]) !== JSON.stringify(c.old_values[k]));
  return h('ul', { class: 'changes' }, ...keys.map((k) => h('li', {}, h('strong', {}, k), `: ${show(c.old_values[k])} → ${show(c.new_values[k])}`)));
}

export function accessDenied(container: HTMLElement, what: string): void {
  container.appendChild(
    h('div', { class: 'denied card', 'data-testid': 'access-denied', role: 'alert' }, h('h2', {}, 'Access denied'), h('p', {}, `${what} are for owners and admins of this organisation.`)),
  );
}

export const renderSettings: Page = async (container, ctx) => {
  const client = await db();
  // The member list is refused by the API (403) for anyone but owners and admins: the page
  // reflects that answer instead of deciding by itself.
  const members = await client.from('org_members').select('user_id,email,display_name,role,created_at').order('email');
  if (denied(members.status)) return accessDenied(container, 'Settings');
  if (members.error) return void container.appendChild(notice(apiError(members.error, members.status), 'error'));

  const [settings, history, flags, flagDefs, overrides] = await Promise.all([
    client.from('workspace_settings').select('stale_after,expired_after,reply_rate_warning,positive_categories').eq('org_id', ctx.claims.org_id).maybeSingle(),
    client.from('workspace_settings_changes').select('id,changed_at,changed_by_email,old_values,new_values').order('id', { ascending: false }).limit(50),
    client.from('org_feature_flags').select('key,description,enabled,source').order('key'),
    client.from('feature_flags').select('key,allow_org_override'),
    client.from('feature_flag_overrides').select('flag_key,enabled'),
  ]);
  for (const answer of [settings, history, flags, flagDefs, overrides]) {
    if (denied(answer.status)) return accessDenied(container, 'Settings');
  }
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'settings-status' });

  // Thresholds and positive categories.
  const s = settings.data as Settings | null;
  const thresholds = section('Thresholds and reply categories', status);
  if (settings.error || !s) append(thresholds, notice(apiError(settings.error, settings.status) || 'No settings row.', 'error'));
  else {
    const stale = h('input', { name: 'stale_after', value: s.stale_after, required: true });
    const expired = h('input', { name: 'expired_after', value: s.expired_after, required: true });
    const warning = h('input', { name: 'reply_rate_warning', type: 'number', step: '0.0001', min: 0, max: 1, value: s.reply_rate_warning, required: true });
    const categories = h('input', { name: 'positive_categories', value: s.positive_categories.join(', ') });
    const form = h(
      'form',
      { class: 'settings-form', 'data-testid': 'thresholds-form' },
      h('label', {}, 'Stale after (interval, e.g. 1 hour)', stale),
      h('label', {}, 'Expired after (interval)', expired),
      h('label', {}, 'Reply-rate warning (0–1)', warning),
      h('label', {}, 'Positive reply categories (comma-separated)', categories),
      h('button', { type: 'submit' }, 'Save'),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const answer = await (await db())
        .from('workspace_settings')
        .update({
          stale_after: stale.value.trim(),
          expired_after: expired.value.trim(),
          reply_rate_warning: Number(warning.value),
          positive_categories: categories.value.split(',').map((c) => c.trim()).filter(Boolean),
        })
        .eq('org_id', ctx.claims.org_id)
        .select('org_id');
      if (answer.error) status.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
      else if ((answer.data ?? []).length === 0) status.replaceChildren(notice('Not saved: the API refused the change.', 'error'));
      else ctx.reload();
    });
    append(thresholds, form);
  }

  // Change history.
  const historySection = section('Change history');
  const entries = (history.data ?? []) as Change[];
  if (history.error) append(historySection, notice(apiError(history.error, history.status), 'error'));
  else if (entries.length === 0) append(historySection, notice('No changes yet.'));
  else append(historySection, table(['When', 'Who', 'Changed'], entries.map((c) => [when(c.changed_at), c.changed_by_email ?? '—', changes(c)]), 'settings-history'));

  // Feature flags with org overrides.
  const flagSection = section('Feature flags');
  const overridable = new Map(((flagDefs.data ?? []) as Array<{ key: string; allow_org_override: boolean }>).map((f) => [f.key, f.allow_org_override]));
  const current = new Map(((overrides.data ?? []) as Array<{ flag_key: string; enabled: boolean }>).map((o) => [o.flag_key, o.enabled]));
  const flagRows = (flags.data ?? []) as Array<{ key: string; description: string | null; enabled: boolean; source: string }>;
  if (flags.error) append(flagSection, notice(apiError(flags.error, flags.status), 'error'));
  else if (flagRows.length === 0) append(flagSection, notice('No feature flags defined.'));
  else
    append(
      flagSection,
      table(
        ['Flag', 'Description', 'Effective', 'Override'],
        flagRows.map((f) => {
          const value = current.has(f.key) ? (current.get(f.key) ? 'on' : 'off') : 'none';
          const select = h(
            'select',
            { 'aria-label': `Override for ${f.key}`, disabled: !overridable.get(f.key) },
            ...['none', 'on', 'off'].map((v) => h('option', { value: v, selected: v === value }, v === 'none' ? 'no override' : `force ${v}`)),
          );
          select.addEventListener('change', async () => {
            const c = await db();
            const answer =
              select.value === 'none'
                ? await c.from('feature_flag_overrides').delete().eq('flag_key', f.key)
                : current.has(f.key)
                  ? await c.from('feature_flag_overrides').update({ enabled: select.value === 'on' }).eq('flag_key', f.key)
                  : await c.from('feature_flag_overrides').insert({ flag_key: f.key, enabled: select.value === 'on' });
            if (answer.error) status.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
            else ctx.reload();
          });
          return [h('code', {}, f.key), f.description ?? '', h('span', { class: `badge badge-${f.enabled ? 'fresh' : 'expired'}` }, `${f.enabled ? 'on' : 'off'} (${f.source})`), select];
        }),
        'flags',
      ),
    );

  // Members and roles.
  const memberSection = section('Members and roles');
  const memberRows = (members.data ?? []) as Array<{ user_id: string; email: string; display_name: string | null; role: string; created_at: string }>;
  append(
    memberSection,
    table(
      ['Email', 'Name', 'Role', 'Member since'],
      memberRows.map((m) => {
        const select = h('select', { 'aria-label': `Role of ${m.email}` }, ...['owner', 'admin', 'member'].map((r) => h('option', { value: r, selected: r === m.role }, r)));
        select.addEventListener('change', async () => {
          const answer = await (await db()).from('memberships').update({ role: select.value }).eq('org_id', ctx.claims.org_id).eq('user_id', m.user_id).select('role');
          if (answer.error) status.replaceChildren(notice(apiError(answer.error, answer.status), 'error'));
          else if ((answer.data ?? []).length === 0) status.replaceChildren(notice('Not changed: the API refused the change.', 'error'));
          else ctx.reload();
        });
        return [m.email, m.display_name ?? '—', select, when(m.created_at)];
      }),
      'members',
    ),
  );
  append(container, thresholds, historySection, flagSection, memberSection);
};
