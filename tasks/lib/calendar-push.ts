import ical, { ICalEventStatus } from 'ical-generator';
import { createCalendarObject, deleteCalendarObject, updateCalendarObject } from 'tsdav';
import { basicAuth, type Query } from './calendar-sync.ts';
import { safeFetch } from './safe-fetch.ts';

/**
 * CalDAV write-back of one appointment into one calendar, idempotent: the object's name
 * and UID are the appointment id; what the calendar holds (href, ETag, SEQUENCE) is kept in
 * app_private.calendar_writes. Booked and not yet written: PUT with If-None-Match: *.
 * Booked with a higher SEQUENCE than written (a reschedule): PUT with If-Match on the ETag.
 * Cancelled: DELETE. Written at the current SEQUENCE: nothing (a retried job changes nothing).
 */
interface WriteState extends Record<string, unknown> {
  url: string;
  username: string | null;
  password: string | null;
  write: boolean;
  status: 'booked' | 'cancelled' | null;
  starts_at: Date | null;
  ends_at: Date | null;
  sequence: number | null;
  summary: string;
  created_at: Date | null;
  updated_at: Date | null;
  href: string | null;
  etag: string | null;
  written_sequence: number | null;
}

export type PushResult = 'created' | 'updated' | 'deleted' | 'unchanged' | 'skipped';

export function appointmentIcs(id: string, s: Pick<WriteState, 'starts_at' | 'ends_at' | 'sequence' | 'summary' | 'created_at' | 'updated_at'>): string {
  const cal = ical({ prodId: { company: 'Switchboard', product: 'Switchboard bookings', language: 'EN' } });
  cal.createEvent({
    id,
    start: s.starts_at!,
    end: s.ends_at!,
    summary: s.summary,
    sequence: s.sequence ?? 0,
    stamp: s.updated_at ?? new Date(),
    created: s.created_at,
    lastModified: s.updated_at,
    status: ICalEventStatus.CONFIRMED,
    x: [{ key: 'X-SWITCHBOARD-APPOINTMENT', value: id }],
  });
  return cal.toString();
}

class PushError extends Error {}

export async function pushAppointment(query: Query, orgId: string, sourceId: string, appointmentId: string, encryptionKey: string): Promise<PushResult> {
  const { rows } = await query<WriteState>('select * from app_private.calendar_write_state($1, $2, $3, $4)',
    [orgId, sourceId, appointmentId, encryptionKey]);
  if (!rows.length) return 'skipped';
  const s = rows[0];
  const fetch = safeFetch();
  const headers = basicAuth(s.username, s.password);
  const calendarUrl = s.url.endsWith('/') ? s.url : `${s.url}/`;
  const filename = `${appointmentId}.ics`;
  const href = s.href ?? new URL(filename, calendarUrl).toString();
  const done = (etag: string | null, sequence: number) =>
    query('select app_private.calendar_write_done($1, $2, $3, $4, $5, $6)', [orgId, sourceId, appointmentId, href, etag, sequence]);

  if (s.status !== 'booked') {
    // Cancelled (or gone): remove what we wrote; a 404 means it is already gone.
    if (!s.href && s.status === null) return 'skipped';
    const res = await deleteCalendarObject({ calendarObject: { url: href, etag: undefined }, headers, fetch });
    if (!res.ok && res.status !== 404 && res.status !== 410) throw new PushError(`DELETE answered HTTP ${res.status}`);
    await query('select app_private.calendar_write_forget($1, $2, $3)', [orgId, sourceId, appointmentId]);
    return 'deleted';
  }
  if (!s.write) return 'skipped';
  if (s.href && s.written_sequence !== null && s.written_sequence >= (s.sequence ?? 0)) return 'unchanged';
  const data = appointmentIcs(appointmentId, s);
  const etagOf = async (res: Response) => res.headers.get('etag') ?? (await currentEtag(href, headers, fetch));
  if (!s.href) {
    const res = await createCalendarObject({ calendar: { url: calendarUrl }, filename, iCalString: data, headers, fetch });
    if (res.ok) {
      await done(await etagOf(res), s.sequence ?? 0);
      return 'created';
    }
    // 412: an earlier attempt created it but did not live to record it. Fall through to update.
    if (res.status !== 412) throw new PushError(`PUT answered HTTP ${res.status}`);
  }
  let etag = s.etag ?? (await currentEtag(href, headers, fetch));
  let res = await updateCalendarObject({ calendarObject: { url: href, data, etag: etag ?? undefined }, headers, fetch });
  if (res.status === 412) {
    // Changed in the calendar since our last write: the booking is the truth; write it again on the new ETag.
    etag = await currentEtag(href, headers, fetch);
    res = await updateCalendarObject({ calendarObject: { url: href, data, etag: etag ?? undefined }, headers, fetch });
  }
  if (res.status === 404 && !s.href) throw new PushError('PUT answered HTTP 404');
  if (!res.ok) throw new PushError(`PUT answered HTTP ${res.status}`);
  await done(await etagOf(res), s.sequence ?? 0);
  return 'updated';
}

async function currentEtag(href: string, headers: Record<string, string>, fetch: typeof globalThis.fetch): Promise<string | null> {
  const res = await fetch(href, { method: 'HEAD', headers });
  return res.ok ? res.headers.get('etag') : null;
}
