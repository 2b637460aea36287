import { describe, expect, it } from 'vitest';
import { busyBlocks, zonedToUtc } from './ical-busy.ts';

/** iCalendar parsing and expansion, without a server (the CalDAV cases run against Radicale in calendars.test.ts). */
const cal = (...events: string[][]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', ...events.flatMap((e) => ['BEGIN:VEVENT', 'DTSTAMP:20300101T000000Z', ...e, 'END:VEVENT']), 'END:VCALENDAR'].join('\r\n');
const from = new Date('2030-01-01T00:00:00Z');
const to = new Date('2031-01-01T00:00:00Z');

describe('busyBlocks', () => {
  it('reads a TZID that has no VTIMEZONE in the file as the IANA zone it names', () => {
    const blocks = busyBlocks(cal(['UID:a', 'DTSTART;TZID=America/Los_Angeles:20300701T090000', 'DTEND;TZID=America/Los_Angeles:20300701T100000']), from, to, 'UTC');
    expect(blocks).toEqual([{ uid: 'a', starts_at: '2030-07-01T16:00:00.000Z', ends_at: '2030-07-01T17:00:00.000Z', all_day: false }]);
  });

  it('reads floating times and all-day dates in the resource\'s zone; DURATION instead of DTEND', () => {
    const blocks = busyBlocks(cal(
      ['UID:f', 'DTSTART:20300701T090000', 'DURATION:PT90M'],
      ['UID:d', 'DTSTART;VALUE=DATE:20300105'],
    ), from, to, 'Europe/Berlin');
    expect(blocks).toEqual([
      { uid: 'f', starts_at: '2030-07-01T07:00:00.000Z', ends_at: '2030-07-01T08:30:00.000Z', all_day: false },
      { uid: 'd', starts_at: '2030-01-04T23:00:00.000Z', ends_at: '2030-01-05T23:00:00.000Z', all_day: true },
    ]);
  });

  it('expands a daily series with UNTIL; a cancelled occurrence and a transparent series block nothing; the window clips', () => {
    const blocks = busyBlocks(cal(
      ['UID:s', 'DTSTART:20301230T100000Z', 'DTEND:20301230T103000Z', 'RRULE:FREQ=DAILY;UNTIL=20310105T100000Z'],
      ['UID:s', 'RECURRENCE-ID:20301231T100000Z', 'DTSTART:20301231T100000Z', 'DTEND:20301231T103000Z', 'STATUS:CANCELLED'],
      ['UID:t', 'DTSTART:20300601T100000Z', 'DTEND:20300601T110000Z', 'RRULE:FREQ=DAILY;COUNT=3', 'TRANSP:TRANSPARENT'],
    ), from, to, 'UTC');
    expect(blocks.map((b) => b.starts_at)).toEqual(['2030-12-30T10:00:00.000Z']);
  });

  it('zonedToUtc handles both sides of a DST change', () => {
    expect(new Date(zonedToUtc(2030, 3, 9, 9, 0, 0, 'America/New_York')).toISOString()).toBe('2030-03-09T14:00:00.000Z');
    expect(new Date(zonedToUtc(2030, 3, 11, 9, 0, 0, 'America/New_York')).toISOString()).toBe('2030-03-11T13:00:00.000Z');
  });
});
