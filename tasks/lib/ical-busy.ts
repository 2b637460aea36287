import ICAL from 'ical.js';

/**
 * Busy blocks from iCalendar data (RFC 5545), with ical.js: recurring events expanded
 * (RRULE, RDATE, EXDATE and moved or cancelled occurrences, i.e. RECURRENCE-ID
 * exceptions), times read in their VTIMEZONE/TZID (so a weekly 10:00 Europe/Berlin event
 * stays at 10:00 Berlin time across a DST change), all-day events as whole days in the
 * resource's time zone, and events that do not block time skipped: TRANSP:TRANSPARENT and
 * STATUS:CANCELLED.
 */
export interface BusyBlock {
  uid: string;
  starts_at: string;
  ends_at: string;
  all_day: boolean;
}

const MAX_OCCURRENCES = 20_000;

/** Wall-clock time in an IANA zone → UTC milliseconds (Intl, for TZIDs without a VTIMEZONE). */
export function zonedToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, zone: string): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const offsetAt = (utc: number) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(utc));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utc;
  };
  const first = guess - offsetAt(guess);
  return guess - offsetAt(first);
}

function validZone(zone: string | undefined): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An ICAL.Time as UTC milliseconds; floating times and dates are read in `fallbackZone`. */
function toUtcMs(t: ICAL.Time, fallbackZone: string): number {
  if (t.isDate) return zonedToUtc(t.year, t.month, t.day, 0, 0, 0, fallbackZone);
  const zone = t.zone;
  if (zone && zone !== ICAL.Timezone.localTimezone) return t.toJSDate().getTime();
  const tzid = (t as unknown as { timezone?: string }).timezone;
  return zonedToUtc(t.year, t.month, t.day, t.hour, t.minute, t.second, validZone(tzid) ? tzid : fallbackZone);
}

function blocksTime(comp: ICAL.Component): boolean {
  const transp = String(comp.getFirstPropertyValue('transp') ?? '').toUpperCase();
  const status = String(comp.getFirstPropertyValue('status') ?? '').toUpperCase();
  return transp !== 'TRANSPARENT' && status !== 'CANCELLED';
}

/**
 * Every busy interval of the calendar data that overlaps [from, to). `zone` is the
 * resource's (org's) IANA time zone, for all-day and floating times.
 */
export function busyBlocks(icsText: string, from: Date, to: Date, zone: string): BusyBlock[] {
  const root = new ICAL.Component(ICAL.parse(icsText) as never);
  const vevents = root.getAllSubcomponents('vevent');
  const masters = new Map<string, ICAL.Event>();
  const exceptions: ICAL.Component[] = [];
  for (const v of vevents) {
    if (v.hasProperty('recurrence-id')) exceptions.push(v);
    else masters.set(String(v.getFirstPropertyValue('uid') ?? ''), new ICAL.Event(v));
  }
  const out: BusyBlock[] = [];
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const push = (uid: string, comp: ICAL.Component, start: ICAL.Time, end: ICAL.Time | null) => {
    if (!blocksTime(comp)) return;
    const s = toUtcMs(start, zone);
    let e: number;
    if (end) e = toUtcMs(end, zone);
    else if (start.isDate) {
      // An all-day event without DTEND lasts one day.
      const next = start.clone();
      next.day += 1;
      e = toUtcMs(next, zone);
    } else e = s;
    if (e <= s || e <= fromMs || s >= toMs) return;
    out.push({ uid, starts_at: new Date(s).toISOString(), ends_at: new Date(e).toISOString(), all_day: start.isDate });
  };
  for (const ex of exceptions) {
    const uid = String(ex.getFirstPropertyValue('uid') ?? '');
    const master = masters.get(uid);
    if (master) master.relateException(ex);
    else {
      // An exception whose series is not here is an event of its own.
      const e = new ICAL.Event(ex);
      push(uid, ex, e.startDate, e.endDate);
    }
  }
  for (const [uid, event] of masters) {
    if (!event.startDate) continue;
    if (!event.isRecurring()) {
      push(uid, event.component, event.startDate, event.component.hasProperty('dtend') || event.component.hasProperty('duration') ? event.endDate : null);
      continue;
    }
    const it = event.iterator();
    for (let i = 0, next = it.next(); next && i < MAX_OCCURRENCES; i++, next = it.next()) {
      if (toUtcMs(next, zone) >= toMs) break;
      const d = event.getOccurrenceDetails(next);
      push(uid, d.item.component, d.startDate, d.endDate);
    }
  }
  return out;
}
