import { consoleRpc, db } from '../api.ts';
import { append, confirmDialog, h, notice, section, table, when } from '../dom.ts';
import { MissingVariableError, renderEmail } from '../../../tasks/lib/email-render.ts';
import { adminOnly, hashParams } from './admin.ts';
import { apiError, type Page } from './page.ts';

interface Account {
  id: string;
  name: string;
  from_email: string;
  from_name: string | null;
  daily_cap: number;
  window_days: number[];
  window_start: string;
  window_end: string;
  min_gap_seconds: number;
  enabled: boolean;
  disabled_reason: string | null;
  last_sent_at: string | null;
}

interface Step {
  id: string;
  position: number;
  subject_template: string | null;
  html_template: string;
  text_template: string | null;
  delay_days: number;
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const STATES = ['queued', 'sent', 'failed', 'skipped'] as const;
const hhmm = (t: string) => t.slice(0, 5);

export const renderSequences: Page = async (container, ctx) => {
  if (!(await adminOnly(container, 'Sequences and sending accounts'))) return;
  const client = await db();
  const [accounts, usage, campaigns] = await Promise.all([
    client.from('sending_accounts').select('id,name,from_email,from_name,daily_cap,window_days,window_start,window_end,min_gap_seconds,enabled,disabled_reason,last_sent_at').order('created_at'),
    client.rpc('sending_account_usage_today'),
    client.from('campaigns').select('id,name').order('name'),
  ]);
  for (const a of [accounts, usage, campaigns]) if (a.error) return void container.appendChild(notice(apiError(a.error, a.status), 'error'));
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'sequences-status' });
  const say = (text: string, kind: 'ok' | 'error' = 'ok') => status.replaceChildren(notice(text, kind));
  append(container, status);

  // ---- Sending accounts -------------------------------------------------------------
  const used = new Map(((usage.data ?? []) as Array<{ account_id: string; sent: number }>).map((u) => [u.account_id, u.sent]));
  const accountRows = (accounts.data ?? []) as Account[];
  const editBox = h('div', {});
  function editAccount(a: Account): void {
    const cap = h('input', { type: 'number', id: 'acc-cap', min: 1, max: 10000, value: a.daily_cap, required: true });
    const start = h('input', { type: 'time', id: 'acc-start', value: hhmm(a.window_start), required: true });
    const end = h('input', { type: 'time', id: 'acc-end', value: hhmm(a.window_end), required: true });
    const gap = h('input', { type: 'number', id: 'acc-gap', min: 0, max: 86400, value: a.min_gap_seconds, required: true });
    const days = h('fieldset', { class: 'checks' }, h('legend', {}, 'Sending days'),
      ...DAYS.map((d, i) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'day', value: i + 1, checked: a.window_days.includes(i + 1) }), d)));
    const form = h('form', { class: 'filters', 'data-testid': 'account-edit' },
      h('label', { for: 'acc-cap' }, 'Daily cap', cap), h('label', { for: 'acc-start' }, 'Window starts', start),
      h('label', { for: 'acc-end' }, 'Window ends', end), h('label', { for: 'acc-gap' }, 'Minimum gap (seconds)', gap), days,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => editBox.replaceChildren() }, 'Cancel'), h('button', { type: 'submit' }, `Save ${a.name}`)));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const windowDays = [...form.querySelectorAll<HTMLInputElement>('input[name=day]:checked')].map((i) => Number(i.value));
      const answer = await (await db()).from('sending_accounts').update({ daily_cap: Number(cap.value), window_start: start.value, window_end: end.value, min_gap_seconds: Number(gap.value), window_days: windowDays }).eq('id', a.id);
      if (answer.error) return say(apiError(answer.error, answer.status), 'error');
      ctx.reload();
    });
    editBox.replaceChildren(section(`Edit ${a.name}`, form));
    cap.focus();
  }
  const accountList = section('Sending accounts');
  if (accountRows.length === 0) append(accountList, notice('No sending accounts yet: add a mailbox below.'));
  else
    append(
      accountList,
      table(
        ['Account', 'Today', 'Window', 'Gap', 'State', ''],
        accountRows.map((a) => {
          const sent = used.get(a.id) ?? 0;
          const password = h('input', { type: 'password', autocomplete: 'new-password', placeholder: 'New password', 'aria-label': `New SMTP password for ${a.name}` });
          return [
            h('span', {}, a.name, h('br', {}), h('span', { class: 'muted' }, a.from_email)),
            h('span', { class: 'score' }, h('meter', { min: 0, max: a.daily_cap, value: sent, 'aria-label': `${sent} of ${a.daily_cap} sent today` }), `${sent} / ${a.daily_cap}`),
            `${a.window_days.map((d) => DAYS[d - 1]).join(' ')} ${hhmm(a.window_start)}–${hhmm(a.window_end)}`,
            `${a.min_gap_seconds} s`,
            h('span', {}, h('span', { class: `badge badge-${a.enabled ? 'healthy' : 'disabled'}` }, a.enabled ? 'enabled' : 'disabled'), a.disabled_reason ? h('span', { class: 'muted' }, ` ${a.disabled_reason}`) : ''),
            h('div', { class: 'row-actions' },
              h('button', { type: 'button', class: 'secondary', onclick: () => editAccount(a) }, 'Edit'),
              password,
              h('button', { type: 'button', class: 'secondary', onclick: async () => {
                if (!password.value) return say('Type the new password first.', 'error');
                const answer = await consoleRpc('set_sending_account_password', { account_id: a.id, smtp_password: password.value });
                password.value = '';
                if (answer.error) return say(apiError(answer.error, answer.status), 'error');
                ctx.reload();
              } }, a.enabled ? 'Set password' : 'Set password and re-enable')),
          ];
        }),
        'accounts',
      ),
    );
  const f = (name: string, label: string, attrs: Record<string, string | number | boolean> = {}) => {
    const input = h('input', { name, id: `new-${name}`, ...attrs });
    return h('label', { for: `new-${name}` }, label, input);
  };
  const addAccount = h('form', { class: 'filters', 'data-testid': 'add-account' },
    f('from_email', 'From address', { type: 'email', required: true }), f('from_name', 'From name'), f('name', 'Label'),
    f('smtp_host', 'SMTP host', { required: true }), f('smtp_port', 'SMTP port', { type: 'number', value: 587, min: 1, max: 65535 }),
    f('smtp_user', 'SMTP user', { required: true }), f('smtp_password', 'SMTP password (stored encrypted, never shown again)', { type: 'password', required: true, autocomplete: 'new-password' }),
    f('daily_cap', 'Daily cap', { type: 'number', value: 50, min: 1, max: 10000 }),
    h('label', { class: 'check', for: 'new-smtp_secure' }, h('input', { type: 'checkbox', id: 'new-smtp_secure', name: 'smtp_secure' }), 'TLS from the first byte (port 465)'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add account')));
  addAccount.addEventListener('submit', async (event) => {
    event.preventDefault();
    const v = (n: string) => (addAccount.querySelector<HTMLInputElement>(`[name=${n}]`)?.value ?? '').trim();
    const answer = await consoleRpc('create_sending_account', {
      from_email: v('from_email'), smtp_host: v('smtp_host'), smtp_user: v('smtp_user'),
      smtp_password: addAccount.querySelector<HTMLInputElement>('[name=smtp_password]')!.value,
      name: v('name') || null, from_name: v('from_name') || null, smtp_port: Number(v('smtp_port') || 587),
      smtp_secure: addAccount.querySelector<HTMLInputElement>('[name=smtp_secure]')!.checked, daily_cap: Number(v('daily_cap') || 50),
    });
    if (answer.error) return say(apiError(answer.error, answer.status), 'error');
    ctx.reload();
  });
  append(container, accountList, editBox, section('Add a sending account', addAccount));

  // ---- A campaign's sequence --------------------------------------------------------
  const campaignRows = (campaigns.data ?? []) as Array<{ id: string; name: string }>;
  const campaignId = hashParams().get('campaign') ?? campaignRows[0]?.id ?? '';
  const picker = h('select', { id: 'sequence-campaign', onchange: (e: Event) => { location.hash = `#/sequences?campaign=${(e.target as HTMLSelectElement).value}`; } },
    ...campaignRows.map((c) => h('option', { value: c.id, selected: c.id === campaignId }, c.name)));
  const seq = section('Sequence', h('label', { for: 'sequence-campaign' }, 'Campaign', picker));
  append(container, seq);
  if (!campaignId) return void append(seq, notice('No campaigns yet.'));
  const [steps, contacts] = await Promise.all([
    client.from('sequence_steps').select('id,position,subject_template,html_template,text_template,delay_days').eq('campaign_id', campaignId).order('position'),
    client.from('contacts').select('id,first_name,last_name,email').order('created_at', { ascending: false }).limit(200),
  ]);
  if (steps.error) return void append(seq, notice(apiError(steps.error, steps.status), 'error'));
  const stepRows = (steps.data ?? []) as Step[];

  const subject = h('input', { id: 'step-subject', name: 'subject', maxlength: 998, placeholder: 'Quick question, {{first_name}}' });
  const html = h('textarea', { id: 'step-html', name: 'html', rows: 6, required: true, placeholder: '<p>Hi {{first_name}},</p>' });
  const text = h('textarea', { id: 'step-text', name: 'text', rows: 3, placeholder: 'Derived from the HTML when empty' });
  const delay = h('input', { id: 'step-delay', name: 'delay', type: 'number', min: 0, max: 365, value: stepRows.length ? 3 : 0 });
  let editing: Step | null = null;
  const save = h('button', { type: 'submit' }, 'Add step');
  const stepForm = h('form', { class: 'step-form', 'data-testid': 'step-form' },
    h('label', { for: 'step-subject' }, 'Subject (empty on a follow-up: “Re:” the first subject, same thread)', subject),
    h('label', { for: 'step-html' }, 'HTML body ({{ variables }} are escaped)', html),
    h('label', { for: 'step-text' }, 'Text body', text),
    h('label', { for: 'step-delay' }, 'Days after the previous step', delay),
    h('div', { class: 'actions' }, save));
  const fillStep = (s: Step | null) => {
    editing = s;
    subject.value = s?.subject_template ?? '';
    html.value = s?.html_template ?? '';
    text.value = s?.text_template ?? '';
    delay.value = String(s?.delay_days ?? 3);
    save.textContent = s ? `Save step ${s.position}` : 'Add step';
    if (s) subject.focus();
  };
  stepForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = { subject_template: subject.value.trim() || null, html_template: html.value, text_template: text.value.trim() || null, delay_days: Number(delay.value || 0) };
    const c = await db();
    const answer = editing
      ? await c.from('sequence_steps').update(values).eq('id', editing.id)
      : await c.from('sequence_steps').insert({ ...values, campaign_id: campaignId, position: (stepRows.at(-1)?.position ?? 0) + 1 });
    if (answer.error) return say(apiError(answer.error, answer.status), 'error');
    ctx.reload();
  });

  // Preview with the sender's renderer and a chosen contact's variables.
  const contactPick = h('select', { id: 'preview-contact' }, ...((contacts.data ?? []) as Array<{ id: string; first_name: string | null; last_name: string | null; email: string }>).map((k) =>
    h('option', { value: k.id }, `${[k.first_name, k.last_name].filter(Boolean).join(' ') || '(no name)'} <${k.email}>`)));
  const stepPick = h('select', { id: 'preview-step' }, ...stepRows.map((s) => h('option', { value: s.id }, `Step ${s.position}`)));
  const preview = h('div', { 'data-testid': 'preview', 'aria-live': 'polite' });
  const previewForm = h('form', { class: 'filters', 'data-testid': 'preview-form' },
    h('label', { for: 'preview-step' }, 'Step', stepPick), h('label', { for: 'preview-contact' }, 'Contact', contactPick),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Preview')));
  previewForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const step = stepRows.find((s) => s.id === stepPick.value);
    if (!step) return;
    const vars = await (await db()).rpc('email_preview_variables', { contact_id: contactPick.value });
    if (vars.error) return void preview.replaceChildren(notice(apiError(vars.error, vars.status), 'error'));
    const first = stepRows[0];
    const subjectTemplate = step.subject_template ?? (first?.subject_template ? `Re: ${first.subject_template}` : '');
    try {
      const r = renderEmail({ subject: subjectTemplate, html: step.html_template, text: step.text_template }, (vars.data ?? {}) as Record<string, unknown>);
      preview.replaceChildren(
        h('dl', { class: 'kv' },
          h('dt', {}, 'Subject'), h('dd', { 'data-field': 'subject' }, r.subject),
          h('dt', {}, 'HTML as sent'), h('dd', {}, h('pre', { class: 'source', 'data-field': 'html' }, r.html)),
          h('dt', {}, 'Text part'), h('dd', {}, h('pre', { class: 'source', 'data-field': 'text' }, r.text))),
        h('p', { class: 'muted' }, 'Values are HTML-escaped in the HTML part (shown here as its source), plain in the text part, and line breaks are removed from the subject.'),
      );
    } catch (error) {
      preview.replaceChildren(notice(error instanceof MissingVariableError ? `This contact cannot get this step: ${error.message}. The sender skips it.` : (error as Error).message, 'error'));
    }
  });

  // The queue per step.
  const counts = await Promise.all(stepRows.flatMap((s) => STATES.map(async (state) => {
    const answer = await client.from('emails').select('id', { count: 'exact', head: true }).eq('campaign_id', campaignId).eq('step_position', s.position).eq('status', state);
    return [s.position, state, answer.count ?? 0] as const;
  })));
  const count = (position: number, state: string) => counts.find((c) => c[0] === position && c[1] === state)?.[2] ?? 0;
  async function bulk(position: number, from: string, to: 'skipped' | 'queued'): Promise<void> {
    const ids = await (await db()).from('emails').select('id').eq('campaign_id', campaignId).eq('step_position', position).eq('status', from).limit(1000);
    if (ids.error) return say(apiError(ids.error, ids.status), 'error');
    const answer = await (await db()).rpc('batch_update_email_status', { ids: (ids.data ?? []).map((r: { id: string }) => r.id), status: to });
    if (answer.error) return say(apiError(answer.error, answer.status), 'error');
    say(`${answer.data} email${answer.data === 1 ? '' : 's'} ${to === 'skipped' ? 'skipped' : 'queued again'}.`);
    ctx.reload();
  }

  append(
    seq,
    stepRows.length === 0
      ? notice('No steps yet: add the first email below.')
      : table(
          ['Step', 'Delay', 'Subject', 'Queued', 'Sent', 'Failed', 'Skipped', ''],
          stepRows.map((s, i) => [
            String(s.position),
            `${s.delay_days} d`,
            s.subject_template ?? 'Re: (thread)',
            String(count(s.position, 'queued')),
            String(count(s.position, 'sent')),
            String(count(s.position, 'failed')),
            String(count(s.position, 'skipped')),
            h('div', { class: 'row-actions' },
              h('button', { type: 'button', class: 'secondary small', disabled: i === 0, 'aria-label': `Move step ${s.position} up`, onclick: async () => {
                const a = await (await db()).rpc('move_sequence_step', { step_id: s.id, direction: -1 });
                if (a.error) return say(apiError(a.error, a.status), 'error');
                ctx.reload();
              } }, '↑'),
              h('button', { type: 'button', class: 'secondary small', disabled: i === stepRows.length - 1, 'aria-label': `Move step ${s.position} down`, onclick: async () => {
                const a = await (await db()).rpc('move_sequence_step', { step_id: s.id, direction: 1 });
                if (a.error) return say(apiError(a.error, a.status), 'error');
                ctx.reload();
              } }, '↓'),
              h('button', { type: 'button', class: 'secondary small', onclick: () => fillStep(s) }, 'Edit'),
              h('button', { type: 'button', class: 'secondary small', disabled: count(s.position, 'queued') === 0, onclick: () => void bulk(s.position, 'queued', 'skipped') }, 'Skip queued'),
              h('button', { type: 'button', class: 'secondary small', disabled: count(s.position, 'failed') + count(s.position, 'skipped') === 0, onclick: () => void bulk(s.position, count(s.position, 'failed') ? 'failed' : 'skipped', 'queued') }, 'Requeue'),
              h('button', { type: 'button', class: 'danger small', onclick: async () => {
                if (!(await confirmDialog(`Delete step ${s.position}? Its queued emails are skipped.`, 'Delete step'))) return;
                const a = await (await db()).from('sequence_steps').delete().eq('id', s.id);
                if (a.error) return say(apiError(a.error, a.status), 'error');
                ctx.reload();
              } }, 'Delete')),
          ]),
          'steps',
        ),
    h('h3', {}, 'Add or edit a step'),
    stepForm,
    h('h3', {}, 'Preview'),
    stepRows.length ? previewForm : notice('Add a step to preview it.'),
    preview,
  );
  void when;
};
