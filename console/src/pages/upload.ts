import { accessToken, db } from '../api.ts';
import { append, h, notice, section, table, when } from '../dom.ts';
import { adminOnly } from './admin.ts';
import { apiError, type Page } from './page.ts';

interface Batch {
  id: string;
  status: string;
  rows_total: number;
  rows_merged: number;
  rows_rejected: number;
  leads_created: number;
  leads_updated: number;
  error: string | null;
  received_at: string;
}

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const mb = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

/** One CSV field, quoted when it must be (RFC 4180); a leading =,+,-,@ is defused for spreadsheets. */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Every rejected row of a batch (paged: PostgREST caps a response at 1000 rows). */
async function rejectsCsv(batchId: string): Promise<{ csv: string; count: number }> {
  const client = await db();
  const rows: Array<{ row_number: number; reason: string; row_data: Record<string, unknown> }> = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await client.from('lead_import_rejects').select('row_number,reason,row_data').eq('batch_id', batchId).order('row_number').range(offset, offset + 999);
    if (page.error) throw new Error(apiError(page.error, page.status));
    rows.push(...((page.data ?? []) as typeof rows));
    if ((page.data ?? []).length < 1000) break;
  }
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r.row_data ?? {})))].filter((k) => k !== 'row_number' && k !== 'reason');
  const lines = [['row_number', 'reason', ...extra].map(csvField).join(',')];
  for (const r of rows) lines.push([r.row_number, r.reason, ...extra.map((k) => r.row_data?.[k])].map(csvField).join(','));
  return { csv: `${lines.join('\r\n')}\r\n`, count: rows.length };
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = h('a', { href: url, download: name, class: 'hidden' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function rejectsButton(batch: { id: string; rows_rejected: number; received_at?: string }): HTMLElement {
  return h('button', { type: 'button', class: 'secondary', 'data-testid': 'download-rejects', onclick: async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    try {
      const { csv } = await rejectsCsv(batch.id);
      download(`rejected-rows-${batch.id.slice(0, 8)}.csv`, csv);
    } finally {
      button.disabled = false;
    }
  } }, `Download ${batch.rows_rejected} rejected row${batch.rows_rejected === 1 ? '' : 's'} (CSV)`);
}

export const renderUpload: Page = async (container) => {
  if (!(await adminOnly(container, 'Lead uploads'))) return;
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true, id: 'lead-file' });
  const submit = h('button', { type: 'submit' }, 'Upload');
  const sent = h('progress', { max: 1, value: 0, id: 'upload-progress', 'data-testid': 'upload-progress' });
  const sentText = h('span', { 'data-testid': 'upload-percent' }, '0 %');
  const merged = h('progress', { max: 1, value: 0, id: 'merge-progress', 'data-testid': 'merge-progress' });
  const mergedText = h('span', { 'data-testid': 'merge-text' }, 'waiting for the upload');
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'upload-status' });
  const result = h('div', { 'data-testid': 'upload-result' });
  const progress = h(
    'div',
    { class: 'progress-block hidden', 'data-testid': 'upload-steps' },
    h('label', { for: 'upload-progress' }, 'Upload'),
    h('div', { class: 'progress-row' }, sent, sentText),
    h('label', { for: 'merge-progress' }, 'Merge'),
    h('div', { class: 'progress-row' }, merged, mergedText),
  );

  const form = h(
    'form',
    { class: 'upload-form', 'data-testid': 'upload-form' },
    h('label', { for: 'lead-file' }, 'Lead file (CSV with a header row)'),
    file,
    h('p', { class: 'muted' }, 'Rows need a key: mak, or county_fips + apn, or property_address + property_zip. The same file is refused for 7 days.'),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return;
    void upload(chosen);
  });

  async function upload(chosen: File): Promise<void> {
    submit.disabled = true;
    result.replaceChildren();
    progress.classList.remove('hidden');
    sent.value = 0;
    merged.value = 0;
    merged.removeAttribute('value');
    sentText.textContent = '0 %';
    mergedText.textContent = 'waiting for the upload';
    status.replaceChildren(notice(`Checking ${chosen.name} (${mb(chosen.size)})…`));
    try {
      // The content hash is the 7-day duplicate key, and the gateway checks the body against it.
      const digest = hex(await crypto.subtle.digest('SHA-256', await chosen.arrayBuffer()));
      const token = await accessToken();
      if (!token) throw new Error('You are signed out.');
      const answer = await new Promise<{ status: number; body: Record<string, string> }>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/uploads/leads');
        xhr.setRequestHeader('authorization', `Bearer ${token}`);
        xhr.setRequestHeader('content-type', 'text/csv');
        xhr.setRequestHeader('x-content-sha256', digest);
        xhr.upload.onprogress = (e) => {
          if (!e.lengthComputable) return;
          sent.max = e.total;
          sent.value = e.loaded;
          sentText.textContent = `${Math.floor((e.loaded / e.total) * 100)} % · ${mb(e.loaded)} of ${mb(e.total)}`;
        };
        xhr.onload = () => {
          let body: Record<string, string> = {};
          try {
            body = JSON.parse(xhr.responseText) as Record<string, string>;
          } catch {
            body = { message: xhr.statusText };
          }
          resolve({ status: xhr.status, body });
        };
        xhr.onerror = () => reject(new Error('The upload was interrupted.'));
        status.replaceChildren(notice(`Uploading ${chosen.name}…`));
        xhr.send(chosen);
      });
      if (answer.status !== 202) {
        progress.classList.add('hidden');
        const text =
          answer.status === 409 ? 'This file was already uploaded in the last 7 days; nothing was imported again.'
          : answer.status === 403 ? 'Access denied: only owners and admins upload lead files.'
          : answer.status === 413 ? 'The file is larger than the gateway accepts.'
          : `${answer.body.message ?? 'The upload failed'} [${answer.status}]`;
        status.replaceChildren(notice(text, 'error'));
        return;
      }
      sent.max = Math.max(chosen.size, 1);
      sent.value = sent.max;
      sentText.textContent = `100 % · ${mb(chosen.size)} sent`;
      status.replaceChildren(notice('Uploaded. Merging…'));
      await follow(answer.body.batch_id);
    } catch (error) {
      status.replaceChildren(notice((error as Error).message, 'error'));
    } finally {
      submit.disabled = false;
    }
  }

  async function follow(batchId: string): Promise<void> {
    for (;;) {
      const answer = await (await db()).from('lead_import_batches').select('id,status,rows_total,rows_merged,rows_rejected,leads_created,leads_updated,error,received_at').eq('id', batchId).maybeSingle();
      if (answer.error) throw new Error(apiError(answer.error, answer.status));
      const b = answer.data as Batch | null;
      if (b) {
        const done = b.status === 'merged' ? b.rows_total : b.rows_merged + b.rows_rejected;
        merged.max = Math.max(b.rows_total, 1);
        merged.value = Math.min(done, merged.max);
        mergedText.textContent = `${b.status} · ${done.toLocaleString('en-US')} of ${b.rows_total.toLocaleString('en-US')} rows`;
        if (b.status === 'merged' || b.status === 'failed') return showResult(b);
      }
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
  }

  function showResult(b: Batch): void {
    status.replaceChildren(notice(b.status === 'merged' ? 'Merge finished.' : `The merge failed: ${b.error ?? 'unknown error'}`, b.status === 'merged' ? 'ok' : 'error'));
    result.replaceChildren(
      h(
        'dl',
        { class: 'kv', 'data-testid': 'upload-summary' },
        h('dt', {}, 'Rows'), h('dd', { 'data-field': 'rows' }, String(b.rows_total)),
        h('dt', {}, 'Leads created'), h('dd', { 'data-field': 'created' }, String(b.leads_created)),
        h('dt', {}, 'Leads updated'), h('dd', { 'data-field': 'updated' }, String(b.leads_updated)),
        h('dt', {}, 'Rejected rows'), h('dd', { 'data-field': 'rejected' }, String(b.rows_rejected)),
      ),
      b.rows_rejected > 0 ? rejectsButton(b) : h('p', {}, 'No row was rejected.'),
    );
    void refreshRecent();
  }

  // Recent batches, each with its rejected rows as CSV (reloaded after each upload).
  const recentSection = section('Recent lead files');
  const recentBody = h('div', {});
  append(recentSection, recentBody);
  async function refreshRecent(): Promise<void> {
    const recent = await (await db()).from('lead_import_batches').select('id,status,rows_total,rows_merged,rows_rejected,leads_created,leads_updated,error,received_at').order('received_at', { ascending: false }).limit(10);
    if (recent.error) return void recentBody.replaceChildren(notice(apiError(recent.error, recent.status), 'error'));
    if ((recent.data ?? []).length === 0) return void recentBody.replaceChildren(notice('No lead file uploaded yet.'));
    recentBody.replaceChildren(
      table(
        ['Received', 'Status', 'Rows', 'Created', 'Updated', 'Rejected'],
        ((recent.data ?? []) as Batch[]).map((b) => [when(b.received_at), h('span', { class: `badge badge-${b.status}` }, b.status), b.rows_total, b.leads_created, b.leads_updated, b.rows_rejected > 0 ? rejectsButton(b) : '0']),
        'recent-batches',
      ),
    );
  }
  await refreshRecent();
  append(container, section('Upload a lead file', form, progress, status, result), recentSection);
};
