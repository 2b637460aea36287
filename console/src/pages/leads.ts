import { db } from '../api.ts';
import { append, clear, h, notice, section, table, when } from '../dom.ts';
import { apiError, type Page } from './page.ts';
import { rejectsButton } from './upload.ts';

interface Batch {
  id: string;
  status: string;
  rows_total: number;
  rows_merged: number;
  rows_rejected: number;
  leads_created: number;
  leads_updated: number;
  received_at: string;
  merged_at: string | null;
  error: string | null;
}

/** Widths through the CSSOM: the console's CSP allows no inline style attributes. */
function bar(percent: number): HTMLElement {
  const el = h('span', { class: 'funnel-bar' });
  el.style.width = `${percent}%`;
  return el;
}

const STAGES = ['upload_received', 'rows_rejected', 'merged', 'verified', 'fed', 'replied', 'booked'];

export const renderLeads: Page = async (container, ctx) => {
  const client = await db();
  const since = new Date(Date.now() - 30 * 86400 * 1000).toISOString().slice(0, 10);
  const [batches, contactable, funnel] = await Promise.all([
    client.from('lead_import_batches').select('id,status,rows_total,rows_merged,rows_rejected,leads_created,leads_updated,received_at,merged_at,error').order('received_at', { ascending: false }).limit(50),
    client.from('contactable_leads').select('id,first_name,last_name,email,phone,property_city,property_state,lead_score').order('lead_score', { ascending: false }).limit(50),
    client.from('pipeline_funnel').select('day,stage,quantity,events').gte('day', since),
  ]);

  // Import batches and their rejected rows.
  const rejects = h('div', { 'data-testid': 'rejects' });
  async function showRejects(batch: Batch): Promise<void> {
    clear(rejects);
    const answer = await client.from('lead_import_rejects').select('row_number,reason').eq('batch_id', batch.id).order('row_number').limit(500);
    if (answer.error) return void rejects.appendChild(notice(apiError(answer.error, answer.status), 'error'));
    const list = (answer.data ?? []) as Array<{ row_number: number; reason: string }>;
    append(rejects, h('h3', {}, `Rejected rows of the batch received ${when(batch.received_at)}`));
    append(rejects, list.length === 0 ? notice('No rejected rows.') : table(['Row', 'Reason'], list.map((r) => [r.row_number, r.reason]), 'rejects-table'));
    if (list.length > 0) append(rejects, rejectsButton(batch));
  }
  const batchRows = (batches.data ?? []) as Batch[];
  const batchSection = section('Import batches');
  if (batches.error) append(batchSection, notice(apiError(batches.error, batches.status), 'error'));
  else if (batchRows.length === 0) append(batchSection, notice('No lead files imported (batches are visible to owners and admins).'));
  else {
    append(
      batchSection,
      table(
        ['Received', 'Status', 'Progress', 'Rejected', 'Created', 'Updated', ''],
        batchRows.map((b) => {
          const done = b.rows_merged + b.rows_rejected;
          return [
            when(b.received_at),
            h('span', { class: `badge badge-${b.status}` }, b.status),
            h('span', { class: 'progress-cell' }, h('progress', { max: Math.max(b.rows_total, 1), value: b.status === 'merged' ? Math.max(b.rows_total, 1) : done }), `${done} / ${b.rows_total}`),
            b.rows_rejected,
            b.leads_created,
            b.leads_updated,
            b.rows_rejected > 0 ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'show-rejects', onclick: () => void showRejects(b) }, 'Rejects') : b.error ?? '',
          ];
        }),
        'batches',
      ),
      rejects,
    );
  }

  // Contactable leads with their score.
  const leadSection = section('Contactable leads');
  const leads = (contactable.data ?? []) as Array<Record<string, string | number | null>>;
  if (contactable.error) append(leadSection, notice(apiError(contactable.error, contactable.status), 'error'));
  else if (leads.length === 0) append(leadSection, notice('No contactable leads (verified, consented, not suppressed).'));
  else
    append(
      leadSection,
      table(
        ctx.admin ? ['Select', 'Name', 'Email', 'Phone', 'Location', 'Score'] : ['Name', 'Email', 'Phone', 'Location', 'Score'],
        leads.map((l) => [
          ...(ctx.admin ? [h('input', { type: 'checkbox', name: 'lead', value: String(l.id), 'aria-label': `Select ${[l.first_name, l.last_name].filter(Boolean).join(' ') || l.email || 'lead'}` })] : []),
          [l.first_name, l.last_name].filter(Boolean).join(' ') || '—',
          l.email ?? '—',
          l.phone ?? '—',
          [l.property_city, l.property_state].filter(Boolean).join(', ') || '—',
          h('span', { class: 'score' }, h('meter', { min: 0, max: 100, value: Number(l.lead_score) }), String(l.lead_score)),
        ]),
        'contactable',
      ),
    );

  // Pipeline funnel, last 30 days.
  const funnelSection = section('Pipeline, last 30 days');
  if (funnel.error) append(funnelSection, notice(apiError(funnel.error, funnel.status), 'error'));
  else {
    const totals = new Map<string, number>();
    for (const row of (funnel.data ?? []) as Array<{ stage: string; quantity: number }>) totals.set(row.stage, (totals.get(row.stage) ?? 0) + Number(row.quantity));
    const max = Math.max(1, ...totals.values());
    append(
      funnelSection,
      h(
        'div',
        { class: 'funnel', 'data-testid': 'funnel' },
        ...STAGES.map((stage) =>
          h(
            'div',
            { class: 'funnel-row' },
            h('span', { class: 'funnel-label' }, stage.replace(/_/g, ' ')),
            h('span', { class: 'funnel-track' }, bar(((totals.get(stage) ?? 0) / max) * 100)),
            h('span', { class: 'funnel-value' }, String(totals.get(stage) ?? 0)),
          ),
        ),
      ),
    );
  }
  // Enroll in a sequence (admins): the top N contactable leads, or the selected ones.
  if (ctx.admin && leads.length > 0) {
    const campaigns = await client.from('campaigns').select('id,name').order('name');
    const status = h('div', { 'aria-live': 'polite', 'data-testid': 'enroll-status' });
    const campaign = h('select', { id: 'enroll-campaign', required: true }, ...((campaigns.data ?? []) as Array<{ id: string; name: string }>).map((c) => h('option', { value: c.id }, c.name)));
    const top = h('input', { id: 'enroll-top', type: 'number', min: 1, max: 1000, value: Math.min(10, leads.length) });
    const enroll = async (ids: string[]) => {
      if (ids.length === 0) return void status.replaceChildren(notice('Select some leads first.', 'error'));
      const answer = await (await db()).rpc('enroll_leads', { campaign_id: campaign.value, lead_ids: ids });
      status.replaceChildren(answer.error ? notice(apiError(answer.error, answer.status), 'error') : notice(`${answer.data} lead${answer.data === 1 ? '' : 's'} enrolled.`, 'ok'));
    };
    const form = h('form', { class: 'filters', 'data-testid': 'enroll-form' },
      h('label', { for: 'enroll-campaign' }, 'Sequence of campaign', campaign),
      h('label', { for: 'enroll-top' }, 'How many of the top leads', top),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => void enroll([...leadSection.querySelectorAll<HTMLInputElement>('input[name=lead]:checked')].map((i) => i.value)) }, 'Enroll selected'),
        h('button', { type: 'submit' }, 'Enroll top leads')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const n = Math.max(1, Math.min(1000, Number(top.value) || 1));
      const best = await (await db()).from('contactable_leads').select('id').order('lead_score', { ascending: false }).limit(n);
      if (best.error) return void status.replaceChildren(notice(apiError(best.error, best.status), 'error'));
      await enroll(((best.data ?? []) as Array<{ id: string }>).map((r) => r.id));
    });
    append(leadSection, h('h3', {}, 'Enroll in a sequence'), form, status);
  }
  append(container, batchSection, leadSection, funnelSection);
};
