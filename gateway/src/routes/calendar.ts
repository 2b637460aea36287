import { createHash } from 'node:crypto';
import ical, { ICalEventStatus } from 'ical-generator';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db.ts';

/**
 * GET /calendar/{token}.ics — the read-only iCalendar (RFC 5545) subscription feed of a
 * resource or an org, for Google Calendar, Outlook or Apple Calendar to poll. The token is
 * checked in SQL (app_private.calendar_feed_events: HMAC, not revoked); a bad or revoked
 * one answers 404 like an unknown one. The body is built with ical-generator; DTSTAMP is
 * the appointment's last change, so an unchanged calendar has an unchanged body and ETag,
 * and If-None-Match answers 304. Rate-limited per IP like the other public routes.
 */
interface Options {
  db: Db;
  rateLimitPerMinute?: number;
}

interface FeedRow {
  feed_id: string;
  feed_name: string;
  org_name: string;
  timezone: string;
  uid: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  status: 'booked' | 'cancelled' | null;
  sequence: number | null;
  summary: string | null;
  created_at: Date | null;
  updated_at: Date | null;
}

const TOKEN = /^cal_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;

export function buildFeed(rows: FeedRow[]): string {
  const first = rows[0];
  const cal = ical({
    prodId: { company: 'Switchboard', product: 'Switchboard bookings', language: 'EN' },
    name: first.feed_name,
    // The org's zone as a hint for clients (X-WR-TIMEZONE); times themselves are UTC.
    x: [{ key: 'X-WR-TIMEZONE', value: first.timezone }],
    // How often subscribers should poll (REFRESH-INTERVAL / X-PUBLISHED-TTL).
    ttl: 15 * 60,
  });
  for (const r of rows) {
    if (!r.uid || !r.starts_at || !r.ends_at) continue;
    cal.createEvent({
      id: r.uid,
      start: r.starts_at,
      end: r.ends_at,
      summary: r.summary ?? 'Booked',
      sequence: r.sequence ?? 0,
      stamp: r.updated_at ?? r.created_at ?? r.starts_at,
      created: r.created_at,
      lastModified: r.updated_at,
      status: r.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}

export async function calendarRoutes(app: FastifyInstance, options: Options): Promise<void> {
  const rateLimit = { max: options.rateLimitPerMinute ?? Number(process.env.CALENDAR_FEED_RATE_LIMIT_PER_MINUTE ?? 60), timeWindow: '1 minute' };
  // logLevel warn: the token is in the path, and Fastify's per-request info logs carry the URL.
  app.get<{ Params: { file: string } }>('/calendar/:file', { config: { rateLimit }, logLevel: 'warn' }, async (request, reply) => {
    const notFound = () => reply.code(404).header('cache-control', 'no-store')
      .send({ error: 'not_found', message: 'This calendar link is not valid or was revoked.' });
    const file = request.params.file;
    const token = file.endsWith('.ics') ? file.slice(0, -4) : file;
    if (!TOKEN.test(token)) return notFound();
    const { rows } = await options.db.query<FeedRow>('select * from app_private.calendar_feed_events($1)', [token]);
    if (rows.length === 0) return notFound();
    const body = buildFeed(rows);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    reply
      .header('etag', etag)
      .header('cache-control', 'private, max-age=300')
      .header('x-content-type-options', 'nosniff');
    const inm = request.headers['if-none-match'];
    if (inm && inm.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === etag || t === '*')) {
      return reply.code(304).send();
    }
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', 'inline; filename="calendar.ics"')
      .send(body);
  });
}
