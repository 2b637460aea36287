import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../db.ts';
import { verifyToken } from '../../../lib/signed-tokens.ts';
import { htmlPage } from './unsubscribe.ts';

/**
 * Open pixel and click redirect for emails Switchboard sent. Tokens are signed by the sender
 * (lib/signed-tokens.ts) and carry the org, the email and — for clicks — the one URL
 * the link may go to: a tampered token is a 404, never a redirect elsewhere. Hits feed
 * email_events and the campaign metrics (unique opens/clicks per email; see tracking.sql).
 */
interface Options {
  db: Db;
  encryptionKey: string;
}

type Hit = { o: string; m: string; u?: string };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A transparent 1×1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export async function trackingRoutes(app: FastifyInstance, options: Options): Promise<void> {
  const read = (purpose: string, raw: string): Hit | null => {
    const t = verifyToken<Hit>(options.encryptionKey, purpose, raw.replace(/\.gif$/, ''));
    return t && typeof t.o === 'string' && UUID.test(t.o) && typeof t.m === 'string' && UUID.test(t.m) ? t : null;
  };
  const notFound = (reply: FastifyReply) => htmlPage(reply, 404, 'Link not found', '<h1>This link is not valid.</h1>');

  app.get<{ Params: { '*': string } }>('/t/o/*', async (request, reply) => {
    const hit = read('track-open', request.params['*']);
    if (!hit) return notFound(reply);
    await options.db.query('select app_private.record_tracking_hit($1, $2, $3)', [hit.o, hit.m, 'opened']);
    return reply
      .code(200)
      .header('content-type', 'image/gif')
      .header('cache-control', 'no-store, max-age=0')
      .header('x-content-type-options', 'nosniff')
      .send(PIXEL);
  });

  app.get<{ Params: { '*': string } }>('/t/c/*', async (request, reply) => {
    const hit = read('track-click', request.params['*']);
    let target: URL | null = null;
    try {
      target = hit && typeof hit.u === 'string' ? new URL(hit.u) : null;
    } catch {
      target = null;
    }
    if (!hit || !target || (target.protocol !== 'https:' && target.protocol !== 'http:')) return notFound(reply);
    await options.db.query('select app_private.record_tracking_hit($1, $2, $3)', [hit.o, hit.m, 'clicked']);
    return reply
      .code(302)
      .header('location', target.href)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send();
  });
}
