import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import ICAL from 'ical.js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config.ts';
import { waitFor } from '../../lib/ports.ts';
import { syncSource, type Query } from '../../tasks/lib/calendar-sync.ts';
import { cli, createOrg, login, ownerPool, rest, stack } from './helpers.ts';
import { type Radicale, startRadicale } from './radicale.ts';

/**
 * Calendars end to end: busy times from a real CalDAV server (Radicale) and from an .ics
 * URL block the right slots, bookings are written back to CalDAV, the subscription feed
 * reads back with ical.js, and bookings racing a sync never overlap a block committed first.
 */

// The test process syncs in-process (syncSource, exactly what the worker task runs) against
// loopback servers: the operator's SSRF allowance is on here as in the worker of the stack.
process.env.DELIVERY_ALLOW_PRIVATE_URLS = '1';
// The DST test's events are up to 16 months ahead.
process.env.CALENDAR_SYNC_DAYS = '500';

let owner: pg.Pool;
let radicale: Radicale;
let key: string;
const ownerQuery = (): Query => (sql, params) => owner.query(sql, params as unknown[]) as never;

const rpc = (name: string, token: string, body: unknown) =>
  rest(`/rpc/${name}`, token, { method: 'POST', body: JSON.stringify(body) });

async function newResource(token: string, name: string, slotMinutes = 60): Promise<string> {
  const res = await rest('/resources', token, {
    method: 'POST', headers: { prefer: 'return=representation' }, body: JSON.stringify({ name, slot_minutes: slotMinutes }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as Array<{ id: string }>)[0].id;
}

async function orgIn(timezone: string, name: string) {
  const org = await createOrg(name);
  await owner.query('update app_public.organizations set timezone = $2 where id = $1', [org.orgId, timezone]);
  const token = await login(org.email, org.password);
  return { ...org, token };
}

const sync = (orgId: string, sourceId: string) => syncSource(ownerQuery(), orgId, sourceId, key);

/**
 * `npx switchboard calendar source add …`; the new source's first sync is queued for the
 * worker of the stack at once: wait for it, so the test's own syncs never interleave with it.
 */
async function addSource(...args: string[]): Promise<string> {
  const { source_id: sourceId } = await cli<{ source_id: string }>('calendar', 'source', 'add', ...args);
  await waitFor(async () => (await owner.query(
    'select 1 from app_public.calendar_sources where id = $1 and (last_synced_at is not null or consecutive_failures > 0)', [sourceId])).rowCount === 1,
  'the first sync by the worker', 30_000);
  return sourceId;
}
const busyCount = async (sourceId: string) =>
  (await owner.query<{ n: number }>('select count(*)::int as n from app_public.external_busy where source_id = $1', [sourceId])).rows[0].n;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** iCalendar local date-time text of a UTC-components date (used as wall-clock digits). */
const icsLocal = (d: Date, h: number, m = 0) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(h)}${pad(m)}00`;
const icsDate = (d: Date) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);
const ymd = (d: Date) => d.toISOString().slice(0, 10);

const BERLIN = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');

const vcalendar = (...parts: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Switchboard tests//EN', ...parts, 'END:VCALENDAR', ''].join('\r\n');
const vevent = (lines: string[]) => ['BEGIN:VEVENT', `DTSTAMP:20260101T000000Z`, ...lines, 'END:VEVENT'].join('\r\n');

async function put(href: string, body: string, auth: Record<string, string>) {
  const res = await fetch(href, { method: 'PUT', headers: { ...auth, 'content-type': 'text/calendar; charset=utf-8' }, body });
  expect([201, 204]).toContain(res.status);
}

/** Free slot start hours (in `zone`) of a resource's local day, from check_availability. */
async function freeHours(token: string, resourceId: string, day: string, zone: string): Promise<number[]> {
  const res = await rpc('check_availability', token, { resource_id: resourceId, day });
  expect(res.status).toBe(200);
  const slots = (await res.json()) as Array<{ starts_at: string }>;
  return slots.map((s) => Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(s.starts_at))));
}

beforeAll(async () => {
  owner = ownerPool();
  key = resolveConfig(stack().env).encryptionKey;
  radicale = await startRadicale();
});

afterAll(async () => {
  radicale?.stop();
  await owner?.end();
});

describe('CalDAV busy times (Radicale)', () => {
  it('a weekly Europe/Berlin event with an EXDATE and a moved occurrence blocks exactly the right New York slots across the DST change', async () => {
    const org = await orgIn('America/New_York', 'Calendars DST');
    const resourceId = await newResource(org.token, 'Dr. Berlin');
    const cal = await radicale.makeCalendar(`dst-${Date.now()}`);

    // Next year's March: the US changes clocks on its 2nd Sunday, the EU on its last, so for
    // two or three weeks New York is 5 hours behind Berlin instead of 6.
    const year = new Date().getUTCFullYear() + 1;
    const firstTuesday = (() => {
      let d = new Date(Date.UTC(year, 2, 1));
      while (d.getUTCDay() !== 2) d = addDays(d, 1);
      return d;
    })();
    const sundays = (month: number) => Array.from({ length: 31 }, (_, i) => new Date(Date.UTC(year, month, i + 1)))
      .filter((d) => d.getUTCMonth() === month && d.getUTCDay() === 0);
    const usDst = sundays(2)[1];
    const euDst = sundays(2).at(-1)!;
    const occurrences = Array.from({ length: 6 }, (_, i) => addDays(firstTuesday, 7 * i));
    const excluded = occurrences[3];
    const movedFrom = occurrences[4];
    const movedTo = addDays(movedFrom, 1);
    // Independent of the code under test: Berlin is UTC+1 before euDst, +2 after; New York
    // UTC-5 before usDst, -4 after. A local hour in Berlin → the UTC instant → the NY hour.
    const berlinToUtc = (d: Date, h: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h - (d >= euDst ? 2 : 1)));
    const nyHour = (t: Date) => (t.getUTCHours() - (t >= new Date(usDst.getTime() + 7 * 3600_000) ? 4 : 5) + 24) % 24;

    await put(`${cal}weekly.ics`, vcalendar(BERLIN,
      vevent(['UID:weekly-standup@example.test', `DTSTART;TZID=Europe/Berlin:${icsLocal(firstTuesday, 15)}`,
        `DTEND;TZID=Europe/Berlin:${icsLocal(firstTuesday, 16)}`, 'SUMMARY:Standup', 'RRULE:FREQ=WEEKLY;COUNT=6',
        `EXDATE;TZID=Europe/Berlin:${icsLocal(excluded, 15)}`]),
      vevent(['UID:weekly-standup@example.test', `RECURRENCE-ID;TZID=Europe/Berlin:${icsLocal(movedFrom, 15)}`,
        `DTSTART;TZID=Europe/Berlin:${icsLocal(movedTo, 17)}`, `DTEND;TZID=Europe/Berlin:${icsLocal(movedTo, 18)}`, 'SUMMARY:Standup (moved)'])),
    radicale.auth());
    // A transparent ("free") event on the first Tuesday at 11:00 Berlin blocks nothing.
    await put(`${cal}free.ics`, vcalendar(BERLIN, vevent(['UID:free@example.test', 'TRANSP:TRANSPARENT',
      `DTSTART;TZID=Europe/Berlin:${icsLocal(firstTuesday, 11)}`, `DTEND;TZID=Europe/Berlin:${icsLocal(firstTuesday, 12)}`])),
    radicale.auth());
    // An all-day event (the day after the first Tuesday) blocks the whole New York day.
    const allDay = addDays(firstTuesday, 1);
    await put(`${cal}offsite.ics`, vcalendar(vevent(['UID:offsite@example.test', `DTSTART;VALUE=DATE:${icsDate(allDay)}`,
      `DTEND;VALUE=DATE:${icsDate(addDays(allDay, 1))}`])), radicale.auth());

    const sourceId = await addSource('--resource', resourceId,
      '--kind', 'caldav', '--url', cal, '--username', radicale.user, '--password', radicale.password, '--name', 'Berlin calendar');
    // The worker's first sync stored 6 blocks: 5 occurrences (one excluded, one moved) and
    // the all-day event; the transparent event is not a block.
    expect(await busyCount(sourceId)).toBe(6);
    expect((await owner.query('select last_error from app_public.calendar_sources where id = $1', [sourceId])).rows[0].last_error).toBeNull();

    // Busy NY hours per NY day, as expected.
    const expected = new Map<string, number[]>();
    for (const o of occurrences) {
      if (o === excluded) continue;
      const start = o === movedFrom ? berlinToUtc(movedTo, 17) : berlinToUtc(o, 15);
      const day = ymd(start);
      expected.set(day, [...(expected.get(day) ?? []), nyHour(start)]);
    }
    // The test really crosses the change: the same 15:00 in Berlin is 09:00 and 10:00 in New York.
    const hours = occurrences.filter((o) => o !== excluded && o !== movedFrom).map((o) => nyHour(berlinToUtc(o, 15)));
    expect(new Set(hours)).toEqual(new Set([9, 10]));
    expected.set(ymd(excluded), expected.get(ymd(excluded)) ?? []);
    expected.set(ymd(movedFrom), expected.get(ymd(movedFrom)) ?? []);
    for (const [day, busy] of expected) {
      const free = await freeHours(org.token, resourceId, day, 'America/New_York');
      const taken = Array.from({ length: 24 }, (_, h) => h).filter((h) => !free.includes(h));
      expect({ day, taken }).toEqual({ day, taken: busy.sort((a, b) => a - b) });
    }
    // The all-day event: nothing free that day; the transparent event's slot (05:00 NY) is free.
    expect(await freeHours(org.token, resourceId, ymd(allDay), 'America/New_York')).toEqual([]);
    expect(await freeHours(org.token, resourceId, ymd(firstTuesday), 'America/New_York')).toContain(5);

    // Booking into a busy block: the same 409 slot_taken, details.source = "calendar".
    const busyStart = berlinToUtc(occurrences[0], 15);
    const refused = await rpc('book_appointment', org.token, {
      starts_at: busyStart.toISOString(), ends_at: new Date(busyStart.getTime() + 3600_000).toISOString(), contact_id: null, resource_id: resourceId,
    });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { hint: string; details: string };
    expect(body.hint).toBe('slot_taken');
    expect(JSON.parse(body.details)).toMatchObject({ source: 'calendar', resource_id: resourceId });
    expect(new Date(JSON.parse(body.details).starts_at).toISOString()).toBe(busyStart.toISOString());
    // The transparent event's hour books fine.
    const fine = await rpc('book_appointment', org.token, {
      starts_at: berlinToUtc(firstTuesday, 11).toISOString(), ends_at: berlinToUtc(firstTuesday, 12).toISOString(), contact_id: null, resource_id: resourceId,
    });
    expect(fine.status).toBe(200);

    // Unchanged calendar: the second sync is one request (the ctag PROPFIND) and writes no block.
    const before = await owner.query('select id, synced_at from app_public.external_busy where source_id = $1 order by id', [sourceId]);
    expect(await sync(org.orgId, sourceId)).toEqual({ status: 'unchanged', requests: 1 });
    const after = await owner.query('select id, synced_at from app_public.external_busy where source_id = $1 order by id', [sourceId]);
    expect(after.rows).toEqual(before.rows);
  });

  it('a booking is PUT into the CalDAV calendar with the appointment id as UID; a reschedule updates it (higher SEQUENCE), a cancel deletes it; our own event never blocks its slot', async () => {
    const org = await orgIn('UTC', 'Calendars write-back');
    const resourceId = await newResource(org.token, 'Closer', 30);
    const cal = await radicale.makeCalendar(`wb-${Date.now()}`);
    const sourceId = await addSource('--resource', resourceId,
      '--kind', 'caldav', '--url', cal, '--username', radicale.user, '--password', radicale.password, '--write');
    const { rows: [contact] } = await owner.query<{ id: string }>(
      `insert into app_public.contacts (org_id, email, first_name, last_name) values ($1, 'pat@example.test', 'Pat', 'Lee') returning id`, [org.orgId]);
    const start = new Date(Math.ceil(Date.now() / 3600_000) * 3600_000 + 48 * 3600_000);
    const booked = await rpc('book_appointment', org.token, {
      starts_at: start.toISOString(), ends_at: new Date(start.getTime() + 30 * 60_000).toISOString(), contact_id: contact.id, resource_id: resourceId,
    });
    expect(booked.status).toBe(200);
    const appt = (await booked.json()) as { id: string };
    const href = `${cal}${appt.id}.ics`;
    const read = async () => {
      const res = await fetch(href, { headers: radicale.auth() });
      if (res.status === 404) return null;
      const comp = new ICAL.Component(ICAL.parse(await res.text()) as never).getFirstSubcomponent('vevent')!;
      return { uid: comp.getFirstPropertyValue('uid'), sequence: Number(comp.getFirstPropertyValue('sequence') ?? 0),
        start: (comp.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(), etag: res.headers.get('etag') };
    };
    // The worker of the stack runs calendar_push.
    let event = null as Awaited<ReturnType<typeof read>>;
    await waitFor(async () => (event = await read()) !== null, 'the booking in Radicale', 30_000);
    expect(event).toMatchObject({ uid: appt.id, sequence: 0, start: start.toISOString() });

    // Our own event, seen by the next sync, is recognised and blocks nothing: a reschedule
    // that overlaps the old slot succeeds.
    const synced = await sync(org.orgId, sourceId);
    expect(['changed', 'unchanged']).toContain(synced.status);
    expect(await busyCount(sourceId)).toBe(0);
    const moved = new Date(start.getTime() + 15 * 60_000);
    const res = await rpc('reschedule_appointment', org.token, {
      appointment_id: appt.id, starts_at: moved.toISOString(), ends_at: new Date(moved.getTime() + 30 * 60_000).toISOString(),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (event = await read())?.start === moved.toISOString(), 'the rescheduled event', 30_000);
    expect(event).toMatchObject({ uid: appt.id, sequence: 1 });
    // What write-back recorded is the calendar's ETag at that SEQUENCE.
    await waitFor(async () => (await owner.query('select 1 from app_private.calendar_writes where appointment_id = $1 and sequence = 1', [appt.id])).rowCount === 1, 'the write record', 10_000);
    const { rows: [written] } = await owner.query('select etag, sequence from app_private.calendar_writes where appointment_id = $1', [appt.id]);
    expect(written).toEqual({ etag: event!.etag, sequence: 1 });

    // A retried push (the job is idempotent) changes nothing in the calendar.
    const { pushAppointment } = await import('../../tasks/lib/calendar-push.ts');
    expect(await pushAppointment(ownerQuery(), org.orgId, sourceId, appt.id, key)).toBe('unchanged');
    expect((await read())!.etag).toBe(event!.etag);

    const cancelled = await rpc('cancel_appointment', org.token, { appointment_id: appt.id });
    expect(cancelled.status).toBe(200);
    await waitFor(async () => (await read()) === null, 'the event deleted', 30_000);
    expect((await owner.query('select 1 from app_private.calendar_writes where appointment_id = $1', [appt.id])).rowCount).toBe(0);
  });

  it('a wrong password puts the source in error, keeps its last busy blocks, shows the error to admins and raises an alert after N failures', async () => {
    const org = await orgIn('UTC', 'Calendars failing');
    const resourceId = await newResource(org.token, 'Room');
    const cal = await radicale.makeCalendar(`fail-${Date.now()}`);
    const day = addDays(new Date(), 3);
    await put(`${cal}busy.ics`, vcalendar(vevent(['UID:busy@example.test', `DTSTART:${icsLocal(day, 10)}Z`, `DTEND:${icsLocal(day, 11)}Z`])), radicale.auth());
    const sourceId = await addSource('--resource', resourceId,
      '--kind', 'caldav', '--url', cal, '--username', radicale.user, '--password', radicale.password);
    expect(await busyCount(sourceId)).toBe(1);
    await owner.query('update app_public.calendar_sources set alert_after = 2 where id = $1', [sourceId]);

    await cli('calendar', 'source', 'password', '--source', sourceId, '--password', 'not-the-password');
    const failed = await sync(org.orgId, sourceId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/authentication failed \(HTTP 401\)/);
    expect(failed.error).not.toContain('not-the-password');
    await sync(org.orgId, sourceId);

    // The last good blocks stay and still block the slot.
    expect((await owner.query('select count(*)::int as n from app_public.external_busy where source_id = $1', [sourceId])).rows[0].n).toBe(1);
    expect(await freeHours(org.token, resourceId, ymd(day), 'UTC')).not.toContain(10);
    // Admins see the error on the source and in system_health.
    const sources = (await (await rest(`/calendar_sources?id=eq.${sourceId}`, org.token)).json()) as Array<Record<string, unknown>>;
    expect(sources[0]).toMatchObject({ consecutive_failures: expect.any(Number), last_error: expect.stringMatching(/authentication failed/) });
    expect(sources[0].consecutive_failures as number).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(sources[0])).not.toContain('not-the-password');
    const health = (await (await rest('/system_health', org.token)).json()) as Array<Record<string, unknown>>;
    expect(health[0]).toMatchObject({ calendar_sources_failing: 1, calendar_last_sync_error: expect.stringMatching(/authentication failed/) });
    // An alert after alert_after failures in a row, kept open by the evaluate_alerts cron.
    const alerts = await owner.query(`select message from app_private.alert_state where org_id = $1 and rule = 'calendar_sync_failed' and resolved_at is null`, [org.orgId]);
    expect(alerts.rowCount).toBe(1);
    await owner.query('select app_private.evaluate_alerts(null)');
    expect((await owner.query(`select 1 from app_private.alert_state where org_id = $1 and rule = 'calendar_sync_failed' and resolved_at is null`, [org.orgId])).rowCount).toBe(1);

    // The right password again: the source recovers and the alert resolves.
    await cli('calendar', 'source', 'password', '--source', sourceId, '--password', radicale.password);
    expect((await sync(org.orgId, sourceId)).status).not.toBe('failed');
    expect((await owner.query(`select 1 from app_private.alert_state where org_id = $1 and rule = 'calendar_sync_failed' and resolved_at is null`, [org.orgId])).rowCount).toBe(0);
  });
});

/** A local .ics server: serves `body` with a strong ETag and honours If-None-Match. */
function icsServer() {
  const state = { body: vcalendar(), requests: 0, notModified: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const etag = `"${Buffer.from(state.body).toString('base64').length}-${state.body.length}-${state.body.split('UID:').length}"`;
    if (req.headers['if-none-match'] === etag) {
      state.notModified++;
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag }).end(state.body);
  });
  return new Promise<{ state: typeof state; url: string; close: () => void }>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/secret-token/basic.ics`, close: () => server.close(),
    }));
  });
}

describe('iCalendar URL source', () => {
  it('syncs a .ics served over HTTP; a second sync with an unchanged ETag writes nothing; members never see the secret URL', async () => {
    const org = await orgIn('Europe/London', 'Calendars ics');
    const resourceId = await newResource(org.token, 'Agent');
    const srv = await icsServer();
    try {
      const day = addDays(new Date(), 5);
      srv.state.body = vcalendar(
        vevent(['UID:a@example.test', `DTSTART:${icsLocal(day, 9)}Z`, `DTEND:${icsLocal(day, 10)}Z`]),
        vevent(['UID:b@example.test', `DTSTART:${icsLocal(day, 13)}Z`, `DTEND:${icsLocal(day, 14)}Z`, 'STATUS:CANCELLED']),
      );
      const sourceId = await addSource('--resource', resourceId,
        '--kind', 'ics', '--url', srv.url);
      // The worker's first sync: one block (the cancelled event is none).
      expect(await busyCount(sourceId)).toBe(1);
      const before = await owner.query('select id, busy, synced_at, xmin::text from app_public.external_busy where source_id = $1', [sourceId]);
      const requests = srv.state.requests;
      expect(await sync(org.orgId, sourceId)).toEqual({ status: 'unchanged', requests: 1 });
      expect(srv.state.requests - requests).toBe(1);
      expect(srv.state.notModified).toBeGreaterThanOrEqual(1);
      const after = await owner.query('select id, busy, synced_at, xmin::text from app_public.external_busy where source_id = $1', [sourceId]);
      expect(after.rows).toEqual(before.rows);

      // A changed calendar replaces the blocks.
      srv.state.body = vcalendar(vevent(['UID:c@example.test', `DTSTART:${icsLocal(day, 15)}Z`, `DTEND:${icsLocal(day, 16)}Z`]));
      expect(await sync(org.orgId, sourceId)).toMatchObject({ status: 'changed', blocks: 1 });

      // Members read busy blocks and the source's status, never its URL or credentials.
      const member = `member-${Date.now()}@example.test`;
      await cli('user', 'add', '--org', org.orgId, '--email', member, '--password', 'correct horse battery', '--role', 'member');
      const memberToken = await login(member, 'correct horse battery');
      const busy = (await (await rest('/external_busy', memberToken)).json()) as unknown[];
      expect(busy).toHaveLength(1);
      const sources = (await (await rest('/calendar_sources', memberToken)).json()) as Array<Record<string, unknown>>;
      expect(sources[0].url_display).toBe(`${new URL(srv.url).origin}/…`);
      expect(JSON.stringify(sources)).not.toContain('secret-token');

      // On demand, through the worker: POST /rpc/sync_calendar_source (admins only).
      expect((await rpc('sync_calendar_source', memberToken, { source_id: sourceId })).status).toBe(403);
      const n = srv.state.requests;
      expect((await rpc('sync_calendar_source', org.token, { source_id: sourceId })).status).toBe(200);
      await waitFor(async () => srv.state.requests > n, 'the worker sync', 20_000);
    } finally {
      srv.close();
    }
  });

  it('the SSRF guard of outbound deliveries applies: without the operator allowance a loopback calendar is refused', async () => {
    const org = await orgIn('UTC', 'Calendars ssrf');
    const resourceId = await newResource(org.token, 'Agent');
    const srv = await icsServer();
    try {
      const sourceId = await addSource('--resource', resourceId,
        '--kind', 'ics', '--url', srv.url);
      delete process.env.DELIVERY_ALLOW_PRIVATE_URLS;
      const requests = srv.state.requests;
      const r = await sync(org.orgId, sourceId);
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(/refused/);
      expect(srv.state.requests).toBe(requests);
    } finally {
      process.env.DELIVERY_ALLOW_PRIVATE_URLS = '1';
      srv.close();
    }
  });
});

describe('subscription feed', () => {
  it('GET /calendar/{token}.ics parses with ical.js: one VEVENT per live appointment at the right UTC times, "Booked" by default, SEQUENCE, CANCELLED, ETag/304, revoked → 404, rate-limited', async () => {
    const org = await orgIn('America/Chicago', 'Calendars feed');
    const resourceId = await newResource(org.token, 'Advisor', 30);
    const { rows: [contact] } = await owner.query<{ id: string }>(
      `insert into app_public.contacts (org_id, email, first_name, last_name) values ($1, 'jo@example.test', 'Jo', 'Rivera') returning id`, [org.orgId]);
    const base = Math.ceil(Date.now() / 3600_000) * 3600_000 + 72 * 3600_000;
    const slots = [0, 1, 2].map((i) => new Date(base + i * 3600_000));
    const ids: string[] = [];
    for (const s of slots) {
      const res = await rpc('book_appointment', org.token, {
        starts_at: s.toISOString(), ends_at: new Date(s.getTime() + 30 * 60_000).toISOString(), contact_id: contact.id, resource_id: resourceId,
      });
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as { id: string }).id);
    }
    // Admins only.
    const member = `member-${Date.now()}@example.test`;
    await cli('user', 'add', '--org', org.orgId, '--email', member, '--password', 'correct horse battery', '--role', 'member');
    expect((await rpc('create_calendar_feed', await login(member, 'correct horse battery'), { resource_id: resourceId })).status).toBe(403);
    const created = await rpc('create_calendar_feed', org.token, { resource_id: resourceId });
    expect(created.status).toBe(200);
    const [feed] = (await created.json()) as Array<{ feed_id: string; token: string; path: string }>;
    expect(feed.path).toBe(`/calendar/${feed.token}.ics`);

    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack().gatewayUrl}${path}`, { headers });
    const parse = async (res: Response) => {
      expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
      const comp = new ICAL.Component(ICAL.parse(await res.text()) as never);
      return comp.getAllSubcomponents('vevent').map((v) => ({
        uid: String(v.getFirstPropertyValue('uid')),
        start: (v.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
        end: (v.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString(),
        summary: String(v.getFirstPropertyValue('summary')),
        sequence: Number(v.getFirstPropertyValue('sequence') ?? 0),
        status: String(v.getFirstPropertyValue('status') ?? ''),
        stamp: Boolean(v.getFirstPropertyValue('dtstamp')),
      })).sort((a, b) => a.start.localeCompare(b.start));
    };
    const res = await get(feed.path);
    expect(res.status).toBe(200);
    const events = await parse(res);
    expect(events).toEqual(slots.map((s, i) => ({
      uid: ids[i], start: s.toISOString(), end: new Date(s.getTime() + 30 * 60_000).toISOString(),
      summary: 'Booked', sequence: 0, status: 'CONFIRMED', stamp: true,
    })));

    // ETag and If-None-Match.
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect((await get(feed.path, { 'if-none-match': etag })).status).toBe(304);

    // Reschedule raises SEQUENCE; cancel shows STATUS:CANCELLED (and the body, so the ETag, changes).
    const moved = new Date(base + 5 * 3600_000);
    expect((await rpc('reschedule_appointment', org.token, {
      appointment_id: ids[0], starts_at: moved.toISOString(), ends_at: new Date(moved.getTime() + 30 * 60_000).toISOString(),
    })).status).toBe(200);
    expect((await rpc('cancel_appointment', org.token, { appointment_id: ids[1] })).status).toBe(200);
    const res2 = await get(feed.path, { 'if-none-match': etag });
    expect(res2.status).toBe(200);
    const after = await parse(res2);
    expect(after.find((e) => e.uid === ids[0])).toMatchObject({ start: moved.toISOString(), sequence: 1, status: 'CONFIRMED' });
    expect(after.find((e) => e.uid === ids[1])).toMatchObject({ status: 'CANCELLED', sequence: 1 });
    expect(after.filter((e) => e.status === 'CONFIRMED')).toHaveLength(2);
    expect(JSON.stringify(after)).not.toMatch(/Jo|Rivera|jo@example/);

    // --with-names (CLI) shows the contact's name.
    const named = await cli<{ feed_id: string; path: string; url: string }>('calendar', 'feed', 'create', '--resource', resourceId, '--with-names');
    expect(named.url.endsWith(named.path)).toBe(true);
    const namedEvents = await parse(await get(named.path));
    expect(namedEvents.find((e) => e.uid === ids[2])?.summary).toBe('Jo Rivera');

    // A tampered token and a revoked feed: 404.
    const tampered = feed.path.replace(/(.)\.ics$/, (_m, c: string) => `${c === 'A' ? 'B' : 'A'}.ics`);
    expect((await get(tampered)).status).toBe(404);
    expect((await rpc('revoke_calendar_feed', org.token, { feed_id: feed.feed_id })).status).toBe(200);
    const revoked = await get(feed.path);
    expect(revoked.status).toBe(404);
    expect(await revoked.json()).toMatchObject({ error: 'not_found' });
    await cli('calendar', 'feed', 'revoke', '--feed', named.feed_id);
    expect((await get(named.path)).status).toBe(404);

    // Rate-limited per IP like the other public routes (60 a minute by default).
    let limited: Response | undefined;
    for (let i = 0; i < 80 && !limited; i++) {
      const r = await get(named.path);
      if (r.status === 429) limited = r;
    }
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('bookings racing a calendar sync', () => {
  it('200 bookings while syncs turn their slots busy: no stored booking overlaps a busy block committed before the booking', async () => {
    const org = await orgIn('UTC', 'Calendars race');
    const resourceId = await newResource(org.token, 'Racer', 30);
    const srv = await icsServer();
    try {
      const sourceId = await addSource('--resource', resourceId,
        '--kind', 'ics', '--url', srv.url);
      // No scheduled sync of the worker interleaves with the test's own.
      await owner.query(`update app_public.calendar_sources set sync_interval = '1 day' where id = $1`, [sourceId]);

      const base = Math.ceil(Date.now() / 3600_000) * 3600_000 + 24 * 3600_000;
      const slot = (i: number) => new Date(base + i * 30 * 60_000);
      const N = 200;
      // Three syncs, each turning a quarter more of the 200 slots busy (blocks only ever added).
      const busySets = [1, 2, 3].map((k) => Array.from({ length: N }, (_, i) => i).filter((i) => i % 4 < k));
      const icsFor = (set: number[]) => vcalendar(...set.map((i) => vevent([`UID:race-${i}@example.test`,
        `DTSTART:${slot(i).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`,
        `DTEND:${slot(i + 1).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`])));

      // Each sync runs the real syncSource in one transaction on its own connection; its last
      // statement (after calendar_sync_apply took the resource lock) lists the bookings it can
      // see: those committed before the sync commits.
      const visibleAtSync: Array<{ set: Set<number>; visible: Set<string> }> = [];
      const runSync = async (set: number[]) => {
        srv.state.body = icsFor(set);
        const client = await owner.connect();
        try {
          await client.query('begin');
          let visible = new Set<string>();
          const q: Query = async (sql, params) => {
            const r = await client.query(sql, params as unknown[]);
            if (sql.includes('calendar_sync_apply')) {
              const v = await client.query<{ id: string }>(`select id from app_public.appointments where org_id = $1 and status = 'booked'`, [org.orgId]);
              visible = new Set(v.rows.map((x) => x.id));
            }
            return r as never;
          };
          const result = await syncSource(q, org.orgId, sourceId, key);
          expect(result.status).toBe('changed');
          await client.query('commit');
          visibleAtSync.push({ set: new Set(set), visible });
        } finally {
          client.release();
        }
      };

      const order = Array.from({ length: N }, (_, i) => i).sort(() => Math.random() - 0.5);
      const outcomes: Array<{ i: number; status: number; id?: string; source?: string }> = [];
      let next = 0;
      const workers = Array.from({ length: 20 }, async () => {
        while (next < N) {
          const i = order[next++];
          const res = await rpc('book_appointment', org.token, {
            starts_at: slot(i).toISOString(), ends_at: slot(i + 1).toISOString(), contact_id: null, resource_id: resourceId,
          });
          const body = (await res.json()) as { id?: string; details?: string };
          outcomes.push({ i, status: res.status, id: body.id, source: body.details ? JSON.parse(body.details).source : undefined });
        }
      });
      const syncs = (async () => {
        for (const set of busySets) {
          while (outcomes.length < (N / 4) * (visibleAtSync.length + 1) * 0.9) await new Promise((r) => setTimeout(r, 5));
          await runSync(set);
        }
      })();
      await Promise.all([...workers, syncs]);

      expect(outcomes).toHaveLength(N);
      // Every answer is a booking or the calendar's 409.
      expect(outcomes.filter((o) => !(o.status === 200 || (o.status === 409 && o.source === 'calendar')))).toEqual([]);
      const refused = outcomes.filter((o) => o.status === 409);
      expect(refused.length).toBeGreaterThan(0);
      // Refused only where a block was.
      expect(refused.filter((o) => o.i % 4 >= 3)).toEqual([]);

      const { rows: stored } = await owner.query<{ id: string; starts_at: Date }>(
        `select id, starts_at from app_public.appointments where org_id = $1 and status = 'booked'`, [org.orgId]);
      expect(stored).toHaveLength(N - refused.length);
      const indexOf = (d: Date) => Math.round((d.getTime() - base) / (30 * 60_000));
      for (const a of stored) {
        const i = indexOf(a.starts_at);
        // The first sync whose blocks cover this slot must have seen the booking already committed.
        const firstBusy = visibleAtSync.find((s) => s.set.has(i));
        if (firstBusy) expect({ i, committedBeforeSync: firstBusy.visible.has(a.id) }).toEqual({ i, committedBeforeSync: true });
      }
      // And the database agrees: what is stored overlapping a block is exactly those bookings.
      const { rows: overlaps } = await owner.query<{ n: number }>(
        `select count(*)::int as n from app_public.appointments a join app_public.external_busy b
            on b.org_id = a.org_id and b.resource_id = a.resource_id and b.busy && a.blocked
          where a.org_id = $1 and a.status = 'booked'`, [org.orgId]);
      expect(overlaps[0].n).toBe(stored.filter((a) => indexOf(a.starts_at) % 4 < 3).length);
    } finally {
      srv.close();
    }
  });
});

describe('console Bookings page', () => {
  it('shows busy blocks greyed beside appointments, each source\'s last sync and error, and the feeds', async () => {
    const { existsSync } = await import('node:fs');
    const { chromium } = await import('playwright-core');
    const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
    const org = await orgIn('UTC', 'Calendars console');
    const resourceId = await newResource(org.token, 'Console closer', 30);
    const srv = await icsServer();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    try {
      const day = addDays(new Date(), 2);
      srv.state.body = vcalendar(vevent(['UID:console@example.test', `DTSTART:${icsLocal(day, 9)}Z`, `DTEND:${icsLocal(day, 10)}Z`]));
      await addSource('--resource', resourceId, '--kind', 'ics', '--url', srv.url, '--name', 'Team calendar');
      const booked = await rpc('book_appointment', org.token, {
        starts_at: new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 11)).toISOString(),
        ends_at: new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 11, 30)).toISOString(), contact_id: null, resource_id: resourceId,
      });
      expect(booked.status).toBe(200);
      await rpc('create_calendar_feed', org.token, { resource_id: resourceId, name: 'Front desk feed' });

      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(`${stack().gatewayUrl}/`);
      await page.fill('input[name=email]', org.email);
      await page.fill('input[name=password]', org.password);
      await page.click('button[type=submit]');
      await page.waitForSelector('main[data-page="campaigns"][data-ready="true"]', { timeout: 30_000 });
      await page.goto(`${stack().gatewayUrl}/#/bookings`);
      await page.waitForSelector('main[data-page="bookings"][data-ready="true"]', { timeout: 30_000 });
      const rows = await page.$$eval('[data-testid="appointments"] tbody tr', (trs) => trs.map((tr) => ({ busy: tr.classList.contains('busy'), text: tr.textContent ?? '' })));
      expect(rows.map((r) => r.busy)).toEqual([true, false]);
      expect(rows[0].text).toContain('busy in calendar');
      expect(await page.$eval('tr.busy td', (td) => getComputedStyle(td).color)).not.toBe(await page.$eval('tr:not(.busy) td', (td) => getComputedStyle(td).color));
      const source = await page.textContent('[data-testid="calendar-sources"]');
      expect(source).toContain('Team calendar');
      expect(source).not.toContain('secret-token');
      expect(source).not.toContain('never');
      expect(await page.textContent('[data-testid="calendar-feeds"]')).toContain('Front desk feed');
    } finally {
      await browser.close();
      srv.close();
    }
  });
});
