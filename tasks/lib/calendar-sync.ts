import { createHash } from 'node:crypto';
import { calendarQuery, isCollectionDirty } from 'tsdav';
import { busyBlocks, type BusyBlock } from './ical-busy.ts';
import { safeFetch } from './safe-fetch.ts';

/**
 * One sync of one busy source. iCalendar URL: a conditional GET (If-None-Match /
 * If-Modified-Since); a 304, or a body whose hash is unchanged, touches no busy block.
 * CalDAV (tsdav): a PROPFIND of the collection's ctag; when it is unchanged that one request
 * is the whole sync; otherwise one REPORT calendar-query with a time range returns the
 * events, which are expanded here. Any failure keeps the last good blocks and is recorded
 * (app_private.calendar_sync_failed), never thrown past this function.
 */
export type Query = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<{ rows: R[] }>;

interface SourceRow extends Record<string, unknown> {
  kind: 'ics' | 'caldav';
  url: string;
  username: string | null;
  password: string | null;
  resource_id: string;
  enabled: boolean;
  etag: string | null;
  ctag: string | null;
  content_hash: string | null;
  timezone: string;
}

export interface SyncResult {
  status: 'changed' | 'unchanged' | 'failed' | 'skipped';
  blocks?: number;
  error?: string;
  requests: number;
}

export const syncWindowDays = () => Number(process.env.CALENDAR_SYNC_DAYS ?? 180);

export function basicAuth(username: string | null, password: string | null): Record<string, string> {
  if (!username && !password) return {};
  return { authorization: `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}` };
}

/** Errors a person can act on; never the password, never a stack. */
function describe(error: unknown, status?: number): string {
  if (status === 401 || status === 403) return `authentication failed (HTTP ${status}): check the user name and app password`;
  if (status === 404) return 'calendar not found (HTTP 404): check the URL';
  const msg = (error as Error)?.message ?? String(error);
  return msg.replace(/\/\/[^@/\s]*@/g, '//').slice(0, 400);
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function syncIcs(src: SourceRow, from: Date, to: Date, counter: { n: number }) {
  const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'Switchboard-Calendar/1.0', ...basicAuth(src.username, src.password) };
  if (src.etag) headers['if-none-match'] = src.etag;
  counter.n++;
  const res = await safeFetch()(src.url, { headers });
  if (res.status === 304) return { unchanged: true as const, etag: src.etag };
  if (!res.ok) throw new HttpError(res.status, `HTTP ${res.status} from the calendar`);
  const text = await res.text();
  const hash = createHash('sha256').update(text).digest('hex');
  const etag = res.headers.get('etag');
  if (hash === src.content_hash) return { unchanged: true as const, etag };
  if (!/BEGIN:VCALENDAR/i.test(text)) throw new Error('the URL did not return iCalendar data (no BEGIN:VCALENDAR)');
  return { unchanged: false as const, blocks: busyBlocks(text, from, to, src.timezone), etag, hash };
}

async function syncCaldav(src: SourceRow, from: Date, to: Date, counter: { n: number }) {
  const fetch = safeFetch();
  const headers = basicAuth(src.username, src.password);
  const url = src.url.endsWith('/') ? src.url : `${src.url}/`;
  counter.n++;
  let dirty: { isDirty: boolean; newCtag: string };
  try {
    dirty = await isCollectionDirty({ collection: { url, ctag: src.ctag ?? undefined }, headers, fetch });
  } catch (error) {
    const m = /status check failed: (\d{3})/.exec((error as Error).message);
    if (m) throw new HttpError(Number(m[1]), (error as Error).message);
    throw error;
  }
  if (!dirty.isDirty) return { unchanged: true as const, ctag: dirty.newCtag };
  const stamp = (d: Date) => `${d.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
  counter.n++;
  const responses = await calendarQuery({
    url,
    props: { 'd:getetag': {}, 'c:calendar-data': {} },
    filters: [{ 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: 'VEVENT' }, 'time-range': { _attributes: { start: stamp(from), end: stamp(to) } } } } }],
    depth: '1',
    headers,
    fetch,
  });
  const blocks: BusyBlock[] = [];
  const hash = createHash('sha256');
  for (const r of responses) {
    if (!r || (r.href === undefined && r.props === undefined)) continue;
    if (!r.ok) throw new HttpError(r.status, `HTTP ${r.status} ${r.statusText ?? ''} on REPORT`.trim());
    const raw = r.props?.calendarData as unknown;
    const data = typeof raw === 'string' ? raw : (raw as { _cdata?: string; _text?: string } | undefined)?._cdata ?? (raw as { _text?: string } | undefined)?._text;
    if (!data) continue;
    hash.update(data);
    blocks.push(...busyBlocks(data, from, to, src.timezone));
  }
  const digest = hash.digest('hex');
  // A server without ctags (or a ctag that moved for nothing): the same events write nothing.
  if (digest === src.content_hash) return { unchanged: true as const, ctag: dirty.newCtag };
  return { unchanged: false as const, blocks, ctag: dirty.newCtag, hash: digest };
}

export async function syncSource(query: Query, orgId: string, sourceId: string, encryptionKey: string): Promise<SyncResult> {
  const { rows } = await query<SourceRow>(
    'select * from app_private.calendar_source_for_sync($1, $2, $3)', [orgId, sourceId, encryptionKey]);
  const counter = { n: 0 };
  if (!rows.length || !rows[0].enabled) return { status: 'skipped', requests: 0 };
  const src = rows[0];
  const from = new Date(Date.now() - 24 * 3600_000);
  const to = new Date(Date.now() + syncWindowDays() * 24 * 3600_000);
  try {
    if (src.kind === 'ics') {
      const r = await syncIcs(src, from, to, counter);
      if (r.unchanged) {
        await query('select app_private.calendar_sync_unchanged($1, $2, $3, null)', [orgId, sourceId, r.etag]);
        return { status: 'unchanged', requests: counter.n };
      }
      const { rows: n } = await query<{ n: number }>('select app_private.calendar_sync_apply($1, $2, $3, $4, null, $5) as n',
        [orgId, sourceId, JSON.stringify(r.blocks), r.etag, r.hash]);
      return { status: 'changed', blocks: n[0].n, requests: counter.n };
    }
    const r = await syncCaldav(src, from, to, counter);
    if (r.unchanged) {
      await query('select app_private.calendar_sync_unchanged($1, $2, null, $3)', [orgId, sourceId, r.ctag]);
      return { status: 'unchanged', requests: counter.n };
    }
    const { rows: n } = await query<{ n: number }>('select app_private.calendar_sync_apply($1, $2, $3, null, $4, $5) as n',
      [orgId, sourceId, JSON.stringify(r.blocks), r.ctag ?? null, r.hash]);
    return { status: 'changed', blocks: n[0].n, requests: counter.n };
  } catch (error) {
    const message = describe(error, (error as HttpError).status);
    await query('select app_private.calendar_sync_failed($1, $2, $3)', [orgId, sourceId, message]);
    return { status: 'failed', error: message, requests: counter.n };
  }
}
