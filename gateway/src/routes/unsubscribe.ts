import { verifyToken } from '../../../lib/signed-tokens.ts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../db.ts';

export { signToken, verifyToken, unsubscribeToken } from '../../../lib/signed-tokens.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
export const escapeHtml = (value: unknown) => String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]);

/** A minimal page; every interpolated value must already be escaped. */
export function htmlPage(reply: FastifyReply, status: number, title: string, bodyHtml: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
      `<title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:36em;margin:3em auto">` +
      `${bodyHtml}</body></html>`);
}

interface Options {
  db: Db;
  encryptionKey: string;
}

type Unsub = { o: string; e: string };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function unsubscribeRoutes(app: FastifyInstance, options: Options): Promise<void> {
  // RFC 8058 one-click posts `List-Unsubscribe=One-Click` as a form (urlencoded or
  // multipart); the body carries nothing we need, so any small body is accepted here.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => done(null, body));

  const read = (token: string): Unsub | null => {
    const t = verifyToken<Unsub>(options.encryptionKey, 'unsubscribe', token);
    return t && typeof t.o === 'string' && UUID.test(t.o) && typeof t.e === 'string' && t.e.includes('@') ? t : null;
  };
  const notFound = (reply: FastifyReply) =>
    htmlPage(reply, 404, 'Link not found', '<h1>This unsubscribe link is not valid.</h1><p>Please use the link from the most recent email.</p>');

  app.get<{ Params: { '*': string } }>('/unsubscribe/*', async (request, reply) => {
    const token = read(request.params['*']);
    if (!token) return notFound(reply);
    const { rows } = await options.db.query<{ org_name: string; display_name: string | null; already: boolean }>(
      'select org_name, display_name, already from app_private.unsubscribe_page($1, $2)', [token.o, token.e]);
    if (rows.length === 0) return notFound(reply);
    const who = rows[0].display_name ? `${escapeHtml(rows[0].display_name)} (${escapeHtml(token.e)})` : escapeHtml(token.e);
    const action = `/unsubscribe/${encodeURIComponent(request.params['*'])}`;
    return htmlPage(reply, 200, 'Unsubscribe',
      `<h1>Unsubscribe from ${escapeHtml(rows[0].org_name)}</h1>` +
      (rows[0].already ? `<p>${who} is already unsubscribed.</p>` : `<p>Stop all emails to ${who}?</p>`) +
      `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
      `<button type="submit">Unsubscribe</button></form>`);
  });

  app.post<{ Params: { '*': string } }>('/unsubscribe/*', async (request, reply) => {
    const token = read(request.params['*']);
    if (!token) return notFound(reply);
    const { rows } = await options.db.query<{ ok: boolean }>('select app_private.unsubscribe($1, $2, $3) as ok', [token.o, token.e, 'unsubscribe_link']);
    if (!rows[0]?.ok) return notFound(reply);
    request.log.info({ org_id: token.o }, 'unsubscribed');
    return htmlPage(reply, 200, 'Unsubscribed', `<h1>You are unsubscribed.</h1><p>${escapeHtml(token.e)} will not receive further emails.</p>`);
  });
}
